"""A reader whose language no engine serves is told so, in their own language, on the line itself."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser_support import Fair, booth, joined, ui_strings
from tests.support import Server

pytestmark = pytest.mark.browser

BRIGHTWAY = booth("shenzhen-brightway-led")


async def test_a_line_no_engine_could_translate_says_so_in_the_readers_language(
    fair: Fair, live_server: Server
) -> None:
    reader = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Ana", lang="pt")
    await joined(reader)
    pt = await ui_strings(reader, "pt")
    supplier = await fair.staff("/console", BRIGHTWAY.email)  # reads Chinese: no German model either
    zh = await ui_strings(supplier, "zh")
    await expect(supplier.locator("#chat")).to_have_attribute("data-joined", "true")
    booth_id = await live_server.booth_id(BRIGHTWAY.slug)
    tok, _ = await live_server.guest("Jonas", "de")
    writer = await live_server.client(tok)
    assert (await writer.call("booth:join", {"booth_id": booth_id}))["ok"]
    text = "Guten Tag, liefern Sie 500 Stück CIF Hamburg?"
    ack = await writer.call("chat:send", {"booth_id": booth_id, "text": text})
    assert ack["ok"], ack
    line = reader.locator(f"#chat-list .msg[data-id='{ack['message']['id']}']")
    await expect(line).to_have_attribute("data-translated", "false")
    await expect(line.locator(".msg-text")).to_have_text(text)
    await expect(line.locator(".untranslated-badge")).to_have_text(pt["chat.untranslated"])
    assert pt["chat.untranslated"] == "Sem tradução"  # the reader's own language, not English
    # The supplier's console says so too, in Chinese.
    staff_line = supplier.locator(f"#chat-list .msg[data-id='{ack['message']['id']}']")
    await expect(staff_line.locator(".untranslated-badge")).to_have_text(zh["chat.untranslated"])

    # A Portuguese line is the reader's own language: no badge (and not taken for Spanish).
    tok_pt, _ = await live_server.guest("Rui", "pt")
    other = await live_server.client(tok_pt)
    assert (await other.call("booth:join", {"booth_id": booth_id}))["ok"]
    own = await other.call("chat:send", {"booth_id": booth_id, "text": "Bom dia, qual é o prazo de entrega?"})
    assert own["ok"], own
    own_line = reader.locator(f"#chat-list .msg[data-id='{own['message']['id']}']")
    await expect(own_line).to_have_count(1)
    await expect(own_line.locator(".untranslated-badge")).to_have_count(0)
    assert fair.errors == []
