"""Screenshots of every page on a desktop and a phone, with real content, into
test-artifacts/screenshots/ — and the checks that only make sense with everything on screen:
English accessible names, and no horizontal scrolling at 390 px."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser_support import (
    DESKTOP,
    PHONE,
    Fair,
    booth,
    joined,
    no_horizontal_scroll,
    screenshot,
)

pytestmark = pytest.mark.browser

TOOLWORKS = booth("birmingham-toolworks")



async def both_sizes(page: Page, name: str) -> None:
    await page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    await page.evaluate("window.scrollTo(0, 0)")
    await screenshot(page, f"{name}-desktop")
    await page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    await page.evaluate("window.scrollTo(0, 0)")
    assert await no_horizontal_scroll(page), f"{name} scrolls sideways at 390 px"
    await screenshot(page, f"{name}-phone")
    await page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]


async def test_screenshots_of_every_page(fair: Fair) -> None:
    visitor = await fair.page(PHONE)
    await visitor.goto("/")
    await expect(visitor.locator(".booth-card")).to_have_count(7)
    assert await no_horizontal_scroll(visitor)
    await screenshot(visitor, "lobby-signed-out-phone")

    supplier = await fair.staff("/console", TOOLWORKS.email)
    moderator = await fair.staff("/moderate", "moderator@demo.boothcast.test")
    buyer = await fair.guest(
        f"/booths/{TOOLWORKS.slug}", name="Lucía Martín", lang="es", company="Ferretería Martín", country="ES"
    )
    english = await fair.guest(
        f"/booths/{TOOLWORKS.slug}", name="Tom Hughes", lang="en", company="Hughes Ltd"
    )

    # English accessible names on the console and the moderator page.
    live = supplier.locator("#live-controls")
    await expect(live.get_by_role("button", name="Go live")).to_have_count(1)
    await expect(live.get_by_role("button", name="End stream")).to_have_count(1)
    await expect(supplier.get_by_role("region", name="Leads")).to_be_visible()
    await supplier.locator(".pin-item").nth(1).get_by_role("button", name="Pin").click()
    await expect(supplier.locator(".pin-item.is-pinned")).to_have_count(1)

    chat = english.get_by_role("region", name="Chat")
    for text in ("Morning! Is the socket set chrome vanadium?", "And what is the MOQ for the claw hammer?"):
        await chat.get_by_role("textbox", name="Message").fill(text)
        await chat.get_by_role("button", name="Send", exact=True).click()
        await expect(chat.locator(".msg", has_text=text)).to_have_count(1)
    await joined(buyer)
    await joined(supplier)
    es_chat = buyer.locator("#chat")
    await es_chat.locator("#chat-input").fill("Hola, ¿hacen envíos a Valencia? Precio CIF por favor.")
    await es_chat.locator("#chat-input").press("Enter")
    await supplier.locator("#chat-input").fill("Yes, all sets are chrome vanadium. MOQ is 300 pieces.")
    await supplier.locator("#chat-input").press("Enter")
    await expect(buyer.locator("#chat-list .msg")).to_have_count(4)

    form = english.get_by_role("form", name="Inquiry")
    await form.get_by_label("Quantity").fill("300")
    await form.get_by_label("Target price").fill("14.50")
    await form.get_by_label("Incoterm").select_option("CIF")
    await form.get_by_label("Destination country").select_option("IE")
    await form.get_by_label("Email").fill("tom@hughes.example")
    await form.get_by_label("Message", exact=True).fill(
        "Quote for 300 screwdriver sets, delivered to Dublin."
    )
    await form.get_by_label("I agree to share my contact details with this supplier").check()
    await form.get_by_role("button", name="Send inquiry").click()
    await expect(form.get_by_role("status")).to_have_attribute("data-kind", "ok")
    await expect(supplier.locator(".lead")).to_have_count(1)

    feed = moderator.locator("#feed-list .msg")
    await expect(feed).to_have_count(4)
    for name in ("Hide", "Mute", "Ban"):
        await expect(feed.first.get_by_role("button", name=name)).to_have_count(1)
    await expect(moderator.locator("#booth-rows tr").first).to_contain_text(TOOLWORKS.name)

    await both_sizes(buyer, "booth")
    await both_sizes(supplier, "console")
    await both_sizes(moderator, "moderate")
    await buyer.goto("/")
    await expect(buyer.locator(f".booth-card[data-slug='{TOOLWORKS.slug}'] .viewers")).to_have_count(0)
    await both_sizes(buyer, "lobby")
    await english.goto("/replay/1")
    await both_sizes(english, "replay")
    assert fair.errors == []
