"""The supplier console when the organiser changes the account under it (`boothcast users`):
made staff again after a demotion, it opens without a new sign-in; disabled, it says so; with
its password reset, it asks for the new one."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from rooms.demo_fair import MODERATOR_EMAIL
from rooms.users import do_disable_account, do_enable_account, do_set_password, do_update_account
from server.keys import DB
from tests.browser_support import Fair, booth, joined, ui_strings
from tests.support import Server

pytestmark = pytest.mark.browser

BRIGHTWAY = booth("shenzhen-brightway-led")


async def test_a_supplier_made_staff_again_gets_the_console_back(fair: Fair, live_server: Server) -> None:
    assert live_server.app is not None
    db = live_server.app[DB]
    console = await fair.staff("/console", BRIGHTWAY.email)
    zh = await ui_strings(console, "zh")
    await expect(console.locator("#chat")).to_have_attribute("data-joined", "true")

    await do_update_account(db, BRIGHTWAY.email, role="buyer")
    # The open console follows within the account sweep's 2 s (`account:updated`), no reload by
    # hand: it no longer offers what the server now refuses a buyer.
    await expect(console.locator("#page-status")).to_have_text(zh["staff.wrong_role"])

    await do_update_account(db, BRIGHTWAY.email, role="supplier", booth_slug=BRIGHTWAY.slug)
    await console.reload()  # the session saved "buyer" above: the page must ask again
    await expect(console.locator("#chat")).to_have_attribute("data-joined", "true")
    await expect(console.locator("#page-status")).to_be_hidden()

    # Renamed: the open console's "signed in as" bar follows, without a reload.
    await do_update_account(db, BRIGHTWAY.email, display_name="明途照明 王经理")
    await expect(console.locator("#session-bar")).to_contain_text("明途照明 王经理")
    await expect(console.locator("#chat")).to_have_attribute("data-joined", "true")
    assert fair.errors == []


async def test_a_disabled_supplier_console_says_so(fair: Fair, live_server: Server) -> None:
    assert live_server.app is not None
    console = await fair.staff("/console", BRIGHTWAY.email)
    zh = await ui_strings(console, "zh")
    await expect(console.locator("#chat")).to_have_attribute("data-joined", "true")
    await do_disable_account(live_server.app[DB], BRIGHTWAY.email, "left the company")
    # Within the account sweep's 2 s the socket is closed, and the page says why, with the reason.
    said = zh["err.banned"] + " " + zh["err.ban_reason"].replace("{reason}", "left the company")
    await expect(console.locator("#page-status")).to_have_text(said)
    await expect(console.locator("#conn")).to_have_attribute("data-state", "offline")
    # Opened again, the console does not mount an empty booth (nor turn the camera on): it says why.
    await console.reload()
    await expect(console.locator("#page-status")).to_have_text(said)
    await expect(console.locator("#console-root")).to_be_hidden()
    await expect(console.locator("video.live-preview")).to_have_count(0)
    # Let back in (`users enable`): the page comes back by itself, no reload needed (a user try's
    # console said "banned" until the supplier reloaded). It asks every 20 s.
    await do_enable_account(live_server.app[DB], BRIGHTWAY.email)
    await expect(console.locator("#console-root")).to_be_visible(timeout=40_000)
    await expect(console.locator("#chat")).to_have_attribute("data-joined", "true")
    await expect(console.locator("#page-status")).to_be_hidden()
    assert fair.errors == []


async def test_a_password_reset_signs_the_open_console_out(fair: Fair, live_server: Server) -> None:
    """The organiser resets a leaked password: the console open with the old one goes back to the
    sign-in form, saying the session expired, and the new password opens it again."""
    assert live_server.app is not None
    console = await fair.staff("/console", BRIGHTWAY.email)
    zh = await ui_strings(console, "zh")
    await expect(console.locator("#chat")).to_have_attribute("data-joined", "true")
    await console.locator("#chat-input").fill("今天下午可以发货")  # typed, not sent yet
    await do_set_password(live_server.app[DB], BRIGHTWAY.email, "a new pass phrase")
    form = console.locator("form.signin-form")
    await expect(form).to_be_visible()  # within the account sweep's 2 s, then a reload
    await expect(form.locator(".form-status")).to_have_text(zh["err.unauthorized"])
    await form.locator("input[name=email]").fill(BRIGHTWAY.email)
    await form.locator("input[name=password]").fill("a new pass phrase")
    await form.locator("button[type=submit]").click()
    await expect(console.locator("#chat")).to_have_attribute("data-joined", "true")
    await expect(console.locator("#chat-input")).to_have_value("今天下午可以发货")  # what was typed is back
    assert fair.errors == []


async def test_a_disabled_moderators_action_fails_at_once_and_says_so(fair: Fair, live_server: Server) -> None:
    """Disabled while /moderate is open, the moderator still sees the feed's buttons: an action
    taken then is refused at once with "can't reach the server", not lost without a word (a user
    try waited in vain; Socket.IO held the emit for a reconnect that never came)."""
    assert live_server.app is not None
    moderator = await fair.staff("/moderate", MODERATOR_EMAIL)
    en = await ui_strings(moderator, "en")
    buyer = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Sam", lang="en")
    await joined(buyer)
    await buyer.locator("#chat-input").fill("BUY CHEAP WATCHES at spam.example")
    await buyer.locator("#chat-send").click()
    feed_line = moderator.locator("#feed-list .msg", has_text="spam.example")
    await expect(feed_line).to_have_count(1)

    await do_disable_account(live_server.app[DB], MODERATOR_EMAIL, None)
    await expect(moderator.locator("#page-status")).to_have_text(en["err.banned"])
    await expect(moderator.locator("#conn")).to_have_attribute("data-state", "offline")
    await feed_line.get_by_role("button", name="Hide").click()
    dialog = moderator.get_by_role("dialog")
    await dialog.get_by_label("Reason").fill("spam")
    await dialog.get_by_role("button", name="Confirm").click()
    # At once: "can't reach the server", or (the audit log reloads after the action and is
    # refused too) "banned"; never silence while Socket.IO waits 10 s for a reconnect.
    said = re.compile(f"^({re.escape(en['err.network'])}|{re.escape(en['err.banned'])})")
    await expect(moderator.locator("#mod-status")).to_have_text(said, timeout=3_000)
    await expect(buyer.locator("#chat-list .msg", has_text="spam.example")).to_have_count(1)
    assert fair.errors == []
