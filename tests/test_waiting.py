"""Response times: who waits for a booth's staff, and how long a lead waited to be worked."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

from tests.support import Server


def _entry(body: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((e for e in body["waiting"] if e["buyer"]["display_name"] == name), None)


async def test_questions_and_leads_wait_until_staff_answer(fair_server: Server) -> None:
    s = fair_server
    stok, sup = await s.supplier()
    booth_id = sup["booth_id"]
    staff = await s.client(stok)
    assert (await staff.call("booth:join", {"booth_id": booth_id}))["ok"]
    ana_tok, _ = await s.guest("Ana", "es", company="Ferreterías Ana", country="ES")
    ana = await s.client(ana_tok)
    assert (await ana.call("booth:join", {"booth_id": booth_id}))["ok"]
    status, body = await s.get(f"/api/booths/{booth_id}/waiting", stok)
    assert status == 200 and body["booth_id"] == booth_id and body["waiting"] == []

    assert (await ana.call("chat:send", {"booth_id": booth_id, "text": "¿Cuál es el MOQ?"}))["ok"]
    assert (await ana.call("chat:send", {"booth_id": booth_id, "text": "¿Y el plazo?"}))["ok"]
    ben_tok, _ = await s.guest("Ben", "en")
    ben = await s.client(ben_tok)
    assert (await ben.call("booth:join", {"booth_id": booth_id}))["ok"]
    ack = await ben.call("inquiry:submit", {"booth_id": booth_id, "message": "Price for 500 pcs?",
                                            "email": "ben@example.com", "consent": True})  # fmt: skip
    assert ack["ok"], ack
    lead_id = ack["lead"]["id"]
    # Not worked yet: the payload staff get says so.
    new = await staff.events.wait_for("lead:new", lambda d: d["id"] == lead_id)
    assert new["first_response_at"] is None and new["first_response_ms"] is None

    _, first = await s.get(f"/api/booths/{booth_id}/waiting", stok)
    # The longest wait first: Ana asked before Ben sent his lead.
    assert [e["buyer"]["display_name"] for e in first["waiting"]] == ["Ana", "Ben"]
    a = _entry(first, "Ana")
    assert a is not None and a["question"]["messages"] == 2 and a["leads"] == []
    assert a["buyer"] == {
        "id": a["buyer"]["id"],
        "display_name": "Ana",
        "company": "Ferreterías Ana",
        "country": "ES",
    }
    b = _entry(first, "Ben")
    assert b is not None and b["question"] is None and [x["id"] for x in b["leads"]] == [lead_id]
    await asyncio.sleep(0.05)
    _, later = await s.get(f"/api/booths/{booth_id}/waiting", stok)
    for name in ("Ana", "Ben"):
        before, after = _entry(first, name), _entry(later, name)
        assert before is not None and after is not None
        assert after["since"] == before["since"] and after["waited_ms"] > before["waited_ms"]

    # A staff reply answers the chat question; Ben's lead still waits to be worked.
    assert (await staff.call("chat:send", {"booth_id": booth_id, "text": "MOQ 500, 20 days"}))["ok"]
    _, body = await s.get(f"/api/booths/{booth_id}/waiting", stok)
    assert [e["buyer"]["display_name"] for e in body["waiting"]] == ["Ben"]
    # Ana asks again: she waits from the new question only.
    assert (await ana.call("chat:send", {"booth_id": booth_id, "text": "¿Envío a Valencia?"}))["ok"]
    _, body = await s.get(f"/api/booths/{booth_id}/waiting", stok)
    a = _entry(body, "Ana")
    assert (
        a is not None
        and a["question"]["messages"] == 1
        and a["since"] > (_entry(first, "Ana") or {})["since"]
    )

    up = await staff.call("lead:update", {"lead_id": lead_id, "status": "contacted"})
    assert up["ok"] and up["lead"]["first_response_at"] is not None and up["lead"]["first_response_ms"] >= 0
    pushed = await staff.events.wait_for("lead:updated", lambda d: d["id"] == lead_id)
    assert pushed["first_response_at"] == up["lead"]["first_response_at"]
    _, body = await s.get(f"/api/booths/{booth_id}/waiting", stok)
    # Working Ben's lead answers him (as analytics counts it); Ana's new question still waits.
    assert [e["buyer"]["display_name"] for e in body["waiting"]] == ["Ana"]
    # A later status change keeps the first response.
    again = await staff.call("lead:update", {"lead_id": lead_id, "status": "quoted"})
    assert again["lead"]["first_response_at"] == up["lead"]["first_response_at"]


async def test_hidden_and_banned_spam_waits_for_nobody(fair_server: Server) -> None:
    """A moderator's hide, or a ban, takes the spam off the supplier's Waiting list too (a user try
    saw a banned "Admin" listed as waiting 5 minutes beside real buyers)."""
    s = fair_server
    stok, sup = await s.supplier()
    booth_id = sup["booth_id"]
    mtok, _ = await s.moderator()
    mod = await s.client(mtok)
    names = {}
    for name, text in (("Spam", "BUY NOW cheap"), ("Troll", "send payment to bit.ly/x"), ("Real", "MOQ?")):
        tok, user = await s.guest(name, "en")
        c = await s.client(tok)
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
        ack = await c.call("chat:send", {"booth_id": booth_id, "text": text})
        names[name] = (user["id"], ack["message"]["id"], c)
    lead = await names["Troll"][2].call("inquiry:submit", {"booth_id": booth_id, "message": "pay here",
                                                           "email": "t@example.com", "consent": True})  # fmt: skip
    assert lead["ok"], lead
    _, body = await s.get(f"/api/booths/{booth_id}/waiting", stok)
    assert sorted(e["buyer"]["display_name"] for e in body["waiting"]) == ["Real", "Spam", "Troll"]
    assert (await mod.call("mod:hide", {"message_id": names["Spam"][1]}))["ok"]
    assert (await mod.call("mod:ban", {"user_id": names["Troll"][0], "hide_messages": False}))["ok"]
    _, body = await s.get(f"/api/booths/{booth_id}/waiting", stok)
    assert [e["buyer"]["display_name"] for e in body["waiting"]] == ["Real"]


async def test_waiting_is_for_the_booths_staff_and_moderators(fair_server: Server) -> None:
    s = fair_server
    _, sup = await s.supplier()
    booth_id = sup["booth_id"]
    buyer_tok, _ = await s.guest("Ana", "es")
    status, body = await s.get(f"/api/booths/{booth_id}/waiting", buyer_tok)
    assert status == 403 and body["error"]["code"] == "forbidden"
    other_tok, _ = await s.supplier("valencia-ceramica")
    status, body = await s.get(f"/api/booths/{booth_id}/waiting", other_tok)
    assert status == 403
    status, body = await s.get(f"/api/booths/{booth_id}/waiting")
    assert status == 401
    mod_tok, _ = await s.moderator()
    status, body = await s.get(f"/api/booths/{booth_id}/waiting", mod_tok)
    assert status == 200 and body["waiting"] == []
    status, body = await s.get("/api/booths/99999999/waiting", mod_tok)
    assert status == 404 and body["error"]["code"] == "not_found"


async def test_first_response_in_lead_payloads_and_csv(fair_server: Server) -> None:
    s = fair_server
    stok, sup = await s.supplier()
    booth_id = sup["booth_id"]
    buyer_tok, _ = await s.guest("Ana", "es")
    buyer, staff = await s.client(buyer_tok), await s.client(stok)
    assert (await buyer.call("booth:join", {"booth_id": booth_id}))["ok"]
    assert (await staff.call("booth:join", {"booth_id": booth_id}))["ok"]
    ids = []
    for text in ("Hola", "Otra"):
        ack = await buyer.call("inquiry:submit", {"booth_id": booth_id, "message": text, "email": "a@b.es",
                                                  "consent": True})  # fmt: skip
        ids.append(ack["lead"]["id"])
    new = await staff.events.wait_for("lead:new", lambda d: d["id"] == ids[0])
    assert new["first_response_at"] is None and new["first_response_ms"] is None
    # A note is a first response too.
    note = await staff.call("lead:note", {"lead_id": ids[0], "text": "Called back"})
    assert note["ok"]
    status, body = await s.get(f"/api/leads/{ids[0]}", stok)
    lead = body["lead"]
    assert (
        status == 200 and lead["first_response_at"] >= lead["created_at"] and lead["first_response_ms"] >= 0
    )
    status, body = await s.get(f"/api/booths/{booth_id}/leads", stok)
    by_id = {x["id"]: x for x in body["leads"]}
    assert (
        by_id[ids[0]]["first_response_ms"] == lead["first_response_ms"]
        and by_id[ids[1]]["first_response_ms"] is None
    )
    status, text = await s.get(f"/api/booths/{booth_id}/leads?format=csv", stok)
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader)
    assert header[-2:] == ["notes", "first_response_minutes"]
    rows = {int(r[0]): r for r in reader}
    assert rows[ids[1]][-1] == ""
    assert float(rows[ids[0]][-1]) == round(lead["first_response_ms"] / 60000, 1)
