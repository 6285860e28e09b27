"""The chat box's length counter, in Chromium: a buyer on a phone, and a supplier, learn of the
message limit while typing, not only when Send refuses."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser_support import Fair, booth, joined, ui_strings

pytestmark = pytest.mark.browser

BRIGHTWAY = booth("shenzhen-brightway-led")
PHONE = {"width": 390, "height": 844}


async def test_buyer_sees_the_count_near_the_limit_and_keeps_a_too_long_message(fair: Fair) -> None:
    buyer = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Kofi", lang="fr", viewport=PHONE)
    await joined(buyer)
    fr = await ui_strings(buyer, "fr")
    box = buyer.locator("#chat-input")
    count = buyer.locator("#chat-count")
    await box.fill("a" * 1_000)
    await expect(count).to_be_hidden()  # far from the limit: no noise
    await box.fill("é" * 1_850)  # one character each, as the server counts
    await expect(count).to_be_visible()
    await expect(count).to_have_text(fr["chat.count"].replace("{n}", "1\u202f850").replace("{max}", "2\u202f000"))
    await expect(count).not_to_have_class("chat-count is-over")
    await box.fill("Prix pour 500 pièces ? " + "x" * 2_000)
    await expect(count).to_have_class("chat-count is-over")
    await expect(count).to_contain_text(fr["chat.count_over"].split("}")[-1].strip())
    await buyer.get_by_role("button", name=fr["chat.send"], exact=True).click()
    status = buyer.locator("#chat-status")
    await expect(status).to_have_attribute("data-kind", "error")
    await expect(status).to_have_text(fr["err.too_long"].replace("{max}", "2\u202f000"))
    await expect(box).to_have_value("Prix pour 500 pièces ? " + "x" * 2_000)  # nothing typed is lost
    # Shortened, the error and the counter go at once, before any Send.
    await box.fill("Prix pour 500 pièces ?")
    await expect(count).to_be_hidden()
    await expect(status).to_be_hidden()
    await buyer.get_by_role("button", name=fr["chat.send"], exact=True).click()
    await expect(box).to_have_value("")
    assert fair.errors == []


async def test_supplier_console_counts_too(fair: Fair) -> None:
    supplier = await fair.staff("/console", BRIGHTWAY.email)
    zh = await ui_strings(supplier, "zh")
    await expect(supplier.locator("#chat")).to_have_attribute("data-joined", "true")
    await supplier.locator("#chat-input").fill("好" * 1_900)
    count = supplier.locator("#chat-count")
    await expect(count).to_have_text(zh["chat.count"].replace("{n}", "1,900").replace("{max}", "2,000"))
    await supplier.locator("#chat-input").fill("好" * 2_001)
    await expect(count).to_have_text(zh["chat.count_over"].replace("{n}", "2,001").replace("{max}", "2,000"))
    assert fair.errors == []
