"""Slow mode per booth through real sockets: who may set it, who it holds back, and one buyer's
turn shared by two server processes over Redis."""

from __future__ import annotations

import pytest

from tests.support import Client, Server

OTHER_BOOTH = "valencia-ceramica"


async def _joined(s: Server, token: str, booth_id: int) -> Client:
    c = await s.client(token)
    join = await c.call("booth:join", {"booth_id": booth_id})
    assert join["ok"], join
    return c


async def test_buyers_wait_staff_and_moderators_do_not(fair_server: Server) -> None:
    s = fair_server
    mtok, _ = await s.moderator()
    stok, sup = await s.supplier()
    btok, _ = await s.guest("Ana", "en")
    booth_id, other = sup["booth_id"], await s.booth_id(OTHER_BOOTH)
    buyer, staff, mod = [await _joined(s, t, booth_id) for t in (btok, stok, mtok)]
    assert (await buyer.call("booth:join", {"booth_id": other}))["ok"]

    ack = await mod.call("slow_mode:set", {"booth_id": booth_id, "seconds": 30})
    assert ack == {"ok": True, "booth_id": booth_id, "seconds": 30}
    assert await buyer.events.wait_for("booth:slow_mode") == {"booth_id": booth_id, "seconds": 30}
    late = await _joined(s, (await s.guest("Late", "es"))[0], booth_id)
    assert (await late.call("booth:join", {"booth_id": booth_id}))["slow_mode"] == 30

    send = {"booth_id": booth_id, "text": "first question"}
    assert (await buyer.call("chat:send", send))["ok"]
    refused = await buyer.call("chat:send", {"booth_id": booth_id, "text": "second question"})
    err = refused["error"]
    assert refused["ok"] is False and err["code"] == "slow_mode" and err["seconds"] == 30, refused
    assert 0 < err["retry_after"] <= 30
    # Another booth, another buyer, the booth's staff and the moderators are not held back.
    assert (await buyer.call("chat:send", {"booth_id": other, "text": "hello there"}))["ok"]
    assert (await late.call("chat:send", {"booth_id": booth_id, "text": "me too"}))["ok"]
    for c in (staff, staff, mod, mod):
        assert (await c.call("chat:send", {"booth_id": booth_id, "text": "answer"}))["ok"]

    # Off again: the buyer may send at once.
    assert (await staff.call("slow_mode:set", {"booth_id": booth_id, "seconds": 0}))["seconds"] == 0
    assert (await buyer.call("chat:send", {"booth_id": booth_id, "text": "third question"}))["ok"]
    _, audit = await s.get("/api/moderation/audit", mtok)
    assert [e["detail"] for e in audit["entries"] if e["action"] == "slow_mode"][:2] == ["off", "30 s"]


async def test_who_may_set_slow_mode(fair_server: Server) -> None:
    s = fair_server
    stok, sup = await s.supplier()
    btok, _ = await s.guest("Ana", "en")
    booth_id, other = sup["booth_id"], await s.booth_id(OTHER_BOOTH)
    buyer, staff = await s.client(btok), await s.client(stok)
    assert (await buyer.call("slow_mode:set", {"booth_id": booth_id, "seconds": 10}))["error"]["code"] == "forbidden"
    assert (await staff.call("slow_mode:set", {"booth_id": other, "seconds": 10}))["error"]["code"] == "forbidden"
    for bad in ({"booth_id": booth_id, "seconds": 601}, {"booth_id": booth_id, "seconds": -1},
                {"booth_id": booth_id, "seconds": "10"}, {"booth_id": booth_id}):  # fmt: skip
        assert (await staff.call("slow_mode:set", bad))["error"]["code"] == "bad_request", bad
    assert (await staff.call("slow_mode:set", {"booth_id": booth_id, "seconds": 600}))["ok"]



@pytest.mark.postgres
@pytest.mark.redis
async def test_one_turn_across_two_nodes(two_nodes: tuple[Server, Server]) -> None:
    a, b = two_nodes
    stok, sup = await a.supplier()
    btok, _ = await a.guest("Ana", "en")
    booth_id = sup["booth_id"]
    on_a, on_b = await _joined(a, btok, booth_id), await _joined(b, btok, booth_id)
    staff = await _joined(a, stok, booth_id)
    assert (await staff.call("slow_mode:set", {"booth_id": booth_id, "seconds": 60}))["ok"]
    # Announced to the booth on the other node too, and node B enforces the new setting.
    assert (await on_b.events.wait_for("booth:slow_mode"))["seconds"] == 60
    assert (await on_a.call("chat:send", {"booth_id": booth_id, "text": "from node A"}))["ok"]
    refused = await on_b.call("chat:send", {"booth_id": booth_id, "text": "and from node B"})
    assert refused["error"]["code"] == "slow_mode" and refused["error"]["retry_after"] > 30, refused
