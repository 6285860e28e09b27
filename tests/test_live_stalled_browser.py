"""The supplier's tab closes mid-stream: buyers are told the video has paused, then see the
stream end once the resume grace period is over, instead of a frozen picture marked LIVE."""

from __future__ import annotations

import re
from typing import Any

import pytest

from media.testing import ffmpeg_children
from tests.browser_support import open_until, ui_strings
from tests.support import Server
from tests.test_live_browser import CHROMIUM, CHROMIUM_ARGS, session_script

pytestmark = [pytest.mark.media, pytest.mark.browser]


async def test_buyer_is_told_when_the_supplier_tab_closes(live_server: Server) -> None:
    from playwright.async_api import async_playwright, expect

    slug = "shenzhen-brightway-led"
    staff_token, staff_user = await live_server.supplier(slug)
    buyer_token, buyer_user = await live_server.guest("Lin", "en")
    staff: dict[str, Any] = {"token": staff_token, "user": staff_user}
    buyer: dict[str, Any] = {"token": buyer_token, "user": buyer_user}

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            supplier_ctx = await browser.new_context()
            await supplier_ctx.add_init_script(session_script(staff))
            console = await supplier_ctx.new_page()
            await open_until(console, live_server.url + "/console", console.locator("#live-controls .live-broadcaster"))
            words = await ui_strings(console, staff_user["lang"])
            go = console.get_by_role("button", name=words["live.go_live"], exact=True)
            await expect(go).to_be_enabled(timeout=90_000)
            await go.click()
            await expect(console.locator("#live-controls")).to_have_attribute("data-live-state", "live", timeout=60_000)

            buyer_ctx = await browser.new_context()
            await buyer_ctx.add_init_script(session_script(buyer))
            booth = await buyer_ctx.new_page()
            await booth.goto(f"{live_server.url}/booths/{slug}")
            en = await ui_strings(booth, "en")
            await booth.wait_for_function(
                "() => { const v = document.querySelector('#player'); return v && v.currentTime > 1.5; }",
                timeout=30_000,
            )
            stalled = booth.locator("#stream-stalled")
            await expect(stalled).to_be_hidden()  # playing: nothing to say

            await supplier_ctx.close()  # the tab closes without "End stream"
            # What is buffered plays out, then the picture stops: the buyer is told why.
            await expect(stalled).to_be_visible(timeout=20_000)
            await expect(stalled).to_have_text(en["live.stalled"])
            await expect(booth.locator("#live-badge")).to_be_visible()  # still live: it may resume
            await expect(booth.locator("#live-badge")).to_have_class(re.compile(r"\bis-stalled\b"))  # but greyed
            # The grace period (15 s) passes without the supplier: the stream has ended.
            await expect(booth.locator("#stream-offline")).to_be_visible(timeout=40_000)
            await expect(stalled).to_be_hidden()
            await expect(booth.locator("#live-badge")).to_be_hidden()
        finally:
            await browser.close()
    assert ffmpeg_children() == []
