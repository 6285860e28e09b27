"""A buyer whose language no bundled model translates is told so, at sign-in and where they type:
a user try's Brazilian and Saudi buyers were promised chat "in your own language", wrote in it,
and the supplier saw "untranslated" on every line while the buyers never knew."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from rooms.demo_fair import MODERATOR_EMAIL
from tests.browser_support import PHONE, Fair, booth, joined, screenshot, ui_strings
from tests.support import Server

pytestmark = pytest.mark.browser

BRIGHTWAY = booth("shenzhen-brightway-led")


async def test_a_portuguese_buyer_learns_chat_is_not_translated_and_a_spanish_one_is_not_bothered(
    fair: Fair,
) -> None:
    buyer = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="João", lang="pt", viewport=PHONE)
    await joined(buyer)
    pt = await ui_strings(buyer, "pt")
    note = buyer.locator("#chat-lang-note")
    await expect(note).to_be_visible()
    await expect(note).to_contain_text(pt["chat.lang_untranslated"].split("{lang}")[0])
    await expect(note).to_contain_text("Português")
    await expect(note).to_contain_text("English")
    await screenshot(buyer, "booth-pt-phone-language-note")

    spanish = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Lucía", lang="es", viewport=PHONE)
    await joined(spanish)
    await expect(spanish.locator("#chat-lang-note")).to_be_hidden()

    # Before signing in: choosing Arabic says the same, choosing English takes it away.
    page = await fair.page(PHONE)
    await page.goto("/")
    form = page.locator("form.signin-form")
    await expect(form).to_be_visible()
    en = await ui_strings(page, "en")
    lang = form.get_by_label(en["f.language"])
    await lang.select_option("ar")
    await expect(form.locator(".lang-note")).to_contain_text("العربية")
    await lang.select_option("en")
    await expect(form.locator(".lang-note")).to_be_hidden()
    assert fair.errors == []


async def test_a_guest_named_admin_is_told_to_choose_their_own_name(fair: Fair) -> None:
    page = await fair.page(PHONE)
    await page.goto("/")
    await page.evaluate("() => localStorage.setItem('boothcast.lang', 'es')")
    await page.reload()
    es = await ui_strings(page, "es")
    form = page.locator("form.signin-form")
    await form.get_by_label(es["f.name"]).fill("Admin")
    await form.get_by_role("button", name=es["f.enter"]).click()
    await expect(form.get_by_role("alert")).to_have_text(es["signin.staff_name"])
    await form.get_by_label(es["f.name"]).fill("Lucía")
    async with page.expect_navigation():
        await form.get_by_role("button", name=es["f.enter"]).click()
    await expect(form).to_have_count(0)


async def test_staff_see_that_an_arabic_line_and_lead_have_no_translation(fair: Fair, live_server: Server) -> None:
    """An English moderator read Arabic with no word that it was untranslated, and a supplier's lead
    card showed only "the buyer wrote (Arabic)" (a user try): both now say no model translates it."""
    s = live_server
    booth_id = await s.booth_id(BRIGHTWAY.slug)
    buyer = await s.client((await s.guest("Ahmed", "ar"))[0])
    assert (await buyer.call("booth:join", {"booth_id": booth_id}))["ok"]
    moderator = await fair.staff("/moderate", MODERATOR_EMAIL)
    supplier = await fair.staff("/console", BRIGHTWAY.email)
    assert (await buyer.call("chat:send", {"booth_id": booth_id, "text": "مرحبا، أريد عرض سعر"}))["ok"]
    ack = await buyer.call("inquiry:submit", {"booth_id": booth_id, "message": "أريد عرض سعر لـ 500 قطعة",
                                              "email": "ahmed@example.sa", "consent": True})  # fmt: skip
    assert ack["ok"], ack
    en = await ui_strings(moderator, "en")
    line = moderator.locator("#feed-list .msg", has_text="مرحبا")
    await expect(line.locator(".untranslated-badge")).to_have_text(en["chat.untranslated"])
    zh = await ui_strings(supplier, "zh")
    lead = supplier.locator(f".lead[data-lead-id='{ack['lead']['id']}']")
    note = zh["leads.untranslated"].split("{lang}")[0]
    await expect(lead.locator(".lead-untranslated")).to_contain_text(note)
    assert fair.errors == []


async def test_switching_language_in_the_lobby_keeps_the_same_account(fair: Fair) -> None:
    """A signed-in guest who picked another language became a new guest: their own message then
    offered "Report", their lead stayed with the old account, and a mute was left behind (a user
    try). The lobby's picker now changes the account's language."""
    page = await fair.guest("/", name="林美玲", lang="zh-Hant")
    before = await page.evaluate("() => JSON.parse(localStorage.getItem('boothcast.session')).user")
    async with page.expect_navigation():
        await page.locator("#lang-picker").select_option("en")
    after = await page.evaluate("() => JSON.parse(localStorage.getItem('boothcast.session')).user")
    assert after["id"] == before["id"] and after["lang"] == "en", (before, after)
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    assert fair.errors == []
