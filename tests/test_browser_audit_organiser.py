"""The moderators' audit log names the organiser for what `boothcast users disable|enable` did
(an entry with no acting account), not "#null"."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from rooms import demo_fair
from rooms.users import do_disable_account, do_enable_account
from server.keys import DB
from tests.browser_support import Fair, booth, ui_strings
from tests.support import Server

pytestmark = pytest.mark.browser

BRIGHTWAY = booth("shenzhen-brightway-led")


async def test_audit_log_names_the_organiser(fair: Fair, live_server: Server) -> None:
    assert live_server.app is not None
    db = live_server.app[DB]
    _, changed = await do_disable_account(db, BRIGHTWAY.email, "left the company")
    assert changed
    await do_enable_account(db, BRIGHTWAY.email)
    moderator = await fair.staff("/moderate", demo_fair.MODERATOR_EMAIL)
    en = await ui_strings(moderator, "en")
    rows = moderator.locator("#audit-rows tr")
    ban = rows.and_(moderator.locator("[data-action=ban]"))
    await expect(ban).to_have_count(1)
    await expect(ban.locator("td").nth(1)).to_have_text(en["mod.organiser"])
    await expect(ban.locator("td.detail")).to_contain_text("left the company")
    await expect(rows.and_(moderator.locator("[data-action=unban]")).locator("td").nth(1)).to_have_text(en["mod.organiser"])
    await expect(moderator.locator("#audit-rows")).not_to_contain_text("#null")
    assert fair.errors == []
