"""What a buyer typed and did not send survives a reload in the same tab (a user try lost it), and
is gone once sent: a reload never brings back a line already in the chat."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser_support import PHONE, Fair, booth, joined, ui_strings

pytestmark = pytest.mark.browser

BRIGHTWAY = booth("shenzhen-brightway-led")


async def test_an_unsent_chat_line_survives_a_reload_and_a_sent_one_does_not_come_back(fair: Fair) -> None:
    buyer = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Lucía", lang="es", viewport=PHONE)
    await joined(buyer)
    box = buyer.locator("#chat-input")
    await box.fill("Hola, ¿tienen stock de paneles")
    await buyer.reload()
    await joined(buyer)
    await expect(box).to_have_value("Hola, ¿tienen stock de paneles")
    await box.fill("Hola, ¿tienen stock de paneles 60x60?")
    await buyer.locator("#chat-send").click()
    line = buyer.locator("#chat-list .msg", has_text="¿tienen stock de paneles 60x60?")
    await expect(line).to_have_count(1)
    await expect(box).to_have_value("")
    await buyer.reload()
    await joined(buyer)
    await expect(line).to_have_count(1)  # the history has it, once
    await expect(box).to_have_value("")
    assert fair.errors == []


async def test_a_half_filled_inquiry_survives_a_reload_and_is_cleared_once_sent(fair: Fair) -> None:
    buyer = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="João", lang="pt", viewport=PHONE)
    await joined(buyer)
    pt = await ui_strings(buyer, "pt")
    form = buyer.get_by_role("form", name=pt["inq.form"])
    await form.get_by_label(pt["inq.quantity"]).fill("2.000")
    await form.get_by_label(pt["inq.email"]).fill("joao@example.com.br")
    await form.get_by_label(pt["inq.message"], exact=True).fill("Precisamos de 2.000 painéis com certificado CE")
    await buyer.reload()
    await joined(buyer)
    form = buyer.get_by_role("form", name=pt["inq.form"])
    await expect(form.get_by_label(pt["inq.quantity"])).to_have_value("2.000")
    await expect(form.get_by_label(pt["inq.message"], exact=True)).to_have_value("Precisamos de 2.000 painéis com certificado CE")
    await form.get_by_label(pt["inq.consent"]).check()  # consent is given each time, never kept
    await form.get_by_role("button", name=pt["inq.submit"]).click()
    await expect(form.get_by_role("status")).to_have_attribute("data-kind", "ok")
    await buyer.reload()
    await joined(buyer)
    form = buyer.get_by_role("form", name=pt["inq.form"])
    await expect(form.get_by_label(pt["inq.message"], exact=True)).to_have_value("")
    assert fair.errors == []
