"""A lead's notes in the console, in Chromium: a note added while the note list is still loading
stays (the load's answer, read before the note was committed, once replaced the list and hid it)."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Route, expect

from tests.browser_support import booth, open_fair, ui_strings
from tests.support import Server

pytestmark = pytest.mark.browser

BRIGHTWAY = booth("shenzhen-brightway-led")


async def test_note_added_while_notes_load_is_kept(live_server: Server) -> None:
    s = live_server
    booth_id = await s.booth_id(BRIGHTWAY.slug)
    tok, _ = await s.guest("Ana", "es")
    buyer = await s.client(tok)
    assert (await buyer.call("booth:join", {"booth_id": booth_id}))["ok"]
    ack = await buyer.call("inquiry:submit", {"booth_id": booth_id, "message": "¿Muestras?",
                                              "email": "ana@example.es", "consent": True})  # fmt: skip
    assert ack["ok"], ack
    lead_id = int(ack["lead"]["id"])

    async with open_fair(s.url) as fair:
        page = await fair.staff("/console", BRIGHTWAY.email)
        zh = await ui_strings(page, "zh")
        # The note list's answer is held on its way back until the note has been added: a slow
        # network, a quick supplier.
        held = asyncio.Event()
        release = asyncio.Event()

        async def hold(route: Route) -> None:
            response = await route.fetch()  # the server reads the notes now, before the note is added
            held.set()
            await release.wait()
            await route.fulfill(response=response)

        await page.route(f"**/api/leads/{lead_id}", hold)
        lead = page.locator(f".lead[data-lead-id='{lead_id}']")
        await lead.locator("summary").click()
        async with asyncio.timeout(30):
            await held.wait()
        await lead.get_by_role("textbox", name=zh["leads.note"]).fill("已发邮件报价")
        await lead.get_by_role("button", name=zh["leads.add_note"]).click()
        notes = lead.locator(".notes > li")
        await expect(notes).to_have_count(1)
        await expect(notes).to_contain_text("已发邮件报价")
        async with page.expect_response(f"**/api/leads/{lead_id}"):
            release.set()
        await page.evaluate("() => new Promise((done) => setTimeout(done, 200))")  # the page renders the answer
        # The load's answer (read before the note existed) does not hide it.
        await expect(notes).to_have_count(1)
        await expect(notes).to_contain_text("已发邮件报价")
        await expect(lead.locator(".empty-note")).to_have_count(0)
