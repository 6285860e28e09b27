"""Quick phrases through real sockets: a phrase sent in German reaches Chinese, Arabic and
Portuguese readers exactly, live, batched, in history, catch-up, the moderators' feed and the
preview; bad params and the wrong side's phrases are refused."""

from __future__ import annotations

from typing import Any

from rooms import demo_fair, live
from rooms.phrases import StoredPhrase, catalogue
from server.keys import FAIR
from tests.support import Client, Server

BOOTH = "shenzhen-brightway-led"


async def _room(s: Server) -> tuple[int, dict[str, Client]]:
    stok, sup = await s.supplier(BOOTH)
    booth_id = int(sup["booth_id"])
    people: dict[str, Client] = {"supplier": await s.client(stok)}
    for lang, batch in (("de", False), ("zh", False), ("ar", False), ("pt", True)):
        tok, _ = await s.guest(f"Buyer {lang}", lang)
        people[lang] = await s.client(tok, batch=batch)
    for c in people.values():
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    return booth_id, people


def _expected(phrase_id: str, params: dict[str, Any], lang: str, names: dict[str, str] | None = None) -> str:
    return catalogue().render(StoredPhrase(phrase_id, params, names or {}), lang)


async def test_a_german_phrase_reaches_every_reader_exact(fair_server: Server) -> None:
    booth_id, people = await _room(fair_server)
    params = {"incoterm": "CIF", "port": "Hamburg", "quantity": 2000, "unit": "piece"}
    ack = await people["de"].call(
        "chat:send", {"booth_id": booth_id, "phrase": {"id": "b.price_incoterm", "params": params}}
    )
    assert ack["ok"], ack
    want = {
        "de": "Welchen Preis CIF Hamburg bieten Sie für 2000 Stück?",
        "zh": "2000件的CIF Hamburg价格是多少？",
        "ar": "ما سعركم CIF Hamburg لكمية 2000 قطعة؟",
        "pt": "Qual é o preço CIF Hamburg para 2000 peças?",
        "supplier": "2000件的CIF Hamburg价格是多少？",
    }
    for who, text in want.items():
        m = await people[who].wait_message(lambda m: m["id"] == ack["message"]["id"])
        assert m["text"] == text, (who, m)
        assert m["phrase"] == {"id": "b.price_incoterm", "params": params}
        assert m["translated"] is True and m["uncertain"] is False
        assert m["original"] == want["de"] and m["source_lang"] == "de"
    # The batch client got it in a chat:batch frame, not as chat:message.
    assert people["pt"].events.of("chat:batch") and not people["pt"].events.of("chat:message")


async def test_supplier_answers_with_a_product_of_the_booth(fair_server: Server) -> None:
    booth_id, people = await _room(fair_server)
    _, booth = await fair_server.get(f"/api/booths/{booth_id}")
    product = booth["products"][0]
    params = {"product": product["id"], "quantity": 500, "unit": "piece"}
    ack = await people["supplier"].call(
        "chat:send", {"booth_id": booth_id, "phrase": {"id": "s.product_moq", "params": params}}
    )
    assert ack["ok"], ack
    names = {"": product["name"], **{k: v["name"] for k, v in product["i18n"].items() if v.get("name")}}
    for who in ("zh", "ar", "pt", "de"):
        m = await people[who].wait_message(lambda m: m["id"] == ack["message"]["id"])
        assert m["text"] == _expected("s.product_moq", params, who, names)
        assert (names.get(who) or product["name"]) in m["text"]
    assert "500 قطعة" in _expected("s.product_moq", params, "ar", names)


async def test_bad_params_and_the_wrong_side_are_refused(fair_server: Server) -> None:
    booth_id, people = await _room(fair_server)
    buyer, supplier = people["de"], people["supplier"]

    async def send(c: Client, phrase: Any) -> dict[str, Any]:
        ack: dict[str, Any] = await c.call("chat:send", {"booth_id": booth_id, "phrase": phrase})
        return ack

    bad = [
        {"id": "b.price_qty", "params": {"quantity": 0, "unit": "piece"}},
        {"id": "b.price_qty", "params": {"quantity": 10**12, "unit": "piece"}},
        {"id": "b.price_qty", "params": {"quantity": 5, "unit": "bushel"}},
        {"id": "b.price_qty", "params": {"quantity": 5}},
        {"id": "b.price_qty", "params": {"quantity": 5, "unit": "piece", "extra": 1}},
        {"id": "b.target_price", "params": {"price": "abc", "currency": "USD", "unit": "piece"}},
        {"id": "b.target_price", "params": {"price": "5", "currency": "XXX", "unit": "piece"}},
        {"id": "b.quote_incoterm", "params": {"incoterm": "FOX", "port": "Hamburg"}},
        {"id": "b.no_such_phrase", "params": {}},
        {"id": "b.moq", "params": {}, "text": "smuggled"},
        "b.moq",
    ]
    for phrase in bad:
        ack = await send(buyer, phrase)
        assert ack["ok"] is False and ack["error"]["code"] == "bad_request", (phrase, ack)
        assert ack["error"]["message"]
    both = await buyer.call("chat:send", {"booth_id": booth_id, "text": "hi", "phrase": {"id": "b.moq"}})
    neither = await buyer.call("chat:send", {"booth_id": booth_id})
    assert both["error"]["code"] == neither["error"]["code"] == "bad_request"

    # A product of another booth is not a product of this booth.
    _, listing = await fair_server.get("/api/booths")
    other_id = next(b["id"] for b in listing if b["id"] != booth_id)
    _, other_booth = await fair_server.get(f"/api/booths/{other_id}")
    foreign = other_booth["products"][0]["id"]
    ack = await send(buyer, {"id": "b.product_price", "params": {"product": foreign}})
    assert ack["error"]["code"] == "bad_request" and "product" in ack["error"]["message"], ack

    # Sides: a buyer cannot answer as the supplier, the supplier cannot ask as a buyer, and
    # staff of another booth cannot answer for this one.
    ack = await send(buyer, {"id": "s.moq", "params": {"quantity": 1, "unit": "piece"}})
    assert ack["error"]["code"] == "forbidden", ack
    ack = await send(supplier, {"id": "b.moq", "params": {}})
    assert ack["error"]["code"] == "forbidden", ack
    otok, osup = await fair_server.login(next(b.email for b in demo_fair.BOOTHS if b.slug != BOOTH))
    assert osup["booth_id"] != booth_id
    stranger = await fair_server.client(otok)
    assert (await stranger.call("booth:join", {"booth_id": booth_id}))["ok"]
    ack = await stranger.call(
        "chat:send", {"booth_id": booth_id, "phrase": {"id": "s.in_stock", "params": {}}}
    )
    assert ack["error"]["code"] == "forbidden", ack
    # Nothing refused was stored or delivered.
    assert not [m for m in people["zh"].messages() if m.get("phrase")]


async def test_history_catch_up_moderators_and_preview_carry_the_rendered_phrase(fair_server: Server) -> None:
    booth_id, people = await _room(fair_server)
    mtok, _ = await fair_server.moderator()
    mod = await fair_server.client(mtok)
    assert (await mod.call("mod:watch", {}))["ok"]
    params = {"quantity": 3, "unit": "set", "days": 22}
    preview = await people["supplier"].call(
        "chat:preview", {"booth_id": booth_id, "phrase": {"id": "s.lead_time_qty", "params": params}}
    )
    assert preview["ok"] and preview["uncertain_langs"] == [], preview
    for lang in ("ar", "pt", "de"):
        assert preview["translations"][lang] == {
            "text": _expected("s.lead_time_qty", params, lang), "translated": True, "uncertain": False, "doubts": []
        }  # fmt: skip
    ack = await people["supplier"].call(
        "chat:send",
        {"booth_id": booth_id, "phrase": {"id": "s.lead_time_qty", "params": params}, "client_id": "p-1"},
    )
    assert ack["ok"], ack
    msg_id = ack["message"]["id"]
    feed = await mod.events.wait_for("mod:message", lambda m: m["id"] == msg_id)
    assert feed["phrase"]["id"] == "s.lead_time_qty" and feed["translated"] is True

    # A resend with the same client_id gets the same message back, and nobody gets it twice.
    again = await people["supplier"].call(
        "chat:send",
        {"booth_id": booth_id, "phrase": {"id": "s.lead_time_qty", "params": params}, "client_id": "p-1"},
    )
    assert again["message"] == ack["message"]

    tok, _ = await fair_server.guest("Late", "ru")
    late = await fair_server.client(tok)
    join = await late.call("booth:join", {"booth_id": booth_id})
    m = next(m for m in join["history"] if m["id"] == msg_id)
    assert m["text"] == "Если количество — 3 комплекта, срок поставки — 22 дня."
    assert m["phrase"] == {"id": "s.lead_time_qty", "params": params} and m["uncertain"] is False
    caught = await people["ar"].call(
        "chat:history", {"booth_id": booth_id, "after_seq": ack["message"]["seq"] - 1}
    )
    m = next(m for m in caught["messages"] if m["id"] == msg_id)
    assert m["text"] == _expected("s.lead_time_qty", params, "ar") and m["translated"] is True
    recent = (await mod.call("mod:watch", {}))["recent"]
    assert any(r["id"] == msg_id and r["phrase"] for r in recent)


async def test_phrases_share_the_chat_rate_limit(fair_server: Server) -> None:
    booth_id, people = await _room(fair_server)
    acks = [
        await people["de"].call(
            "chat:send", {"booth_id": booth_id, "phrase": {"id": "b.sample", "params": {}}}
        )
        for _ in range(16)
    ]
    limited = [a for a in acks if not a["ok"]]
    assert limited and all(
        a["error"]["code"] == "rate_limited" and a["error"]["retry_after"] > 0 for a in limited
    )


async def test_get_phrases(fair_server: Server) -> None:
    status, data = await fair_server.get("/api/phrases")
    assert status == 200
    assert len(data["languages"]) == 14 and "zh-Hant" in data["languages"]
    assert len(data["phrases"]) >= 40
    for p in data["phrases"]:
        assert p["role"] in ("buyer", "supplier") and set(p["text"]) == set(data["languages"])
        assert all(set(param) == {"name", "kind"} for param in p["params"])
    assert data["currencies"][0] == "USD" and "FOB" in data["incoterms"]


async def test_replay_carries_the_rendered_phrase(fair_server: Server) -> None:
    booth_id, people = await _room(fair_server)
    assert fair_server.app is not None
    # A live session as ingest would open it, so the message gets a stream offset.
    async with fair_server.app[FAIR].db.session() as s:
        sid = (await live.do_start_or_resume(s, booth_id, "rtmp", started_by=None)).session.id
    params = {"price": "6.8", "currency": "USD", "unit": "piece", "incoterm": "FOB", "port": "Shenzhen"}
    ack = await people["supplier"].call(
        "chat:send", {"booth_id": booth_id, "phrase": {"id": "s.price_incoterm", "params": params}}
    )
    assert ack["ok"], ack
    tok, _ = await fair_server.guest("Replay", "ar")
    status, detail = await fair_server.get(f"/api/sessions/{sid}", tok)
    assert status == 200, detail
    m = next(m for m in detail["chat"] if m["id"] == ack["message"]["id"])
    assert m["text"] == "السعر 6.80 USD لكل قطعة، FOB Shenzhen." and m["translated"] is True
    assert m["phrase"] == {"id": "s.price_incoterm", "params": {**params, "price": "6.80"}}
    assert m["original"] == "FOB Shenzhen价格为每件 6.80 USD。" and m["stream_offset_ms"] is not None
