"""The network drops after the server stored a buyer's message or inquiry, before its ack arrived.

The page says "try again"; doing so must not post the message twice or file a second lead. The
cut is made in the page: the next ack frame is swallowed and the websocket closed, which is what
a phone switching from Wi-Fi to 4G at that moment looks like to it.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser_support import Fair, booth, joined, ui_strings
from tests.support import Server

pytestmark = pytest.mark.browser

BRIGHTWAY = booth("shenzhen-brightway-led")

CUT_AFTER_NEXT_ACK = """
(() => {
  const Real = window.WebSocket;
  window.__cutAtAck = false;
  window.WebSocket = function (...args) {
    const ws = new Real(...args);
    ws.addEventListener('message', (ev) => {
      // A socket.io ack ("43<id>[...]"): the answer to what the page just sent.
      if (window.__cutAtAck && typeof ev.data === 'string' && ev.data.startsWith('43')) {
        window.__cutAtAck = false;
        ev.stopImmediatePropagation();
        ws.close();
      }
    });
    return ws;
  };
  window.WebSocket.prototype = Real.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
})();
"""


async def _buyer_with_a_cuttable_line(fair: Fair) -> Page:
    page = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Cut Buyer", lang="es",
                            viewport={"width": 390, "height": 844})  # fmt: skip
    await page.add_init_script(CUT_AFTER_NEXT_ACK)
    await page.reload()
    await joined(page)
    return page


async def test_a_chat_line_whose_ack_was_lost_shows_once_and_leaves_the_box(fair: Fair) -> None:
    buyer = await _buyer_with_a_cuttable_line(fair)
    box = buyer.locator("#chat-input")
    text = "¿Tienen certificado CE?"
    await box.fill(text)
    await buyer.evaluate("window.__cutAtAck = true")
    await box.press("Enter")
    await buyer.wait_for_function("() => window.__cutAtAck === false")  # the cut happened
    # The page reconnects by itself; its history brings the line back: it was stored.
    mine = buyer.locator("#chat-list .msg", has_text=text)
    await expect(mine).to_have_count(1)
    await expect(box).to_have_value("")
    await expect(buyer.locator("#chat-status")).to_have_text("")
    # Sending again now is a new line, once.
    await box.fill("Gracias")
    await box.press("Enter")
    await expect(buyer.locator("#chat-list .msg", has_text="Gracias")).to_have_count(1)
    await expect(mine).to_have_count(1)


async def test_an_inquiry_sent_again_after_a_lost_ack_is_one_lead(fair: Fair, live_server: Server) -> None:
    buyer = await _buyer_with_a_cuttable_line(fair)
    es = await ui_strings(buyer, "es")
    form = buyer.get_by_role("form", name=es["inq.form"])
    await form.get_by_label(es["inq.quantity"]).fill("2.000")  # two thousand, written the Spanish way
    await form.get_by_label(es["inq.email"]).fill("cut@example.es")
    await form.get_by_label(es["inq.message"], exact=True).fill("Necesitamos paneles para un hotel.")
    await form.get_by_label(es["inq.consent"]).check()
    submit = form.get_by_role("button", name=es["inq.submit"])
    result = form.get_by_role("status")
    # A price as people paste it is refused in the page's language, not the browser's.
    price = form.get_by_label(es["inq.target_price"])
    await price.fill("US$ 6.80")
    await submit.click()
    await expect(result).to_have_text(es["inq.price_invalid"])
    await price.fill("")
    await buyer.evaluate("window.__cutAtAck = true")
    await submit.click()
    await expect(result).to_have_attribute("data-kind", "error")  # "try again"
    await joined(buyer)  # back by itself
    await expect(submit).to_be_enabled()
    await submit.click()  # what the page asked for
    await expect(result).to_have_attribute("data-kind", "ok")
    lead_id = int(await result.get_attribute("data-lead-id") or "0")

    token, supplier = await live_server.supplier(BRIGHTWAY.slug)
    status, body = await live_server.get(f"/api/booths/{supplier['booth_id']}/leads", token)
    assert status == 200
    mine = [lead for lead in body["leads"] if lead["buyer"]["email"] == "cut@example.es"]
    assert [lead["id"] for lead in mine] == [lead_id], "one lead, the one the first try made"
    assert mine[0]["quantity"] == 2000
