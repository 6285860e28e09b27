"""A console refusal says what is wrong in the supplier's own language: not the server's English
sentence ("url: the scheme must be https or http" in a Spanish console), nor a wrong reason (a
control character in a glossary term was blamed on its length). Found by a user try."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser_support import Fair, booth, ui_strings


async def test_webhook_and_glossary_refusals_are_in_the_suppliers_language(fair: Fair) -> None:
    console = await fair.staff("/console", booth("valencia-ceramica").email)
    lang = await console.evaluate("document.documentElement.lang")
    assert lang == "es"
    ui = await ui_strings(console, lang)

    hooks = console.locator("#webhooks")
    url = hooks.get_by_label(ui["webhooks.url"])
    status = hooks.locator(".webhook-form .form-status")
    await url.fill("ftp://crm.example.com/leads")
    await hooks.get_by_role("button", name=ui["webhooks.add"]).click()
    await expect(status).to_have_text(ui["webhooks.reason.url_scheme"])
    await url.fill("https://192.168.1.20/leads")
    await hooks.get_by_role("button", name=ui["webhooks.add"]).click()
    await expect(status).to_have_text(ui["webhooks.reason.url_private"])

    glossary = console.locator("#glossary")
    await glossary.get_by_label(ui["glossary.term"]).fill("Azul\u202eMar")
    await glossary.get_by_role("button", name=ui["glossary.add"]).click()
    await expect(glossary.locator(".glossary-form .form-status").first).to_have_text(ui["glossary.control"])
    assert "url:" not in await console.locator("main").inner_text()
    assert fair.errors == []


async def test_an_unknown_booth_says_so_and_shows_the_way_to_the_lobby(fair: Fair) -> None:
    """A mistyped booth address: the booth page says there is no such booth in the reader's
    language and links to all booths, as the site's "page not found" does (a user try saw only
    "Este stand no existe.")."""
    page = await fair.page()
    await page.goto("/booths/brightway")
    await page.evaluate("() => localStorage.setItem('boothcast.lang', 'es')")
    await page.reload()
    es = await ui_strings(page, "es")
    await expect(page.locator("#booth-name")).to_have_text(es["booth.not_found"])
    await expect(page.locator(".booth-missing")).to_have_text(es["notfound.text"])
    lobby = page.get_by_role("link", name=es["notfound.lobby"])
    await expect(lobby).to_have_attribute("href", "/")
    assert [e for e in fair.errors if "404" not in e] == []


async def test_the_viewers_chart_writes_times_the_readers_way(fair: Fair) -> None:
    """The chart's time axis was uPlot's US English in every language ("11/30/26 8:29am" in a
    Spanish console, "3:29pm" in a Chinese one; a user try)."""
    console = await fair.staff("/console", booth("valencia-ceramica").email)
    at = 1_796_000_000  # a fixed moment
    labels = await console.evaluate(
        """(at) => import('/static/analytics.js').then((m) => ({
            es_hours: m.timeLabels(at, at + 3600, 'es')(null, [at])[0],
            zh_hours: m.timeLabels(at, at + 3600, 'zh')(null, [at])[0],
            es_days: m.timeLabels(at, at + 7 * 86400, 'es')(null, [at])[0],
            en_hours: m.timeLabels(at, at + 3600, 'en')(null, [at])[0],
        }))""",
        at,
    )
    # 2026-11-30 00:53 UTC: Spanish writes a 24-hour clock and its own month; English keeps AM/PM.
    assert re.fullmatch(r"\d{1,2}:\d{2}", labels["es_hours"]), labels
    assert re.search(r"[AP]M", labels["en_hours"]), labels
    assert "nov" in labels["es_days"].lower() and "Nov" not in labels["es_days"], labels
    assert not re.search(r"[ap]m", labels["zh_hours"], re.I), labels
