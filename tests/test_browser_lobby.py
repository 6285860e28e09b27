"""The fair lobby: filters, guest sign-in, live booth state, the language picker."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import expect

from tests.browser_support import Fair, booth, ui_strings

pytestmark = pytest.mark.browser

TOOLWORKS = booth("birmingham-toolworks")



async def test_lobby_filters_sign_in_live_state_and_language(fair: Fair) -> None:
    page = await fair.page()
    await page.goto("/")
    cards = page.locator(".booth-card:visible")
    await expect(cards).to_have_count(7)
    await expect(page.locator("#translation-info")).not_to_be_empty()

    filters = page.get_by_role("search")
    await filters.get_by_label("Search booths").fill("valencia")
    await expect(cards).to_have_count(1)
    await expect(cards.first).to_contain_text("Cerámica Levante")
    # Products too, in the buyer's words: the placeholder promises it.
    await filters.get_by_label("Search booths").fill("office chair")
    await expect(cards).to_have_count(1)
    await expect(cards.first).to_have_attribute("data-slug", "foshan-comfort-seating")
    await filters.get_by_label("Search booths").fill("silla ergonómica")
    await expect(cards).to_have_count(1)
    await filters.get_by_label("Search booths").fill("")
    await filters.get_by_label("Category").select_option("textiles")
    await expect(cards).to_have_count(1)
    await filters.get_by_label("Category").select_option("")
    await filters.get_by_label("Supplier language").select_option("zh")
    await expect(cards).to_have_count(3)
    await filters.get_by_label("Supplier language").select_option("")
    card = page.locator(f".booth-card[data-slug='{TOOLWORKS.slug}']")
    await expect(card).to_contain_text(TOOLWORKS.supplier_name)
    await expect(card).to_contain_text("Next stream")
    await expect(card.get_by_role("link", name=TOOLWORKS.name)).to_have_attribute(
        "href", f"/booths/{TOOLWORKS.slug}"
    )

    # One-step guest sign-in, in Spanish: the page comes back in Spanish, watching the lobby.
    form = page.get_by_role("form", name="Guest sign-in")
    await form.get_by_label("Name").fill("Marta")
    await form.get_by_label("Company").fill("Azulejos Marta")
    await form.get_by_label("Country").select_option("MX")
    await form.get_by_label("Language").select_option("es")
    async with page.expect_navigation():  # signed in: the page starts over in Spanish
        await form.get_by_role("button", name="Enter the fair").click()
    es = await ui_strings(page, "es")
    await expect(page.locator("h1")).to_have_text(es["lobby.hero"])
    await expect(page.locator("#session-bar")).to_contain_text("Marta")
    await expect(page.locator("#conn")).to_have_attribute("data-state", "online")

    # Someone enters a booth: the lobby shows it without a reload (lobby:watch → booth:state).
    visitor = await fair.guest(f"/booths/{TOOLWORKS.slug}", name="Visitor", lang="en")
    await expect(visitor.locator("#conn")).to_have_attribute("data-state", "online")
    await expect(card.locator(".present")).to_have_text(es["lobby.present"].replace("{n}", "1"))

    # The language picker switches the UI and the guest's chat language.
    async with page.expect_navigation():  # a guest's new language means a new token: reload
        await page.get_by_label(es["lang.picker"]).select_option("en")
    await expect(page.locator("h1")).to_have_text("Live booths, in your language")
    session = json.loads(await page.evaluate("localStorage.getItem('boothcast.session')"))
    assert session["user"]["lang"] == "en"
    assert session["user"]["display_name"] == "Marta"
    assert fair.errors == []
