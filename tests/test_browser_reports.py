"""The moderators' reports list in Chromium: a report shows its context, and Hide asks once more
in place before it takes the line from every reader (a slip of the finger hid a message unasked)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from rooms.demo_fair import MODERATOR_EMAIL
from tests.browser_support import Fair, booth, ui_strings
from tests.support import Server

pytestmark = pytest.mark.browser

LEEDS = booth("leeds-packaging")


async def test_hiding_a_reported_line_asks_first(fair: Fair, live_server: Server) -> None:
    s = live_server
    booth_id = await s.booth_id(LEEDS.slug)
    spam_tok, _ = await s.guest("Spammy", "en")
    reader_tok, _ = await s.guest("Reader", "en")
    spammer, reader = await s.client(spam_tok), await s.client(reader_tok)
    for c in (spammer, reader):
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    sent = await spammer.call("chat:send", {"booth_id": booth_id, "text": "cheap watches at spam dot example"})
    assert (await reader.call("chat:report", {"message_id": sent["message"]["id"], "reason": "spam"}))["ok"]

    page = await fair.staff("/moderate", MODERATOR_EMAIL)
    en = await ui_strings(page, "en")
    report = page.locator(".report", has_text="cheap watches")
    await expect(report).to_have_count(1)
    actions = report.locator(".mod-actions")
    await actions.get_by_role("button", name=en["mod.hide"]).click()
    await expect(actions).to_contain_text(en["mod.confirm_hide"])
    await actions.get_by_role("button", name=en["mod.cancel"]).click()
    await expect(actions.get_by_role("button", name=en["mod.hide"])).to_be_visible()
    assert (await reader.call("chat:history", {"booth_id": booth_id, "after_seq": 0}))["messages"]  # still there

    await actions.get_by_role("button", name=en["mod.hide"]).click()
    await actions.get_by_role("button", name=en["mod.confirm"]).click()
    await expect(report).to_have_count(0)
    hidden = await reader.events.wait_for("chat:hidden", lambda e: e["message_id"] == sent["message"]["id"])
    assert hidden["booth_id"] == booth_id
    assert fair.errors == [] and fair.dialogs == []


async def test_a_doubted_translation_in_a_report_puts_the_original_first(fair: Fair, live_server: Server) -> None:
    """The reports panel led with the machine's English, unmarked, where the feed marked it doubtful:
    "shipping pays it for the buyer" for "el envío lo paga el comprador" (a user try)."""
    from sqlalchemy import update

    from rooms.models import MessageTranslation
    from server.keys import FAIR

    s = live_server
    booth_id = await s.booth_id(booth("valencia-ceramica").slug)
    mtok, _ = await s.moderator()
    watcher = await s.client(mtok)
    assert (await watcher.call("mod:watch", {}))["ok"]  # an English moderator: English is translated
    author = await s.client((await s.guest("Paco", "es"))[0])
    reader = await s.client((await s.guest("Lola", "es"))[0])
    for c in (author, reader):
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    text = "Sí, enviamos muestras gratis, el envío lo paga el comprador."
    sent = await author.call("chat:send", {"booth_id": booth_id, "text": text})
    await watcher.events.wait_for("mod:message", lambda m: m["id"] == sent["message"]["id"] and m["translated"])
    assert s.app is not None
    async with s.app[FAIR].db.session() as db:  # the gate doubted it (made so here, whatever the model said)
        await db.execute(update(MessageTranslation).where(MessageTranslation.message_id == sent["message"]["id"])
                         .values(uncertain=True))  # fmt: skip
    assert (await reader.call("chat:report", {"message_id": sent["message"]["id"], "reason": "scam"}))["ok"]

    page = await fair.staff("/moderate", MODERATOR_EMAIL)
    en = await ui_strings(page, "en")
    line = page.locator(".report", has_text="el envío").locator(".report-line.is-reported")
    await expect(line.locator(".report-text")).to_have_text(text)
    await expect(line.locator(".uncertain-badge")).to_have_text(en["chat.uncertain"])
    assert fair.errors == []
