"""The booth page between streams, and what buyers type into its inquiry form."""

from __future__ import annotations

import pytest
from playwright.async_api import expect
from sqlalchemy import update

from rooms.models import User
from server.keys import DB
from tests.browser_support import Fair, booth, joined, ui_strings
from tests.support import Server

pytestmark = pytest.mark.browser

BRIGHTWAY = booth("shenzhen-brightway-led")
PHONE = {"width": 390, "height": 844}


async def test_between_streams_nothing_says_on_stream_or_watching(fair: Fair, live_server: Server) -> None:
    token, user = await live_server.supplier(BRIGHTWAY.slug)
    staff = await live_server.client(token)
    assert (await staff.call("booth:join", {"booth_id": user["booth_id"]}))["ok"]
    _, detail = await live_server.get(f"/api/booths/{user['booth_id']}")
    product = detail["products"][0]
    assert (await staff.call("product:pin", {"booth_id": user["booth_id"], "product_id": product["id"]}))["ok"]

    buyer = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Lina", lang="en", viewport=PHONE)
    await joined(buyer)
    en = await ui_strings(buyer, "en")
    await expect(buyer.locator("#booth-root")).to_have_class("booth-layout is-offline")
    # The pinned product is the booth's featured one, not "on stream now"; people are "in the booth".
    await expect(buyer.locator("#pinned-banner .pinned-badge")).to_have_text(en["booth.featured"])
    await expect(buyer.locator(".product-card.is-pinned .pinned-badge")).to_have_text(en["booth.featured"])
    await expect(buyer.locator("#viewer-count")).to_have_text(en["booth.present"].replace("{n}", "1"))
    assert fair.errors == []


async def test_arabic_and_full_width_digits_in_the_inquiry(fair: Fair, live_server: Server) -> None:
    """An Arabic keyboard types ٥٠٠ and ٦٫٥٠; a Chinese input method ５００: all are numbers."""
    buyer = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Noor", lang="ar", viewport=PHONE)
    await joined(buyer)
    ar = await ui_strings(buyer, "ar")
    # The Latin company name and city sit in the Arabic line each in its own direction (<bdi>).
    parts = buyer.locator("#booth-sub > bdi")
    await expect(parts).to_have_count(3)
    await expect(parts.first).to_have_text(BRIGHTWAY.supplier_name)
    await expect(parts.nth(1)).to_contain_text(BRIGHTWAY.city)
    form = buyer.get_by_role("form", name=ar["inq.form"])
    # The unit as the product card names it in Arabic, not the Chinese supplier's "件"; and a word
    # the supplier's console reads back as a piece, in Chinese.
    await form.get_by_label(ar["inq.product"]).select_option(index=1)  # the LED panel, sold by the piece
    await expect(form.get_by_label(ar["inq.unit"])).to_have_value(ar["unit.piece.per"])
    known = await buyer.evaluate("async (u) => (await import('/static/units.js')).knownUnit(u)?.id", ar["unit.piece.per"])
    assert known == "piece"
    await form.get_by_label(ar["inq.quantity"]).fill("١٬٠٠٠")
    await form.get_by_label(ar["inq.target_price"]).fill("٦٫٥٠")
    await form.get_by_label(ar["inq.email"]).fill("noor@example.ae")
    await form.get_by_label(ar["inq.message"], exact=True).fill("نحتاج ألف لوحة.")
    await form.get_by_label(ar["inq.consent"]).check()
    await form.get_by_role("button", name=ar["inq.submit"]).click()
    result = form.get_by_role("status")
    await expect(result).to_have_attribute("data-kind", "ok")
    lead_id = int(await result.get_attribute("data-lead-id") or "0")

    token, _ = await live_server.supplier(BRIGHTWAY.slug)
    status, body = await live_server.get(f"/api/leads/{lead_id}", token)
    assert status == 200
    assert body["lead"]["quantity"] == 1000 and body["lead"]["target_price"] == "6.50"
    assert body["lead"]["unit"] == ar["unit.piece.per"]
    assert fair.errors == []


async def test_a_supplier_of_another_booth_has_no_exhibitor_badge(fair: Fair, live_server: Server) -> None:
    buyer = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Lina", lang="en", viewport=PHONE)
    await joined(buyer)
    booth_id = await live_server.booth_id(BRIGHTWAY.slug)
    for slug, text in (("foshan-comfort-seating", "Official: send the deposit to us"), (BRIGHTWAY.slug, "Welcome!")):
        token, _ = await live_server.supplier(slug)
        c = await live_server.client(token)
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
        assert (await c.call("chat:send", {"booth_id": booth_id, "text": text}))["ok"]
    await expect(buyer.locator("#chat-list .msg", has_text="Welcome!").locator(".role-badge")).to_have_count(1)
    await expect(buyer.locator("#chat-list .msg", has_text="deposit").locator(".role-badge")).to_have_count(0)
    assert fair.errors == []


async def test_refusals_a_page_can_meet_have_their_own_words(fair: Fair) -> None:
    """A 21st tab was "Something went wrong (too_many_connections)" under a "reconnecting" promise."""
    page = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Lina", lang="de", viewport=PHONE)
    de = await ui_strings(page, "de")
    texts = await page.evaluate("""async () => {
        const { errorText } = await import('/static/i18n.js');
        return ['too_many_connections', 'unavailable'].map((code) => errorText({ code }));
    }""")
    assert texts == [de["err.too_many_connections"], de["err.unavailable"]]


async def test_an_expired_session_says_so_on_the_sign_in_form(fair: Fair) -> None:
    """The server refuses the token (expired, or signed with a secret that changed): the page goes
    back to the sign-in form, which says why instead of just appearing empty."""
    page = await fair.guest(f"/booths/{BRIGHTWAY.slug}", name="Lina", lang="es", viewport=PHONE)
    await joined(page)
    es = await ui_strings(page, "es")
    await page.evaluate("""() => {
        const s = JSON.parse(localStorage.getItem('boothcast.session'));
        s.token = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.' + 'A'.repeat(43);
        localStorage.setItem('boothcast.session', JSON.stringify(s));
    }""")
    await page.reload()
    form = page.locator("form.signin-form")
    await expect(form).to_be_visible()
    await expect(form.get_by_role("alert")).to_have_text(es["err.unauthorized"])
    # Once: a later visit is an ordinary sign-in.
    await page.reload()
    await expect(page.locator("form.signin-form")).to_be_visible()
    await expect(page.locator("form.signin-form").get_by_role("alert")).to_be_hidden()


async def test_the_console_follows_an_account_moved_to_another_booth(fair: Fair, live_server: Server) -> None:
    """The page kept the account as it was at sign-in: a supplier moved to another booth was still
    shown the old one as theirs, even after a reload."""
    console = await fair.staff("/console", BRIGHTWAY.email)
    await expect(console.locator("#booth-name")).to_have_text(BRIGHTWAY.name)
    _, me = await live_server.login(BRIGHTWAY.email)
    seating = booth("foshan-comfort-seating")
    assert live_server.app is not None
    async with live_server.app[DB].session() as s:
        await s.execute(update(User).where(User.id == me["id"]).values(booth_id=await live_server.booth_id(seating.slug)))
    await console.reload()
    await expect(console.locator("#booth-name")).to_have_text(seating.name)
