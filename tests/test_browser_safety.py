"""User text is inert everywhere it is shown, and the booth page works on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser_support import (
    PHONE,
    XSS_IMG,
    XSS_SCRIPT,
    Fair,
    booth,
    joined,
    no_horizontal_scroll,
)

pytestmark = pytest.mark.browser

TOOLWORKS = booth("birmingham-toolworks")



async def assert_inert(page: Page) -> None:
    """No element came out of a payload and no payload script ran."""
    assert await page.locator("img[src='x']").count() == 0
    assert await page.locator("body script").count() == 0
    assert await page.evaluate("window.__pwned === undefined")


async def test_xss_payloads_render_as_text(fair: Fair) -> None:
    supplier = await fair.staff("/console", TOOLWORKS.email)
    moderator = await fair.staff("/moderate", "moderator@demo.boothcast.test")
    buyer = await fair.guest(f"/booths/{TOOLWORKS.slug}", name=XSS_IMG, lang="en", company=XSS_SCRIPT)
    await expect(buyer.locator("#session-bar")).to_contain_text(XSS_IMG)

    chat = buyer.get_by_role("region", name="Chat")
    payload = f"{XSS_IMG} and {XSS_SCRIPT}"
    await chat.get_by_role("textbox", name="Message").fill(payload)
    await chat.get_by_role("button", name="Send", exact=True).click()
    await expect(chat.locator(".msg .msg-text")).to_have_text(payload)
    await expect(chat.locator(".msg .author")).to_have_text(XSS_IMG)

    form = buyer.get_by_role("form", name="Inquiry")
    await form.get_by_label("Email").fill("x@example.com")
    await form.get_by_label("Message", exact=True).fill(payload)
    await form.get_by_label("I agree to share my contact details with this supplier").check()
    await form.get_by_role("button", name="Send inquiry").click()
    await expect(form.get_by_role("status")).to_have_attribute("data-kind", "ok")

    console_line = supplier.locator("#chat-list .msg")
    await expect(console_line.locator(".author")).to_have_text(XSS_IMG)
    await expect(console_line.locator(".msg-text").first).to_have_text(payload)
    lead = supplier.get_by_role("region", name="Leads").locator(".lead")
    await expect(lead.locator(".buyer-name")).to_have_text(XSS_IMG)
    await expect(lead.locator(".company")).to_have_text(XSS_SCRIPT)
    await expect(lead.locator(".lead-message")).to_have_text(payload)

    feed_line = moderator.locator("#feed-list .msg")
    await expect(feed_line.locator(".author")).to_have_text(XSS_IMG)
    await feed_line.get_by_role("button", name="Ban", exact=True).click()
    await expect(moderator.get_by_role("dialog")).to_contain_text(XSS_IMG)
    await moderator.get_by_role("dialog").get_by_role("button", name="Cancel").click()

    for page in (buyer, supplier, moderator):
        await assert_inert(page)
    assert fair.dialogs == []
    assert fair.errors == []


async def test_booth_page_on_a_phone(fair: Fair) -> None:
    buyer = await fair.guest(f"/booths/{TOOLWORKS.slug}", name="Pat on a phone", lang="en", viewport=PHONE)
    await expect(buyer.locator("#conn")).to_have_attribute("data-state", "online")
    await joined(buyer)
    assert await no_horizontal_scroll(buyer)

    chat = buyer.get_by_role("region", name="Chat")
    box = chat.get_by_role("textbox", name="Message")
    await box.fill("Hi! Do you have the 32 piece screwdriver set in stock? " + "long-word-" * 20)
    await box.press("Enter")
    await expect(chat.locator(".msg")).to_have_count(1)
    assert await no_horizontal_scroll(buyer)
    send = chat.get_by_role("button", name="Send", exact=True)
    send_box = await send.bounding_box()
    assert send_box is not None and send_box["x"] + send_box["width"] <= PHONE["width"]

    await buyer.locator(".product-card").first.get_by_role("button", name="Inquire").click()
    form = buyer.get_by_role("form", name="Inquiry")
    await expect(form.get_by_label("Quantity")).to_be_focused()
    await form.get_by_label("Quantity").fill("100")
    await form.get_by_label("Target price").fill("7.10")
    await form.get_by_label("Incoterm").select_option("EXW")
    await form.get_by_label("Destination country").select_option("IE")
    await form.get_by_label("Email").fill("pat@example.ie")
    await form.get_by_label("Message", exact=True).fill("Please quote 100 wrenches.")
    await form.get_by_label("I agree to share my contact details with this supplier").check()
    submit = form.get_by_role("button", name="Send inquiry")
    await submit.scroll_into_view_if_needed()
    await submit.click()
    await expect(form.get_by_role("status")).to_have_attribute("data-kind", "ok")
    assert await no_horizontal_scroll(buyer)

    # Errors from the server are shown to the user, not swallowed: too long a message.
    await box.fill("x" * 2001)
    await box.press("Enter")
    await expect(chat.get_by_role("status")).to_contain_text("too long")

    # A burst beyond the rate limit is refused with a retry time the user can read.
    status = chat.get_by_role("status")
    for i in range(25):  # burst of 10, then one every 2 s: refused well before 25
        await box.fill(f"burst {i}")
        await send.click()
        await expect(send).to_be_enabled()  # the ack is back
        if "too fast" in (await chat.locator("#chat-status").text_content() or ""):
            break
    await expect(status).to_contain_text(re.compile(r"too fast\. Try again in \d+ s"))
    assert fair.errors == []


async def test_an_expired_token_leads_back_to_sign_in(fair: Fair) -> None:
    page = await fair.page()
    await page.goto("/")
    await page.evaluate(
        """localStorage.setItem('boothcast.session', JSON.stringify({
            token: 'not-a-valid-token',
            user: {id: 999, display_name: 'Ghost', role: 'buyer', lang: 'en'},
        }))"""
    )
    await page.goto(f"/booths/{TOOLWORKS.slug}")
    await expect(page.get_by_role("form", name="Guest sign-in")).to_be_visible()
    assert await page.evaluate("localStorage.getItem('boothcast.session')") is None
    assert fair.errors == []
