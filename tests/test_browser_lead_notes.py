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


async def _lead(s: Server, name: str, message: str) -> int:
    """A Spanish buyer's inquiry to Brightway: the lead's id."""
    booth_id = await s.booth_id(BRIGHTWAY.slug)
    buyer = await s.client((await s.guest(name, "es"))[0])
    assert (await buyer.call("booth:join", {"booth_id": booth_id}))["ok"]
    ack = await buyer.call("inquiry:submit", {"booth_id": booth_id, "message": message,
                                              "email": f"{name.lower()}@example.es", "consent": True})  # fmt: skip
    assert ack["ok"], ack
    return int(ack["lead"]["id"])


async def test_note_added_while_notes_load_is_kept(live_server: Server) -> None:
    s = live_server
    lead_id = await _lead(s, "Ana", "¿Muestras?")

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


async def test_a_half_typed_note_survives_a_reload(live_server: Server) -> None:
    """A supplier typing a note when the console reloads (a phone's tab discarded, a sign-in again)
    finds it again in its open panel; once added, it is not brought back (a user try lost it)."""
    s = live_server
    lead_id = await _lead(s, "Luis", "¿Precio por 500?")

    async with open_fair(s.url) as fair:
        page = await fair.staff("/console", BRIGHTWAY.email)
        zh = await ui_strings(page, "zh")
        lead = page.locator(f".lead[data-lead-id='{lead_id}']")
        await lead.locator("summary").click()
        await lead.get_by_role("textbox", name=zh["leads.note"]).fill("周五前回复样品费")
        await page.reload()
        note_box = lead.get_by_role("textbox", name=zh["leads.note"])
        await expect(note_box).to_be_visible()  # the panel opened by itself
        await expect(note_box).to_have_value("周五前回复样品费")
        await lead.get_by_role("button", name=zh["leads.add_note"]).click()
        await expect(lead.locator(".notes > li")).to_contain_text("周五前回复样品费")
        await expect(note_box).to_have_value("")
        await page.reload()
        await expect(lead.locator("summary")).to_be_visible()
        await expect(lead.get_by_role("textbox", name=zh["leads.note"])).to_be_hidden()  # closed: nothing kept
        assert fair.errors == []
