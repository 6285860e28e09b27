"""Chat through real sockets, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.support import Client, Server


async def _pair(s: Server, *, buyer_lang: str = "es") -> tuple[int, object, object]:
    tok, _ = await s.guest("Ana", buyer_lang, company="Ferreterías Ana", country="ES")
    stok, sup = await s.supplier()
    buyer, staff = await s.client(tok), await s.client(stok)
    booth_id = sup["booth_id"]
    assert (await buyer.call("booth:join", {"booth_id": booth_id}))["ok"]
    assert (await staff.call("booth:join", {"booth_id": booth_id}))["ok"]
    return booth_id, buyer, staff


async def test_message_is_committed_before_ack_and_reaches_everyone(fair_server: Server) -> None:
    booth_id, buyer, staff = await _pair(fair_server)
    ack = await buyer.call("chat:send", {"booth_id": booth_id, "text": "Hola, ¿cuál es el MOQ?", "client_id": "c1"})
    assert ack["ok"] is True and ack["message"]["seq"] >= 1
    # Committed before the ack: a newcomer's history already has it.
    tok, _ = await fair_server.guest("Late", "es")
    late = await fair_server.client(tok)
    join = await late.call("booth:join", {"booth_id": booth_id})
    assert [m["id"] for m in join["history"]] == [ack["message"]["id"]]
    got = await staff.wait_message(lambda m: m["id"] == ack["message"]["id"])
    assert got["original"] == "Hola, ¿cuál es el MOQ?"
    assert got["source_lang"] == "es" and got["author"]["display_name"] == "Ana"
    assert got["author"]["role"] == "buyer" and got["client_id"] == "c1"
    assert set(got) >= {"id", "seq", "booth_id", "author", "source_lang", "text", "original", "translated", "created_at"}
    mine = await buyer.wait_message(lambda m: m["id"] == ack["message"]["id"])
    assert mine["text"] == mine["original"] and mine["translated"] is False


async def test_seq_strictly_increases_under_concurrent_senders(fair_server: Server) -> None:
    booth_id, buyer, staff = await _pair(fair_server)
    tok2, _ = await fair_server.guest("Bo", "en")
    other = await fair_server.client(tok2)
    assert (await other.call("booth:join", {"booth_id": booth_id}))["ok"]
    sends = [buyer.call("chat:send", {"booth_id": booth_id, "text": f"a{i}"}) for i in range(5)]
    sends += [other.call("chat:send", {"booth_id": booth_id, "text": f"b{i}"}) for i in range(5)]
    sends += [staff.call("chat:send", {"booth_id": booth_id, "text": f"c{i}"}) for i in range(5)]
    acks = await asyncio.gather(*sends)
    assert all(a["ok"] for a in acks), acks
    seqs = sorted(a["message"]["seq"] for a in acks)
    assert seqs == list(range(seqs[0], seqs[0] + 15))
    await staff.wait_message(lambda m: m["seq"] == seqs[-1])
    await asyncio.wait_for(_until(staff, lambda: len(staff.messages()) == 15), 10)
    received = [m["seq"] for m in staff.messages()]
    assert sorted(received) == seqs


async def _until(client: Client, cond: Callable[[], bool]) -> None:
    """Wait until `cond()` holds, re-checking whenever the client receives an event."""
    while not cond():
        client.events.changed.clear()
        await client.events.changed.wait()


@pytest.mark.parametrize("fair_server", [{"chat_rate_limit": 0}], indirect=True)
async def test_history_is_last_50_oldest_first_in_joiners_language(fair_server: Server) -> None:
    booth_id, _buyer, staff = await _pair(fair_server)
    for i in range(55):
        ack = await staff.call("chat:send", {"booth_id": booth_id, "text": f"消息 {i}"})
        assert ack["ok"], ack
    tok, _ = await fair_server.guest("Zed", "en")
    late = await fair_server.client(tok)
    join = await late.call("booth:join", {"booth_id": booth_id})
    hist = join["history"]
    assert len(hist) == 50
    assert [m["seq"] for m in hist] == sorted(m["seq"] for m in hist)
    assert hist[-1]["original"] == "消息 54" and hist[0]["original"] == "消息 5"
    assert all("text" in m and "translated" in m for m in hist)


@pytest.mark.parametrize("fair_server", [{"chat_rate_limit": 30, "chat_burst": 5}], indirect=True)
async def test_rate_limit_answers_rate_limited_with_retry_after(fair_server: Server) -> None:
    booth_id, buyer, _ = await _pair(fair_server)
    acks = [await buyer.call("chat:send", {"booth_id": booth_id, "text": f"m{i}"}) for i in range(6)]
    assert all(a["ok"] for a in acks[:5])
    assert acks[5]["ok"] is False and acks[5]["error"]["code"] == "rate_limited"
    assert 0 < acks[5]["error"]["retry_after"] <= 2.0
    assert buyer.sio.connected


@pytest.mark.parametrize("fair_server", [{"chat_rate_limit": 0}], indirect=True)
async def test_rate_limit_zero_disables_it(fair_server: Server) -> None:
    booth_id, buyer, _ = await _pair(fair_server)
    acks = [await buyer.call("chat:send", {"booth_id": booth_id, "text": f"m{i}"}) for i in range(30)]
    assert all(a["ok"] for a in acks)


async def test_too_long_and_empty_messages(fair_server: Server) -> None:
    booth_id, buyer, _ = await _pair(fair_server)
    ack = await buyer.call("chat:send", {"booth_id": booth_id, "text": "x" * 2001})
    assert ack["error"]["code"] == "too_long"
    ack = await buyer.call("chat:send", {"booth_id": booth_id, "text": "y" * 900_000})
    assert ack["error"]["code"] == "too_long" and buyer.sio.connected
    ack = await buyer.call("chat:send", {"booth_id": booth_id, "text": "   "})
    assert ack["error"]["code"] == "bad_request"
    assert (await buyer.call("chat:send", {"booth_id": booth_id, "text": "x" * 2000}))["ok"]


async def test_send_without_join_is_forbidden(fair_server: Server) -> None:
    tok, _ = await fair_server.guest()
    c = await fair_server.client(tok)
    booth_id = await fair_server.booth_id("valencia-ceramica")
    ack = await c.call("chat:send", {"booth_id": booth_id, "text": "hola"})
    assert ack["error"]["code"] == "forbidden"


async def test_leave_stops_delivery_and_unknown_booth_is_not_found(fair_server: Server) -> None:
    booth_id, buyer, staff = await _pair(fair_server)
    assert (await buyer.call("booth:leave", {"booth_id": booth_id}))["ok"]
    ack = await staff.call("chat:send", {"booth_id": booth_id, "text": "还在吗"})
    await staff.wait_message(lambda m: m["id"] == ack["message"]["id"])
    assert all(m["id"] != ack["message"]["id"] for m in buyer.messages())
    assert (await buyer.call("booth:join", {"booth_id": 999999}))["error"]["code"] == "not_found"


async def test_client_id_makes_a_resend_idempotent(fair_server: Server) -> None:
    booth_id, buyer, _ = await _pair(fair_server)
    a = await buyer.call("chat:send", {"booth_id": booth_id, "text": "hola", "client_id": "same"})
    b = await buyer.call("chat:send", {"booth_id": booth_id, "text": "hola", "client_id": "same"})
    assert a["message"] == b["message"]


async def test_batch_clients_get_chat_batch_in_seq_order(fair_server: Server) -> None:
    tok, _ = await fair_server.guest("Batcher", "zh")
    stok, sup = await fair_server.supplier()
    booth_id = sup["booth_id"]
    viewer = await fair_server.client(tok, batch=True)
    staff = await fair_server.client(stok)
    assert (await viewer.call("booth:join", {"booth_id": booth_id}))["ok"]
    assert (await staff.call("booth:join", {"booth_id": booth_id}))["ok"]
    acks = await asyncio.gather(*[staff.call("chat:send", {"booth_id": booth_id, "text": f"第{i}条"}) for i in range(8)])
    last = max(a["message"]["seq"] for a in acks)
    await viewer.wait_message(lambda m: m["seq"] == last)
    await asyncio.wait_for(_until(viewer, lambda: len(viewer.messages()) == 8), 10)
    assert viewer.events.of("chat:message") == []
    batches = viewer.events.of("chat:batch")
    assert batches and all(b["booth_id"] == booth_id for b in batches)
    for b in batches:
        seqs = [m["seq"] for m in b["messages"]]
        assert seqs == sorted(seqs)
    assert sorted(m["seq"] for m in viewer.messages()) == sorted(a["message"]["seq"] for a in acks)


async def test_names_and_text_are_plain_text(fair_server: Server) -> None:
    tok, user = await fair_server.guest("<img src=x onerror=alert(1)>", "es")
    assert user["display_name"] == "<img src=x onerror=alert(1)>"
    stok, sup = await fair_server.supplier()
    buyer, staff = await fair_server.client(tok), await fair_server.client(stok)
    booth_id = sup["booth_id"]
    await buyer.call("booth:join", {"booth_id": booth_id})
    await staff.call("booth:join", {"booth_id": booth_id})
    ack = await buyer.call("chat:send", {"booth_id": booth_id, "text": "<script>alert(1)</script>"})
    m = await staff.wait_message(lambda m: m["id"] == ack["message"]["id"])
    assert m["original"] == "<script>alert(1)</script>"
    assert m["author"]["display_name"] == "<img src=x onerror=alert(1)>"


async def test_preview_returns_what_each_language_sees(fair_server: Server) -> None:
    booth_id, _buyer, staff = await _pair(fair_server)
    ack = await staff.call("chat:preview", {"booth_id": booth_id, "text": "最小起订量是500件"})
    assert ack["ok"] and ack["source_lang"] == "zh"
    assert set(ack["translations"]) == {"es"}
    assert "500" in ack["translations"]["es"]["text"]


async def test_preview_covers_a_buyer_who_wrote_and_stepped_out(fair_server: Server) -> None:
    """The supplier answers an English buyer who asked and left the booth a moment ago: the
    preview still shows what that buyer will read (a user try saw "no other languages")."""
    s = fair_server
    stok, sup = await s.supplier("shenzhen-brightway-led")
    booth_id = sup["booth_id"]
    staff = await s.client(stok)
    assert (await staff.call("booth:join", {"booth_id": booth_id}))["ok"]
    btok, _ = await s.guest("Tom", "en")
    buyer = await s.client(btok)
    assert (await buyer.call("booth:join", {"booth_id": booth_id}))["ok"]
    assert (await buyer.call("chat:send", {"booth_id": booth_id, "text": "What is the MOQ for the panel?"}))["ok"]
    assert (await buyer.call("booth:leave", {"booth_id": booth_id}))["ok"]
    ack = await staff.call("chat:preview", {"booth_id": booth_id, "text": "最小起订量是500件"})
    assert ack["ok"] and "en" in ack["translations"], ack
    assert "500" in ack["translations"]["en"]["text"]


async def test_only_the_booths_own_staff_are_marked_staff(fair_server: Server) -> None:
    """A supplier of another booth chats here as a visitor: pages badge the exhibitor by `staff`,
    so a competitor (or a phisher with a supplier account) cannot pass for them."""
    s = fair_server
    own_tok, own = await s.supplier("shenzhen-brightway-led")
    other_tok, _ = await s.supplier("foshan-comfort-seating")
    buyer_tok, _ = await s.guest("Ana", "en")
    booth_id = own["booth_id"]
    own_c, other_c, buyer = await s.client(own_tok), await s.client(other_tok), await s.client(buyer_tok)
    for c in (own_c, other_c, buyer):
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    assert (await own_c.call("chat:send", {"booth_id": booth_id, "text": "欢迎光临"}))["ok"]
    assert (await other_c.call("chat:send", {"booth_id": booth_id, "text": "Official: send the deposit to us"}))["ok"]
    live = [await buyer.events.wait_for("chat:message", lambda m, t=t: m["original"] == t)
            for t in ("欢迎光临", "Official: send the deposit to us")]  # fmt: skip
    assert [(m["author"]["role"], m["author"]["staff"]) for m in live] == [("supplier", True), ("supplier", False)]
    later, _ = await s.guest("Bo", "en")
    history = (await (await s.client(later)).call("booth:join", {"booth_id": booth_id}))["history"]
    assert [(m["author"]["role"], m["author"]["staff"]) for m in history[-2:]] == [("supplier", True), ("supplier", False)]
