"""A buyer whose language no bundled model translates is told so, at sign-in and where they type:
a user try's Brazilian and Saudi buyers were promised chat "in your own language", wrote in it,
and the supplier saw "untranslated" on every line while the buyers never knew."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser_support import PHONE, Fair, booth, joined, screenshot, ui_strings

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
