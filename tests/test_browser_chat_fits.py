"""The buyer's chat input always fits on screen, and no quick phrase hides under it: on the booth
page offline and live, at laptop and phone sizes, the page not scrolled, the input is wholly inside
the viewport and takes a message. Screenshots (the viewport, as seen) go to /tmp/shots/; the bottom
gaps are printed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from media.testing import make_webm
from tests.browser_support import Fair, booth, joined
from tests.support import Server
from tests.test_browser_booth_sells import drain, go_live

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
VIEWPORTS = [(1280, 800), (1366, 768), (390, 844), (360, 640)]
BRIGHTWAY = booth("shenzhen-brightway-led")


async def _check(page: Page, state: str, width: int, height: int) -> float:
    """Open the page at this size, unscrolled; the input must be inside and work. The bottom gap."""
    await page.set_viewport_size({"width": width, "height": height})
    await page.reload()
    await joined(page)
    if state == "live":
        await expect(page.locator("#live-badge")).to_be_visible(timeout=30_000)
    await page.evaluate("window.scrollTo(0, 0)")
    geometry = await page.evaluate(
        """() => {
            const r = document.querySelector('#chat-input').getBoundingClientRect();
            return {top: r.top, left: r.left, bottom: r.bottom, right: r.right,
                    vw: window.innerWidth, vh: window.innerHeight, scrollY: window.scrollY};
        }"""
    )
    await asyncio.to_thread(SHOTS.mkdir, parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"chat-input-{state}-{width}x{height}.png"))
    # Nothing the buyer can tap sits under the message box: the quick phrases stay in view with it.
    covered = await page.evaluate(
        """() => {
            const f = document.querySelector('#chat-form').getBoundingClientRect();
            const row = document.querySelector('#quick-phrases .phrase-buttons');
            if (!row) return [];
            const c = row.getBoundingClientRect();  // the row scrolls: what it clips is not shown
            return [...row.querySelectorAll('.phrase-btn, .phrase-more')]
              .map((b) => [b.textContent, b.getBoundingClientRect()])
              .map(([t, r]) => [t, {top: Math.max(r.top, c.top), bottom: Math.min(r.bottom, c.bottom),
                                     left: Math.max(r.left, c.left), right: Math.min(r.right, c.right)}])
              .filter(([, r]) => r.bottom > r.top && r.right > r.left)
              .filter(([, r]) => r.bottom > f.top && r.top < f.bottom && r.right > f.left && r.left < f.right)
              .map(([t]) => t);
        }"""
    )
    assert covered == [], f"{state} {width}x{height}: under the message box: {covered}"
    where = f"{state} {width}x{height}: {geometry}"
    assert geometry["scrollY"] == 0, where
    assert geometry["top"] >= 0 and geometry["left"] >= 0, where
    assert geometry["bottom"] <= geometry["vh"] and geometry["right"] <= geometry["vw"], where
    # Usable where it is: typed into and sent without scrolling.
    text = f"{state} check {width}x{height}"
    await page.locator("#chat-input").fill(text)
    await page.locator("#chat-send").click()
    await expect(page.locator("#chat-list .msg", has_text=text)).to_have_count(1)
    await expect(page.locator("#chat-input")).to_have_value("")
    # The line just sent is the newest, and it shows: not under the message box that sticks to the
    # screen's bottom while the chat runs past it.
    for _ in range(40):
        box = await page.evaluate(
            """() => {
                const m = [...document.querySelectorAll('#chat-list .msg')].pop().getBoundingClientRect();
                const c = document.querySelector('#chat-composer').getBoundingClientRect();
                const l = document.querySelector('#chat-list').getBoundingClientRect();
                return {msg_top: m.top, msg_bottom: m.bottom, composer_top: c.top, list_top: l.top};
            }"""
        )
        if box["list_top"] - 1 <= box["msg_top"] and box["msg_bottom"] <= box["composer_top"] + 1:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError(f"{state} {width}x{height}: the newest line is hidden: {box}")
    return float(geometry["vh"] - geometry["bottom"])


async def test_the_chat_input_fits_offline_and_live(fair: Fair, live_server: Server, tmp_path: Path) -> None:
    s = live_server
    page = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Ana", lang="en")
    gaps: dict[str, float] = {}
    for w, h in VIEWPORTS:
        gaps[f"offline {w}x{h}"] = await _check(page, "offline", w, h)

    token, user = await s.supplier(BRIGHTWAY.slug)
    sample = make_webm(tmp_path / "stream.webm", "h264", seconds=6.0).read_bytes()
    http, ws, sid = await go_live(s, user["booth_id"], token, sample)
    reader = asyncio.create_task(drain(ws))
    try:
        for w, h in VIEWPORTS:
            gaps[f"live {w}x{h}"] = await _check(page, "live", w, h)
    finally:
        status, body = await s.request("POST", f"/api/sessions/{sid}/end", token)
        reader.cancel()
        await ws.close()
        await http.close()
    assert status == 200, body
    print("chat input bottom gap (px):", gaps)
    assert fair.errors == []
