"""The buyer's chat input always fits on screen, and no quick phrase hides under it: on the booth
page offline and live, at laptop and phone sizes, the page not scrolled, the input is wholly inside
the viewport and takes a message. Screenshots (the viewport, as seen) go to /tmp/shots/; the bottom
gaps are printed."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from media.testing import make_webm
from tests.browser_support import Fair, booth, joined, ui_strings
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


PORTRAIT = {"width": 390, "height": 844}
LANDSCAPE = {"width": 844, "height": 390}
# What the buyer can read of the chat list: its part on screen, below a top bar that sticks and
# above the message box that sticks to the screen's bottom. The newest line, whether it is wholly
# in that part, and the heights of the three newest lines.
READABLE = """() => {
    const l = document.querySelector('#chat-list').getBoundingClientRect();
    const c = document.querySelector('#chat-composer').getBoundingClientRect();
    const bar = document.querySelector('.topbar');
    const barBottom = ['sticky', 'fixed'].includes(getComputedStyle(bar).position) ? bar.getBoundingClientRect().bottom : 0;
    const top = Math.max(l.top, barBottom, 0);
    const bottom = Math.min(l.bottom, c.top, innerHeight);
    const msgs = [...document.querySelectorAll('#chat-list .msg')];
    const m = msgs[msgs.length - 1].getBoundingClientRect();
    const list = document.querySelector('#chat-list');
    return {top, bottom, readable: Math.max(0, bottom - top), newest: msgs[msgs.length - 1].textContent,
            newest_shown: m.top >= top - 1 && m.bottom <= bottom + 1,
            three_lines: msgs.slice(-3).reduce((s, x) => s + x.getBoundingClientRect().height, 0),
            from_end: list.scrollHeight - list.scrollTop - list.clientHeight,
            scroll_y: scrollY, composer_h: c.height, list_h: l.height, vh: innerHeight};
}"""



async def _read_chat(page: Page, newest: str, *, lines: int) -> dict[str, Any]:
    """Once the page has settled (or after 3 s): what the buyer can read of the chat."""
    for _ in range(60):
        r: dict[str, Any] = await page.evaluate(READABLE)
        if newest in r["newest"] and r["newest_shown"] and r["readable"] + 1 >= r["three_lines"] * lines / 3:
            break
        await asyncio.sleep(0.05)
    return r


async def _send(page: Page, text: str) -> None:
    await page.locator("#chat-input").fill(text)
    await page.locator("#chat-send").click()
    await expect(page.locator("#chat-list .msg", has_text=text)).to_have_count(1)


async def test_turning_the_phone_keeps_the_newest_line_in_view(fair: Fair, live_server: Server) -> None:
    """Portrait, sideways and back with the chat open: the list stays at its end (the newest line
    above the message box), and sideways (390 px tall) at least three lines of it are readable
    between the top bar and the message box when the buyer scrolls to the chat."""
    page = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Rosa", lang="en", viewport=PORTRAIT)
    await joined(page)
    for i in range(1, 6):
        await _send(page, f"portrait line {i}")
    await page.evaluate("window.scrollTo(0, 0)")
    r = await _read_chat(page, "portrait line 5", lines=1)
    assert r["newest_shown"], f"portrait: {r}"

    await page.set_viewport_size(LANDSCAPE)
    await page.locator("#chat").evaluate("el => el.scrollIntoView({block: 'end'})")
    r = await _read_chat(page, "portrait line 5", lines=3)
    await asyncio.to_thread(SHOTS.mkdir, parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "chat-turned-landscape.png"))
    assert r["newest_shown"], f"landscape: the newest line is hidden: {r}"
    assert r["readable"] + 1 >= r["three_lines"], f"landscape: under three lines readable: {r}"
    # The layout for short screens: the top bar scrolls away and the quick phrases sit beside the
    # message box, so the chat panel fits the screen, its list readable in full (it was 200 of 240 px).
    assert r["readable"] + 1 >= r["list_h"], f"landscape: the list is partly covered: {r}"
    # Typed and sent sideways: that line shows too.
    await _send(page, "landscape line")
    r = await _read_chat(page, "landscape line", lines=3)
    assert r["newest_shown"] and r["readable"] + 1 >= r["three_lines"], f"landscape, sent: {r}"
    assert not await page.evaluate("document.documentElement.scrollWidth > innerWidth")

    await page.set_viewport_size(PORTRAIT)
    await page.locator("#chat").evaluate("el => el.scrollIntoView({block: 'end'})")
    r = await _read_chat(page, "landscape line", lines=1)
    await page.screenshot(path=str(SHOTS / "chat-turned-back.png"))
    assert r["newest_shown"], f"portrait again: the newest line is hidden: {r}"
    await page.evaluate("window.scrollTo(0, 0)")
    r = await _read_chat(page, "landscape line", lines=1)
    assert r["newest_shown"], f"portrait again, unscrolled: {r}"
    assert fair.errors == []


async def test_offline_on_a_phone_the_chat_says_why_send_waits(fair: Fair, live_server: Server) -> None:
    """A phone's top bar shows only a coloured dot: offline, the line under the chat says that the
    page is reconnecting and the message waits in the box; it goes once the page is back."""
    page = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Olga", lang="es", viewport=PORTRAIT)
    await joined(page)
    es = await ui_strings(page, "es")
    status = page.locator("#chat-status")
    await expect(status).to_be_hidden()
    for i in range(1, 6):
        await _send(page, f"línea {i}")
    await page.evaluate("window.scrollTo(0, 0)")
    await page.locator("#chat-input").fill("¿Tienen certificado CE?")
    await page.context.set_offline(True)
    await page.evaluate("window.boothcastDebug.socket.io.engine.close()")  # the drop, at once
    await expect(page.locator("#chat-send")).to_be_disabled()
    await expect(status).to_have_text(es["chat.reconnecting_note"])
    # On screen, by the message box: not under it (the box sticks to the screen's bottom edge).
    box = await page.evaluate(
        """() => {
            const s = document.querySelector('#chat-status').getBoundingClientRect();
            const f = document.querySelector('#chat-form').getBoundingClientRect();
            const at = document.elementFromPoint(s.left + s.width / 2, s.top + s.height / 2);
            return {top: s.top, bottom: s.bottom, form_top: f.top, vh: innerHeight, on_top: at?.id === 'chat-status'};
        }"""
    )
    assert 0 <= box["top"] and box["bottom"] <= box["form_top"] + 1 and box["on_top"], box
    await page.screenshot(path=str(SHOTS / "chat-offline-phone.png"))
    # The inquiry's grey button says why too, right beside it (a user try saw no reason).
    inquiry_note = page.locator("#inquiry-slot .inq-wait")
    await expect(inquiry_note).to_have_text(es["inq.reconnecting_note"])
    await expect(page.locator("#inquiry-slot button[type=submit]")).to_be_disabled()
    await page.context.set_offline(False)
    await joined(page)
    await expect(status).to_be_hidden()
    await expect(inquiry_note).to_be_hidden()
    await expect(page.locator("#inquiry-slot button[type=submit]")).to_be_enabled()
    await expect(page.locator("#chat-input")).to_have_value("¿Tienen certificado CE?")
    assert fair.errors == []


async def test_on_a_phone_a_long_line_is_folded_and_a_report_form_is_in_sight(fair: Fair, live_server: Server) -> None:
    """A 1,920-character spam line filled a phone's whole chat, and the report form of the newest
    line opened with its Send under the quick phrases (a user try)."""
    s = live_server
    booth_id = await s.booth_id(BRIGHTWAY.slug)
    page = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Olga", lang="es", viewport=PORTRAIT)
    await joined(page)
    es = await ui_strings(page, "es")
    spammer = await s.client((await s.guest("Spammy", "es"))[0])
    assert (await spammer.call("booth:join", {"booth_id": booth_id}))["ok"]
    spam = "COMPRA YA " * 190
    assert (await spammer.call("chat:send", {"booth_id": booth_id, "text": spam}))["ok"]
    line = page.locator("#chat-list .msg", has_text="COMPRA YA")
    text = line.locator(".msg-text")
    await expect(text).to_have_class(re.compile(r"\bis-clamped\b"))
    folded = (await text.bounding_box() or {"height": 1e9})["height"]
    assert folded < 140, folded
    toggle = line.get_by_role("button", name=es["chat.show_all"])
    await toggle.click()
    await expect(text).not_to_have_class(re.compile(r"\bis-clamped\b"))
    assert (await text.bounding_box() or {"height": 0})["height"] > folded * 3
    await line.get_by_role("button", name=es["chat.show_less"]).click()
    await expect(text).to_have_class(re.compile(r"\bis-clamped\b"))
    await _send(page, "una línea corta")  # short lines are never folded
    await expect(page.locator("#chat-list .msg", has_text="una línea corta").locator(".toggle-long")).to_have_count(0)

    assert (await spammer.call("chat:send", {"booth_id": booth_id, "text": "último mensaje"}))["ok"]
    newest = page.locator("#chat-list .msg", has_text="último mensaje")
    await newest.get_by_role("button", name=es["report.button"]).first.click()
    send = newest.get_by_role("button", name=es["report.send"])
    await expect(send).to_be_visible()
    box = await page.evaluate(
        """() => {
            const b = [...document.querySelectorAll('.report-form button[type=submit]')].pop().getBoundingClientRect();
            const at = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
            return {top: b.top, bottom: b.bottom, vh: innerHeight, on_top: Boolean(at && at.closest('.report-form'))};
        }"""
    )
    assert 0 <= box["top"] and box["bottom"] <= box["vh"] and box["on_top"], box
    assert fair.errors == []
