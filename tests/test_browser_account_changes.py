"""The supplier console when the organiser changes the account under it (`boothcast users`):
made staff again after a demotion, it opens without a new sign-in; disabled, it says so; with
its password reset, it asks for the new one."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from rooms.users import do_disable_account, do_set_password, do_update_account
from server.keys import DB
from tests.browser_support import Fair, booth, ui_strings
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
    assert fair.errors == []


async def test_a_disabled_supplier_console_says_so(fair: Fair, live_server: Server) -> None:
    assert live_server.app is not None
    console = await fair.staff("/console", BRIGHTWAY.email)
    zh = await ui_strings(console, "zh")
    await expect(console.locator("#chat")).to_have_attribute("data-joined", "true")
    await do_disable_account(live_server.app[DB], BRIGHTWAY.email, "left the company")
    # Within the account sweep's 2 s the socket is closed, and the page says why.
    await expect(console.locator("#page-status")).to_have_text(zh["err.banned"])
    await expect(console.locator("#conn")).to_have_attribute("data-state", "offline")
    assert fair.errors == []


async def test_a_password_reset_signs_the_open_console_out(fair: Fair, live_server: Server) -> None:
    """The organiser resets a leaked password: the console open with the old one goes back to the
    sign-in form, saying the session expired, and the new password opens it again."""
    assert live_server.app is not None
    console = await fair.staff("/console", BRIGHTWAY.email)
    zh = await ui_strings(console, "zh")
    await expect(console.locator("#chat")).to_have_attribute("data-joined", "true")
    await do_set_password(live_server.app[DB], BRIGHTWAY.email, "a new pass phrase")
    form = console.locator("form.signin-form")
    await expect(form).to_be_visible()  # within the account sweep's 2 s, then a reload
    await expect(form.locator(".form-status")).to_have_text(zh["err.unauthorized"])
    await form.locator("input[name=email]").fill(BRIGHTWAY.email)
    await form.locator("input[name=password]").fill("a new pass phrase")
    await form.locator("button[type=submit]").click()
    await expect(console.locator("#chat")).to_have_attribute("data-joined", "true")
    assert fair.errors == []
