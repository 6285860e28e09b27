"""The console on a phone held sideways (844×390), live with the fake camera: Go live and End stay
reachable on the screen beside the preview, and nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser_support import Fair, booth, no_horizontal_scroll, ui_strings

pytestmark = pytest.mark.browser

CERAMICA = booth("valencia-ceramica")
LANDSCAPE = {"width": 844, "height": 390}


async def test_the_live_buttons_fit_beside_the_preview_on_a_phone_sideways(fair: Fair) -> None:
    console = await fair.staff("/console", CERAMICA.email, viewport=LANDSCAPE)
    es = await ui_strings(console, "es")
    await expect(console.locator("#chat")).to_have_attribute("data-joined", "true")
    preview = console.locator(".live-preview-wrap")
    await preview.scroll_into_view_if_needed()
    box = await preview.bounding_box()
    assert box is not None and box["height"] <= LANDSCAPE["height"] * 0.5, box
    # With the preview at the top of the screen, Go live is on it too.
    await console.evaluate("() => document.querySelector('.live-preview-wrap').scrollIntoView({block: 'start'})")
    go = console.get_by_role("button", name=es["live.go_live"], exact=True)
    await expect(go).to_be_in_viewport()
    assert await no_horizontal_scroll(console)
    assert fair.errors == []
