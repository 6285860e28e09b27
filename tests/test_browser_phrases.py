"""Quick phrases in Chromium: a German buyer taps questions on the booth page, a Chinese supplier
answers from the console prefilled from the pinned product, and each reads the other exactly."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser_support import PHONE, Fair, booth, joined, no_horizontal_scroll, screenshot, ui_strings

pytestmark = pytest.mark.browser

BRIGHTWAY = booth("shenzhen-brightway-led")


async def test_tap_a_quick_phrase_and_answer_it_from_the_console(fair: Fair) -> None:
    supplier = await fair.staff("/console", BRIGHTWAY.email)
    zh = await ui_strings(supplier, "zh")
    buyer = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Dieter", lang="de")
    await joined(buyer)
    await joined(supplier)

    # One tap: a question without parameters goes out at once.
    await buyer.locator("#quick-phrases button[data-phrase='b.moq']").click()
    mine = buyer.locator("#chat-list .msg[data-phrase='b.moq']")
    await expect(mine.locator(".msg-text")).to_have_text("Wie hoch ist Ihre Mindestbestellmenge (MOQ)?")
    await expect(mine.locator(".phrase-badge")).to_be_visible()
    theirs = supplier.locator("#chat-list .msg[data-phrase='b.moq']")
    await expect(theirs.locator(".msg-text").last).to_have_text("你们的最小起订量（MOQ）是多少？")
    await expect(theirs.locator(".mt-badge")).to_have_count(0)

    # A question with parameters opens a small form.
    await buyer.locator("#quick-phrases button[data-phrase='b.price_qty']").click()
    form = buyer.locator("form.phrase-params[data-phrase='b.price_qty']")
    # A German types two thousand as "2.000": a number field read it as 2 (a user try found the
    # supplier reading "price for 2 pieces", marked exact). Not a number yet: the form says so.
    quantity = form.locator("input[inputmode=numeric]")
    await quantity.fill("2,5")
    await form.locator("button[type=submit]").click()
    de = await ui_strings(buyer, "de")
    assert await quantity.evaluate("(el) => el.validationMessage") == de["inq.quantity_invalid"]
    await expect(buyer.locator("#chat-list .msg[data-phrase='b.price_qty']")).to_have_count(0)
    await quantity.fill("2.000")
    await form.locator("select").select_option("piece")
    await screenshot(buyer, "phrases-booth-de")
    await form.locator("button[type=submit]").click()
    await expect(form).to_be_hidden()
    await expect(buyer.locator("#chat-list .msg[data-phrase='b.price_qty'] .msg-text")).to_have_text(
        "Welchen Preis bieten Sie für 2000 Stück?"
    )
    await expect(supplier.locator("#chat-list .msg[data-phrase='b.price_qty'] .msg-text").last).to_have_text(
        "2000件的价格是多少？"
    )

    # The supplier pins the LED panel; the MOQ answer comes prefilled with its 500 pieces.
    panel = BRIGHTWAY.products[0]
    pin_row = supplier.locator(".pin-item", has_text=panel.name["zh"])
    await pin_row.get_by_role("button", name=zh["console.pin"]).click()
    await expect(pin_row).to_have_class(r"pin-item is-pinned")
    moq_button = supplier.locator("#quick-phrases button[data-phrase='s.moq']")
    assert not re.search(r"…[.。]", await moq_button.inner_text())  # "…", never "…。"
    await moq_button.click()
    answer = supplier.locator("form.phrase-params[data-phrase='s.moq']")
    await expect(answer.locator("input[inputmode=numeric]")).to_have_value(str(panel.moq))
    await expect(answer.locator("select")).to_have_value("piece")
    await screenshot(supplier, "phrases-console-zh")
    await answer.locator("button[type=submit]").click()
    await expect(buyer.locator("#chat-list .msg[data-phrase='s.moq'] .msg-text")).to_have_text(
        f"Unsere Mindestbestellmenge beträgt {panel.moq} Stück."
    )
    assert not fair.errors and not fair.dialogs


async def test_quick_phrases_fit_a_phone_in_arabic(fair: Fair) -> None:
    buyer = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Samir", lang="ar", viewport=PHONE)
    await joined(buyer)
    await buyer.locator("#quick-phrases button[data-phrase='b.price_incoterm']").click()
    form = buyer.locator("form.phrase-params[data-phrase='b.price_incoterm']")
    await form.locator("input:not([inputmode])").fill("Jebel Ali")
    await form.locator("input[inputmode=numeric]").fill("١٢")  # Arabic-Indic digits, as the keyboard types them
    await form.locator("button[type=submit]").click()
    line = buyer.locator("#chat-list .msg[data-phrase='b.price_incoterm'] .msg-text")
    await expect(line).to_have_text("ما سعركم FOB Jebel Ali لكمية 12 قطعة؟")
    assert await no_horizontal_scroll(buyer)
    await screenshot(buyer, "phrases-booth-ar-phone")
    assert not fair.errors


async def test_over_the_video_a_phrase_form_is_readable(fair: Fair) -> None:
    """Live on a phone the chat sits over the video; a phrase's form kept its dark words on the dark
    picture (a user try). Here the booth is put in its live layout by its class, as the page does."""
    buyer = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Mei", lang="zh-Hant", viewport=PHONE)
    await joined(buyer)
    await buyer.evaluate("document.querySelector('.booth-layout').classList.add('is-live')")
    await buyer.locator("#quick-phrases button[data-phrase='b.price_qty']").click()
    form = buyer.locator("form.phrase-params[data-phrase='b.price_qty']")
    colors = await form.evaluate(
        """(f) => ({label: getComputedStyle(f.querySelector('label')).color,
                    template: getComputedStyle(f.querySelector('.phrase-template')).color,
                    background: getComputedStyle(f).backgroundColor})"""
    )
    assert colors["label"] == colors["template"] == "rgb(255, 255, 255)", colors
    assert colors["background"].startswith("rgba(13, 17, 23"), colors


async def test_latin_names_on_an_arabic_phone_keep_their_order(fair: Fair) -> None:
    """An Arabic buyer read ".Cerámica Levante S.L" in the lobby and "rcelain floor tile 60x60 cm
    :تفسار" on the video's Inquire button (a user try)."""
    lobby = await fair.guest("/", name="Fahd", lang="ar", viewport=PHONE)
    supplier = lobby.locator(".booth-card[data-slug='valencia-ceramica'] .supplier")
    await expect(supplier).to_have_attribute("dir", "auto")
    booth_page = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Samir", lang="ar", viewport=PHONE)
    await joined(booth_page)
    button = booth_page.locator("#video-inquire")
    await booth_page.evaluate(
        "() => import('/static/booth_stage.js').then((m) => m.renderVideoInquire("
        "document.querySelector('#video-inquire'), {id: 1}, 'Porcelain floor tile 60x60 cm', () => {}))"
    )
    await expect(button.locator("bdi")).to_have_text("Porcelain floor tile 60x60 cm")


async def test_a_prefilled_price_is_written_the_readers_way(fair: Fair) -> None:
    """A Spanish console's price field was prefilled "14.50" from the product (a user try): the
    prefill now uses the reader's decimal mark, and reading it back gives the same amount."""
    page = await fair.page()
    await page.goto("/")
    got = await page.evaluate(
        """() => import('/static/typed_numbers.js').then((m) => ({
            es: m.localDecimal('14.50', 'es'), de: m.localDecimal('14.50', 'de'),
            en: m.localDecimal('14.50', 'en'), zh: m.localDecimal('14.50', 'zh'),
            back: m.decimalAmount(m.localDecimal('14.50', 'es')),
        }))"""
    )
    assert got == {"es": "14,50", "de": "14,50", "en": "14.50", "zh": "14.50", "back": "14.50"}, got
