"""A translation the confidence gate doubts is never shown as a sure one.

A zh supplier writes something the bundled model cannot know (rare characters outside any
training vocabulary): the gate flags it `uncertain`, an en buyer's booth page shows the author's
original first with an "uncertain" marker and keeps the machine translation, labelled as such,
behind the toggle. The supplier's preview warns before sending, and a lead whose translation is
doubted is flagged in the console with the buyer's own words first.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from rooms.demo_fair import MODERATOR_EMAIL
from tests.browser_support import Fair, booth, joined, screenshot, ui_strings
from tests.support import BUNDLED, Server

pytestmark = pytest.mark.browser

BRIGHTWAY = booth("shenzhen-brightway-led")
# 龘靐齉爩: real characters no trade-fair corpus contains, so the model's vocabulary lacks them.
UNCERTAIN_ZH = "这批货用龘靐齉爩包装，起订量是500件。"
UNCERTAIN_EN = "Please pack the panels in 龘靐齉爩 cartons, MOQ 500 pcs."
CONFIDENT_ZH = "你好"

needs_models = pytest.mark.skipif(
    not any(BUNDLED.glob("*.argosmodel")), reason="the bundled translation models are not built"
)


async def lang_name(page: Page, code: str, ui: str) -> str:
    """The language's name as the page writes it (Intl, in the UI language)."""
    name: str = await page.evaluate(
        "([code, ui]) => new Intl.DisplayNames([ui], { type: 'language' }).of(code)", [code, ui]
    )
    return name


async def precedes(first: Locator, second: Locator) -> bool:
    """Whether `first` comes before `second` in document order."""
    handle = await second.element_handle()
    return bool(
        await first.evaluate(
            "(a, b) => Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING)", handle
        )
    )


@needs_models
async def test_uncertain_translation_shows_the_original_first(fair: Fair, live_server: Server) -> None:
    supplier = await fair.staff("/console", BRIGHTWAY.email)
    moderator = await fair.staff("/moderate", MODERATOR_EMAIL)
    zh = await ui_strings(supplier, "zh")
    buyer = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Ben Buyer", lang="en", country="GB")
    en = await ui_strings(buyer, "en")
    await joined(buyer)
    await joined(supplier)
    await expect(supplier.locator("#languages [data-lang='en']")).to_be_visible()

    # A real socket client reading English, to check the payloads themselves.
    booth_id = await live_server.booth_id(BRIGHTWAY.slug)
    token, _ = await live_server.guest("Eve Socket", "en", country="US")
    reader = await live_server.client(token)
    assert (await reader.call("booth:join", {"booth_id": booth_id}))["ok"]

    # The preview warns, per language, before anything is sent; the round trip goes through it.
    chat = supplier.get_by_role("region", name=zh["chat.title"])
    box = chat.get_by_role("textbox", name=zh["chat.message"])
    await box.fill(UNCERTAIN_ZH)
    await chat.get_by_role("button", name=zh["console.preview"]).click()
    preview = supplier.locator("#preview-out")
    row = preview.locator("dd[data-lang='en']")
    await expect(row).to_have_attribute("data-uncertain", "true")
    warning = zh["console.preview_uncertain"].replace("{lang}", await lang_name(supplier, "en", "zh"))
    await expect(row.locator(".preview-warning")).to_have_text(warning)
    await expect(preview.locator(".back-translation")).to_have_attribute("data-via", "en")
    await expect(preview.locator(".back-translation")).to_contain_text(
        zh["console.back_translation_via"].replace("{lang}", await lang_name(supplier, "en", "zh"))
    )
    await screenshot(supplier, "uncertain-console-preview-desktop")

    # Sent: the payload says uncertain, and it is still a machine translation.
    await chat.get_by_role("button", name=zh["chat.send"], exact=True).click()
    await expect(box).to_have_value("")
    doubted: dict[str, Any] = await reader.wait_message(lambda m: m["original"] == UNCERTAIN_ZH)
    assert doubted["uncertain"] is True, doubted
    assert doubted["translated"] is True, doubted
    assert doubted["text"] and doubted["text"] != UNCERTAIN_ZH, doubted

    # The buyer's page: the original first, an "uncertain" marker, no "Translated" badge.
    buyer_chat = buyer.get_by_role("region", name=en["chat.title"])
    line = buyer_chat.locator(".msg.role-supplier", has_text=UNCERTAIN_ZH)
    await expect(line).to_have_count(1)
    await expect(line).to_have_attribute("data-uncertain", "true")
    await expect(line).to_have_attribute("data-translated", "true")
    await expect(line.locator(".mt-badge")).to_have_count(0)
    marker = line.locator(".uncertain-badge")
    await expect(marker).to_have_text(en["chat.uncertain"])
    await expect(marker).to_have_attribute("title", en["chat.uncertain_title"].replace("{lang}", "Chinese"))
    original = line.locator("p.msg-text")
    await expect(original).to_have_text(UNCERTAIN_ZH)
    await expect(original).to_have_attribute("lang", "zh")

    # The translation waits behind the toggle, labelled as an uncertain machine translation.
    translation = line.locator(".msg-uncertain")
    await expect(translation).to_be_hidden()
    toggle = line.locator("button.toggle-original")
    await expect(toggle).to_have_text(en["chat.show_translation"])
    await expect(toggle).to_have_attribute("aria-pressed", "false")
    await toggle.click()
    await expect(translation).to_be_visible()
    await expect(toggle).to_have_attribute("aria-pressed", "true")
    await expect(toggle).to_have_text(en["chat.hide_translation"])  # says what the next tap does
    await expect(translation.locator(".col-label")).to_have_text(en["chat.uncertain_label"])
    await expect(translation.locator(".msg-uncertain-text")).to_have_text(doubted["text"])
    assert await precedes(original, translation)
    await screenshot(buyer, "uncertain-booth-en-desktop")
    await toggle.click()
    await expect(translation).to_be_hidden()
    await expect(toggle).to_have_text(en["chat.show_translation"])

    # The moderator feed (staff layout, English): original first, the translation labelled.
    feed_line = moderator.locator(f"#feed-list .msg[data-id='{doubted['id']}']")
    await expect(feed_line).to_have_attribute("data-uncertain", "true")
    await expect(feed_line.locator(".mt-badge")).to_have_count(0)
    await expect(feed_line.locator(".uncertain-badge")).to_have_text(en["chat.uncertain"])
    await expect(feed_line.locator(".msg-original-text")).to_have_text(UNCERTAIN_ZH)
    doubted_col = feed_line.locator(".msg-col.is-uncertain")
    await expect(doubted_col.locator(".col-label")).to_have_text(en["chat.uncertain_label"])
    await expect(doubted_col.locator(".msg-uncertain-text")).to_have_text(doubted["text"])
    assert await precedes(feed_line.locator(".msg-original-text"), doubted_col)
    await screenshot(moderator, "uncertain-moderate-feed-desktop")

    # An ordinary message is confident and keeps today's look.
    await box.fill(CONFIDENT_ZH)
    await chat.get_by_role("button", name=zh["chat.send"], exact=True).click()
    plain: dict[str, Any] = await reader.wait_message(lambda m: m["original"] == CONFIDENT_ZH)
    assert isinstance(plain["uncertain"], bool), plain
    plain_line = buyer_chat.locator(f".msg[data-id='{plain['id']}']")
    await expect(plain_line).to_have_attribute("data-uncertain", "true" if plain["uncertain"] else "false")
    if plain["translated"] and not plain["uncertain"]:
        await expect(plain_line.locator(".mt-badge")).to_have_text(en["chat.translated"])
        await expect(plain_line.locator(".uncertain-badge")).to_have_count(0)
        await expect(plain_line.get_by_role("button", name=en["chat.show_original"])).to_be_visible()

    # History after a reload carries the flag too.
    await buyer.reload()
    await joined(buyer)
    await expect(buyer_chat.locator(f".msg[data-id='{doubted['id']}']")).to_have_attribute(
        "data-uncertain", "true"
    )

    # A lead with a doubted translation: flagged in the console, the buyer's words first.
    ack = await reader.call(
        "inquiry:submit",
        {"booth_id": booth_id, "message": UNCERTAIN_EN, "email": "eve@example.com", "consent": True},
    )
    assert ack["ok"], ack
    lead_id = ack["lead"]["id"]
    supplier_token, _ = await live_server.supplier(BRIGHTWAY.slug)
    card = supplier.locator(f".lead[data-lead-id='{lead_id}']")
    await expect(card).to_have_count(1)
    status, body = await live_server.get(f"/api/leads/{lead_id}", supplier_token)
    assert status == 200, body
    lead = body["lead"]
    assert isinstance(lead["message_uncertain"], bool), lead
    assert lead["message_uncertain"] is True, lead
    await expect(card).to_have_attribute("data-uncertain", "true")
    await expect(card.locator(".uncertain-badge")).to_have_text(zh["leads.uncertain"])
    await expect(card.locator(".lead-message")).to_have_text(UNCERTAIN_EN)
    await expect(card.locator(".lead-message-translated")).to_have_text(lead["message_translated"])
    assert await precedes(card.locator(".lead-message"), card.locator(".lead-message-translated"))
    await screenshot(supplier, "uncertain-console-lead-desktop")
    assert fair.errors == []
