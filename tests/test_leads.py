"""Inquiries become leads: committed before the ack, pushed live to staff, worked, exported."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest

from tests.support import Server


async def _setup(s: Server) -> tuple[int, object, object, str, str]:
    tok, _ = await s.guest("Ana", "es", company="Ferreterías Ana", country="ES")
    stok, sup = await s.supplier()
    buyer, staff = await s.client(tok), await s.client(stok)
    booth_id = sup["booth_id"]
    assert (await buyer.call("booth:join", {"booth_id": booth_id}))["ok"]
    assert (await staff.call("booth:join", {"booth_id": booth_id}))["ok"]
    return booth_id, buyer, staff, tok, stok


async def test_inquiry_about_pinned_product_reaches_staff_live(fair_server: Server) -> None:
    booth_id, buyer, staff, tok, _stok = await _setup(fair_server)
    _, booth = await fair_server.get(f"/api/booths/{booth_id}")
    product = booth["products"][1]
    pin = await staff.call("product:pin", {"booth_id": booth_id, "product_id": product["id"]})
    assert pin["ok"] and pin["pinned_product"]["id"] == product["id"]
    pushed = await buyer.events.wait_for("product:pinned")
    assert pushed["pinned_product"]["id"] == product["id"]
    ack = await buyer.call("inquiry:submit", {
        "booth_id": booth_id, "message": "Necesito 2000 metros, precio FOB por favor", "email": "ana@ferreterias.es",
        "consent": True, "quantity": 2000, "unit": "meter", "target_price": "0.80", "currency": "USD",
        "incoterm": "FOB", "destination_country": "Spain",
    })  # fmt: skip
    assert ack["ok"], ack
    lead = await staff.events.wait_for("lead:new", lambda d: d["id"] == ack["lead"]["id"])
    assert lead["product_id"] == product["id"] and lead["status"] == "new"
    assert lead["buyer"] == {"id": lead["buyer"]["id"], "display_name": "Ana", "email": "ana@ferreterias.es",
                             "company": "Ferreterías Ana", "country": "ES"}  # fmt: skip
    assert lead["quantity"] == 2000 and lead["target_price"] == "0.80" and lead["incoterm"] == "FOB"
    assert lead["message"] == "Necesito 2000 metros, precio FOB por favor" and lead["source_lang"] == "es"
    assert lead["target_lang"] == "zh"
    # The buyer never sees leads.
    assert buyer.events.of("lead:new") == []
    status, body = await fair_server.get(f"/api/booths/{booth_id}/leads", tok)
    assert status == 403 and body["error"]["code"] == "forbidden"


async def test_inquiry_is_committed_before_the_ack(fair_server: Server) -> None:
    booth_id, buyer, _, _, stok = await _setup(fair_server)
    ack = await buyer.call("inquiry:submit", {"booth_id": booth_id, "message": "Hola", "email": "a@b.es", "consent": True})
    status, body = await fair_server.get(f"/api/booths/{booth_id}/leads", stok)
    assert status == 200 and [lead["id"] for lead in body["leads"]] == [ack["lead"]["id"]]


@pytest.mark.parametrize("fair_server", [{"inquiry_rate_limit": 50}], indirect=True)
async def test_a_retried_inquiry_with_its_client_id_gets_its_lead_not_a_second_one(fair_server: Server) -> None:
    """A buyer whose ack was lost is told to try again: the page resends with the same client_id."""
    booth_id, buyer, staff, _, stok = await _setup(fair_server)
    base = {"booth_id": booth_id, "message": "Necesito 2000 piezas", "email": "a@b.es", "consent": True}
    first = await buyer.call("inquiry:submit", {**base, "client_id": "inq-1"})
    again = await buyer.call("inquiry:submit", {**base, "client_id": "inq-1"})
    assert first["ok"] and again == first
    # The same retry twice at once (a double tap) still makes one lead.
    twins = [buyer.call("inquiry:submit", {**base, "client_id": "inq-2"}) for _ in range(2)]
    a, b = await asyncio.gather(*twins)
    assert a["ok"] and a == b and a["lead"]["id"] != first["lead"]["id"]
    # Without a client_id, or with another one, each inquiry is a lead of its own, as before.
    other = await buyer.call("inquiry:submit", {**base, "client_id": "inq-3"})
    plain = [await buyer.call("inquiry:submit", base) for _ in range(2)]
    assert other["ok"] and all(p["ok"] for p in plain)
    status, body = await fair_server.get(f"/api/booths/{booth_id}/leads", stok)
    ids = sorted(lead["id"] for lead in body["leads"])
    assert status == 200 and ids == sorted({first["lead"]["id"], a["lead"]["id"], other["lead"]["id"],
                                           plain[0]["lead"]["id"], plain[1]["lead"]["id"]})  # fmt: skip
    assert len(ids) == 5
    # Staff are told of each lead once.
    for lead_id in ids:
        await staff.events.wait_for("lead:new", lambda d, i=lead_id: d["id"] == i)
    await asyncio.sleep(0.3)
    assert sorted(d["id"] for d in staff.events.of("lead:new")) == ids
    # Another buyer may use the same client_id: it is theirs.
    tok2, _ = await fair_server.guest("Bo", "en")
    bo = await fair_server.client(tok2)
    assert (await bo.call("booth:join", {"booth_id": booth_id}))["ok"]
    mine = await bo.call("inquiry:submit", {**base, "client_id": "inq-1"})
    assert mine["ok"] and mine["lead"]["id"] not in ids
    bad = await bo.call("inquiry:submit", {**base, "client_id": "x" * 65})
    assert not bad["ok"] and bad["error"]["code"] == "bad_request"


async def test_consent_is_required_and_fields_are_validated(fair_server: Server) -> None:
    booth_id, buyer, _, _, _ = await _setup(fair_server)
    base = {"booth_id": booth_id, "message": "Hola", "email": "a@b.es", "consent": True}
    for bad in ({"consent": False}, {"email": "not-an-email"}, {"quantity": -1}, {"incoterm": "XYZ"},
                {"target_price": "abc"}, {"currency": "usd"}, {"product_id": "1"}):  # fmt: skip
        ack = await buyer.call("inquiry:submit", {**base, **bad})
        assert ack["error"]["code"] == "bad_request", (bad, ack)
    ack = await buyer.call("inquiry:submit", {**base, "product_id": 999999})
    assert ack["error"]["code"] == "not_found"
    ack = await buyer.call("inquiry:submit", {**base, "message": "x" * 6000})
    assert ack["error"]["code"] == "too_long"


async def test_status_pipeline_notes_and_csv(fair_server: Server) -> None:
    booth_id, buyer, staff, _, stok = await _setup(fair_server)
    ack = await buyer.call("inquiry:submit", {
        "booth_id": booth_id, "message": "=HYPERLINK(\"http://evil\")", "email": "a@b.es", "consent": True,
        "quantity": 500,
    })  # fmt: skip
    lead_id = ack["lead"]["id"]
    for status in ("contacted", "quoted", "won"):
        up = await staff.call("lead:update", {"lead_id": lead_id, "status": status})
        assert up["ok"] and up["lead"]["status"] == status
    bad = await staff.call("lead:update", {"lead_id": lead_id, "status": "maybe"})
    assert bad["error"]["code"] == "bad_request"
    note = await staff.call("lead:note", {"lead_id": lead_id, "text": "Sent quote by e-mail"})
    assert note["ok"] and note["note"]["text"] == "Sent quote by e-mail"
    status, body = await fair_server.request("PATCH", f"/api/leads/{lead_id}", stok, json={"status": "lost"})
    assert status == 200 and body["lead"]["status"] == "lost"
    status, body = await fair_server.post(f"/api/leads/{lead_id}/notes", {"text": "Buyer went elsewhere"}, stok)
    assert status == 201
    status, body = await fair_server.get(f"/api/leads/{lead_id}", stok)
    assert [n["text"] for n in body["lead"]["notes"]] == ["Sent quote by e-mail", "Buyer went elsewhere"]
    status, text = await fair_server.get(f"/api/booths/{booth_id}/leads?format=csv", stok)
    # A byte-order mark first: Excel reads UTF-8 without one as the local code page (mojibake).
    assert text.startswith("\ufeffid,")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == 1 and rows[0]["status"] == "lost" and rows[0]["buyer_name"] == "Ana"
    assert rows[0]["company"] == "Ferreterías Ana" and rows[0]["email"] == "a@b.es"
    assert rows[0]["quantity"] == "500" and rows[0]["message"].startswith("'=")  # formula defused
    # The staff's notes travel with the lead, oldest first, each with its author.
    notes = rows[0]["notes"].split("\n")
    assert len(notes) == 2 and notes[0].endswith(": Sent quote by e-mail") and notes[1].endswith(": Buyer went elsewhere")


async def test_supplier_sees_only_own_booths_leads(fair_server: Server) -> None:
    booth_id, buyer, _, _, _ = await _setup(fair_server)
    ack = await buyer.call("inquiry:submit", {"booth_id": booth_id, "message": "Hola", "email": "a@b.es", "consent": True})
    other_tok, _ = await fair_server.supplier("valencia-ceramica")
    status, body = await fair_server.get(f"/api/booths/{booth_id}/leads", other_tok)
    assert status == 403
    status, body = await fair_server.get(f"/api/leads/{ack['lead']['id']}", other_tok)
    assert status == 404
    other = await fair_server.client(other_tok)
    up = await other.call("lead:update", {"lead_id": ack["lead"]["id"], "status": "won"})
    assert up["error"]["code"] == "not_found"
    mod_tok, _ = await fair_server.moderator()
    status, body = await fair_server.get(f"/api/booths/{booth_id}/leads", mod_tok)
    assert status == 200 and len(body["leads"]) == 1
