"""The console at 1280×720 when the browser cannot capture: a Spanish supplier with no camera reads,
in Spanish, what is wrong and what to do; the live card stays inside its column, and the product
translations get the page's width."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser_support import SCREENSHOTS, Fair, booth, ui_strings

pytestmark = pytest.mark.browser

CERAMICA = booth("valencia-ceramica")  # a supplier whose language is Spanish


async def test_a_console_without_a_camera_says_why_in_the_suppliers_language(fair: Fair) -> None:
    # This Chromium has no fake camera (no --use-fake-device-for-media-stream): none is found.
    console = await fair.staff("/console", CERAMICA.email, viewport={"width": 1280, "height": 720})
    es = await ui_strings(console, "es")
    await expect(console.locator("#chat")).to_have_attribute("data-joined", "true")
    status = console.locator(".live-status")
    # The camera is not asked for until the supplier does (no light, no prompt on opening).
    await expect(status).to_have_text(es["live.idle"])
    assert await console.locator("video.live-preview").evaluate("(v) => v.srcObject === null")
    await console.get_by_role("button", name=es["live.preview"], exact=True).click()
    await expect(status).to_have_text(es["live.no_camera"])
    await console.get_by_role("button", name=es["live.go_live"], exact=True).click()
    await expect(status).to_have_text(es["live.no_camera"])  # not the browser's English words
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await console.screenshot(path=str(SCREENSHOTS / "console-live-no-camera-es.png"), full_page=True)
    overflowing = await console.evaluate(
        """() => [...document.querySelectorAll('.live-broadcaster, .live-broadcaster *')]
            .filter((el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible'
                || el.getBoundingClientRect().right > el.closest('.card, section, main').getBoundingClientRect().right + 1)
            .map((el) => el.tagName + '.' + el.className)"""
    )
    assert overflowing == []
    # The booth's set-up tables are not squeezed into that column (a word a line, before).
    box = await console.locator("#ptexts").bounding_box()
    assert box is not None and box["width"] > 1000
    assert fair.errors == []
