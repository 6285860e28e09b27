"""The console's "Waiting" list, the inbox's waiting sort and the new-lead notification, in Chromium.

The notification is checked by wrapping `window.Notification` in an init script that records each
construction (Chromium headless shows none); the context is granted the notifications permission.
A background tab is emulated by overriding `document.visibilityState` to "hidden" and dispatching
`visibilitychange` from `page.evaluate`.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from rooms import demo_fair
from tests.browser_support import Fair, booth, open_fair, ui_strings
from tests.support import Client, Server

pytestmark = pytest.mark.browser

BRIGHTWAY = booth("shenzhen-brightway-led")

RECORD_NOTIFICATIONS = """
window.__notes = [];
const Real = window.Notification;
class Recorder {
  constructor(title, options = {}) { window.__notes.push({ title, body: options.body ?? null }); this.onclick = null; }
  close() {}
  static get permission() { return Real.permission; }
  static requestPermission() { return Real.requestPermission(); }
}
window.Notification = Recorder;
"""

HIDE = """() => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  document.dispatchEvent(new Event('visibilitychange'));
}"""


async def _console(fair: Fair) -> Page:
    page = await fair.page(permissions=["notifications"])
    await page.context.add_init_script(RECORD_NOTIFICATIONS)
    await page.goto("/console")
    form = page.locator("form.signin-form")
    await form.get_by_label("Email").fill(BRIGHTWAY.email)
    await form.get_by_label("Password").fill(demo_fair.DEMO_PASSWORD)
    async with page.expect_navigation():
        await form.get_by_role("button", name="Sign in").click()
    await expect(form).to_have_count(0)
    return page


async def _buyer(s: Server, booth_id: int, name: str) -> Client:
    tok, _ = await s.guest(name, "en")
    c = await s.client(tok)
    assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    return c


async def _inquire(c: Client, booth_id: int, message: str) -> int:
    ack = await c.call("inquiry:submit", {"booth_id": booth_id, "message": message, "email": "b@example.com",
                                          "consent": True})  # fmt: skip
    assert ack["ok"], ack
    return int(ack["lead"]["id"])


async def test_waiting_list_sort_and_background_notification(live_server: Server) -> None:
    s = live_server
    booth_id = await s.booth_id(BRIGHTWAY.slug)
    ana, ben, cy = [await _buyer(s, booth_id, n) for n in ("Ana", "Ben", "Cy")]
    assert (await ana.call("chat:send", {"booth_id": booth_id, "text": "What is the MOQ?"}))["ok"]
    ben_lead = await _inquire(ben, booth_id, "Price for 500 pcs?")
    cy_lead = await _inquire(cy, booth_id, "Samples?")

    async with open_fair(s.url) as fair:
        page = await _console(fair)
        zh = await ui_strings(page, "zh")  # the Brightway supplier works in Chinese
        waiting = page.locator("#waiting-list")
        items = waiting.locator(".waiting-item")
        await expect(items).to_have_count(2 + 1)  # Ana's question, Ben's and Cy's leads
        names = await items.locator(".waiting-who strong").all_text_contents()
        assert names == ["Ana", "Ben", "Cy"]  # the longest wait first
        assert await items.nth(0).locator("[data-kind=question]").count() == 1
        assert await items.nth(1).locator(f"[data-kind=lead][data-lead-id='{ben_lead}']").count() == 1
        # The label ticks: its text changes while Ana waits.
        label = items.nth(0).locator(".waiting-for")
        first = await label.text_content()
        assert first and first.startswith(zh["waiting.for"].split("{time}")[0])
        await expect(label).not_to_have_text(first)

        # The inbox: newest first by default, oldest unworked first on request.
        cards = page.locator("#lead-list > li")
        await expect(cards).to_have_count(2)
        assert await cards.evaluate_all("els => els.map(e => Number(e.dataset.leadId))") == [
            cy_lead,
            ben_lead,
        ]
        await page.locator("#lead-sort").select_option("waiting")
        assert await cards.evaluate_all("els => els.map(e => Number(e.dataset.leadId))") == [
            ben_lead,
            cy_lead,
        ]
        ben_card = page.locator(f"#lead-list > li[data-lead-id='{ben_lead}']")
        await expect(ben_card.locator(".lead-timing")).to_have_attribute("data-answered", "false")

        # Working Ben's lead: "answered in ...", off the Waiting list, below the unworked in the sort.
        await ben_card.locator(".status-select").select_option("contacted")
        await expect(ben_card.locator(".lead-timing")).to_have_attribute("data-answered", "true")
        answered = zh["leads.answered_in"].split("{time}")[0]
        await expect(ben_card.locator(".lead-timing")).to_contain_text(answered)
        await expect(items.locator(".waiting-who strong")).to_have_text(["Ana", "Cy"])
        assert await cards.evaluate_all("els => els.map(e => Number(e.dataset.leadId))") == [
            cy_lead,
            ben_lead,
        ]

        # A staff reply in the chat answers Ana's question.
        await page.locator("#chat-input").fill("MOQ 500")
        await page.locator("#chat-send").click()
        await expect(items.locator(".waiting-who strong")).to_have_text(["Cy"])

        # Permission is already granted to this context: the button says so and asks nothing.
        await expect(page.locator("#notify-btn")).to_have_text(zh["notify.on"])
        # A lead while the tab is visible: the card shows it, no notification.
        dee = await _buyer(s, booth_id, "Dee")
        await _inquire(dee, booth_id, "Visible lead")
        await expect(cards).to_have_count(3)
        assert await page.evaluate("window.__notes") == []
        # In the background: one notification, its text as plain text.
        await page.evaluate(HIDE)
        eve = await _buyer(s, booth_id, "Eve")
        eve_lead = await _inquire(eve, booth_id, "<b>Price</b> for 2000 m?")
        await expect(cards).to_have_count(4)
        await expect(items.locator(".waiting-who strong")).to_have_text(["Cy", "Dee", "Eve"])
        notes = await page.evaluate("window.__notes")
        # The body is the message as the card shows it to the supplier (translated into Chinese), as text.
        shown = await page.locator(
            f"#lead-list > li[data-lead-id='{eve_lead}'] .lead-message-translated"
        ).text_content()
        assert shown and notes == [{"title": zh["notify.new_lead"].replace("{name}", "Eve"), "body": shown}]
        assert fair.errors == []
