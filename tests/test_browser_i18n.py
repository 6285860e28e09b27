"""Every page in every interface language, in real Chromium: no key is missing (the i18n helper
records each key it had no string for), `lang`/`dir` are set (right-to-left for Arabic), counts
and units are pluralised and numbers localised, and a first visit follows the browser's languages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.browser_support import (
    DESKTOP,
    PHONE,
    Fair,
    booth,
    joined,
    no_horizontal_scroll,
    open_fair,
    screenshot,
    ui_strings,
)
from tests.support import Server

pytestmark = pytest.mark.browser

LANGS = ["en", "zh", "zh-Hant", "es", "pt", "fr", "de", "ru", "ar", "ja", "ko", "vi", "tr", "id"]
LED = booth("shenzhen-brightway-led")  # Chinese supplier: units "件" and "米", prices in USD
# Counts as each language says them; {n} is the number as the page's Intl writes it.
PLURALS = {
    "ru": [(1, "{n} товар"), (3, "{n} товара"), (5, "{n} товаров"), (21, "{n} товар"), (1000, "{n} товаров")],
    "ar": [
        (0, "لا توجد منتجات"),
        (1, "منتج واحد"),
        (2, "منتجان"),
        (3, "{n} منتجات"),
        (11, "{n} منتجًا"),
        (100, "{n} منتج"),
    ],
    "es": [(1, "{n} producto"), (2, "{n} productos"), (1000, "{n} productos")],
    "de": [(1, "{n} Produkt"), (1000, "{n} Produkte")],
    "ja": [(1, "製品 {n} 点"), (2, "製品 {n} 点")],
}
BUYERS = {"ar": "نور الهدى", "ja": "佐藤 花子", "de": "Jonas Weber"}
COUNTRIES = {"ar": "AE", "ja": "JP", "de": "DE"}
GREETINGS = {
    "ar": "مرحبًا، هل يمكن الشحن إلى دبي؟ أريد سعر CIF من فضلك.",
    "ja": "こんにちは。大阪までの CIF 価格を教えてください。",
    "de": "Guten Tag, liefern Sie auch nach Hamburg? Bitte ein CIF-Angebot.",
}


def init_script(lang: str, session: dict[str, Any] | None) -> str:
    script = f"localStorage.setItem('boothcast.lang', {json.dumps(lang)});"
    if session is not None:
        script += f"localStorage.setItem('boothcast.session', {json.dumps(json.dumps(session))});"
    return script


async def context_for(fair: Fair, lang: str, session: dict[str, Any] | None) -> BrowserContext:
    context = await fair.browser.new_context(base_url=fair.url, viewport=DESKTOP)  # type: ignore[arg-type]
    fair.contexts.append(context)
    await context.add_init_script(init_script(lang, session))
    return context


async def open_page(context: BrowserContext, fair: Fair, path: str, ready: str) -> Page:
    page = await context.new_page()
    page.on("pageerror", lambda exc: fair.errors.append(f"{path}: {exc}"))
    await page.goto(path)
    await expect(page.locator(ready).first).to_be_visible()
    return page


async def check_page(page: Page, lang: str, path: str) -> None:
    await expect(page.locator("html")).to_have_attribute("lang", lang)
    await expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    missing = await page.evaluate("async () => [...(await import('/static/i18n.js')).missingKeys]")
    assert missing == [], f"{lang} {path}: missing keys {missing}"


async def test_every_page_in_every_language(live_server: Server, url: str) -> None:
    supplier_token, supplier_user = await live_server.supplier(LED.slug)
    moderator_token, moderator_user = await live_server.moderator()
    async with open_fair(url) as fair:
        for lang in LANGS:
            buyer_token, buyer_user = await live_server.guest("Ana", lang)
            assert buyer_user["lang"] == lang  # the server takes every interface language for chat

            signed_out = await context_for(fair, lang, None)
            for path, ready in (
                ("/", "form.signin-form"),
                (f"/booths/{LED.slug}", "form.signin-form"),
                ("/console", "form.signin-form"),
                ("/moderate", "form.signin-form"),
                ("/no-such-page/", "main.not-found h1"),
            ):
                await check_page(await open_page(signed_out, fair, path, ready), lang, path)

            buyer = await context_for(fair, lang, {"token": buyer_token, "user": buyer_user})
            contexts = [signed_out, buyer]
            lobby = await open_page(buyer, fair, "/", ".booth-card")
            await check_page(lobby, lang, "/")
            if lang in PLURALS:  # Intl.PluralRules picks each language's own forms
                counts = [n for n, _ in PLURALS[lang]]
                forms = await lobby.evaluate(
                    "async (ns) => { const m = await import('/static/i18n.js');"
                    " return ns.map((n) => [m.tn('lobby.products', n), m.formatNumber(n)]); }",
                    counts,
                )
                shown = [number for _, number in forms]
                texts = [
                    text.replace("{n}", number)
                    for (_, text), number in zip(PLURALS[lang], shown, strict=True)
                ]
                assert [text for text, _ in forms] == texts
            page = await open_page(buyer, fair, f"/booths/{LED.slug}", ".product-card")
            await expect(page.locator("#conn")).to_have_attribute("data-state", "online")
            await check_page(page, lang, "booth")
            if lang == "es":  # the "Pedido mínimo 500 pieza": now plural, price localised
                moq = page.locator(".product-card .moq", has_text="Pedido mínimo: 500 piezas")
                await expect(moq).to_have_count(1)
                await expect(page.locator(".product-card .price", has_text="6,80")).to_have_count(1)
            if lang == "de":  # a measure through Intl: "1.000 Meter", not "1000 metro"
                await expect(page.locator(".product-card .moq", has_text="1.000 Meter")).to_have_count(1)
            replay = await open_page(buyer, fair, "/replay/999999", "#replay-title")
            await check_page(replay, lang, "replay")

            # Staff pages in this language: the same accounts, their interface language switched.
            for path, token, user, ready in (
                ("/console", supplier_token, supplier_user, ".pin-item"),
                ("/moderate", moderator_token, moderator_user, "#booth-rows tr"),
            ):
                staff = await context_for(fair, lang, {"token": token, "user": {**user, "lang": lang}})
                contexts.append(staff)
                page = await open_page(staff, fair, path, ready)
                await check_page(page, lang, path)
                if path == "/console" and lang != "en":  # the English "Go live" in zh
                    words = await ui_strings(page, lang)
                    await expect(page.locator("#live-controls")).to_contain_text(words["live.go_live"])
                    await expect(page.locator("#live-controls")).not_to_contain_text("Go live")
            for context in contexts:
                await context.close()
                fair.contexts.remove(context)
        assert fair.errors == []


async def test_first_visit_follows_the_browser_languages(fair: Fair) -> None:
    # The browser's preferred languages are what it sends as Accept-Language.
    for locale, expected in (
        ("de-DE", "de"),
        ("zh-TW", "zh-Hant"),
        ("pt-BR", "pt"),
        ("ar-EG", "ar"),
        ("nl-NL", "en"),
    ):
        page = await fair.page(locale=locale)
        await page.goto("/")
        await expect(page.locator("html")).to_have_attribute("lang", expected)
        words = await ui_strings(page, expected)
        await expect(page.locator("h1")).to_have_text(words["lobby.hero"])
    # The picker remembers a choice over the browser's languages.
    await page.evaluate("localStorage.setItem('boothcast.lang', 'ja')")
    await page.reload()
    await expect(page.locator("html")).to_have_attribute("lang", "ja")
    assert fair.errors == []


@pytest.mark.parametrize("lang", ["ar", "ja", "de"])
async def test_booth_page_screenshots_ar_ja_de(fair: Fair, lang: str) -> None:
    """The booth page with real content on a desktop and a phone, into test-artifacts/screenshots/;
    Arabic is mirrored: the chat sits to the left of the stream, the text starts at the right."""
    other = await fair.guest(f"/booths/{LED.slug}", name="Tom Hughes", lang="en", company="Hughes Ltd")
    await joined(other)
    await other.locator("#chat-input").fill("Hello! What is the MOQ for the LED panel?")
    await other.locator("#chat-input").press("Enter")
    await expect(other.locator("#chat-list .msg")).to_have_count(1)
    page = await fair.guest(f"/booths/{LED.slug}", name=BUYERS[lang], lang=lang, country=COUNTRIES[lang])
    words = await ui_strings(page, lang)
    await joined(page)
    await page.locator("#chat-input").fill(GREETINGS[lang])
    await page.locator("#chat-input").press("Enter")
    await expect(page.locator("#chat-list .msg")).to_have_count(2)
    await expect(page.locator("h2", has_text=words["booth.products"])).to_be_visible()

    stream = await page.locator(".stream-area").bounding_box()
    chat = await page.locator("#chat").bounding_box()
    assert stream and chat
    if lang == "ar":
        assert chat["x"] + chat["width"] <= stream["x"] + 1, "the Arabic layout is not mirrored"
        heading = await page.locator("#products-heading").bounding_box()
        section = await page.locator("section.products").bounding_box()
        assert heading and section and heading["x"] + heading["width"] > section["x"] + section["width"] - 40
    else:
        assert stream["x"] + stream["width"] <= chat["x"] + 1
    await screenshot(page, f"booth-{lang}-desktop")
    await page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    await page.evaluate("window.scrollTo(0, 0)")
    assert await no_horizontal_scroll(page), f"the {lang} booth page scrolls sideways at 390 px"
    await screenshot(page, f"booth-{lang}-phone")
    assert fair.errors == []
