"""Two server processes sharing the local Redis and PostgreSQL serve one fair."""

from __future__ import annotations

import asyncio

import pytest

from tests.support import Client, Server

pytestmark = [pytest.mark.postgres, pytest.mark.redis]



async def test_buyer_on_a_and_supplier_on_b_share_one_booth(two_nodes: tuple[Server, Server]) -> None:
    a, b = two_nodes
    btok, _ = await a.guest("Ana", "es")
    stok, sup = await b.supplier()
    booth_id = sup["booth_id"]
    buyer, staff = await a.client(btok), await b.client(stok)
    assert (await staff.call("booth:join", {"booth_id": booth_id}))["ok"]
    assert (await buyer.call("booth:join", {"booth_id": booth_id}))["ok"]

    # Viewer counts are the sum over both nodes (the audience: the supplier is not counted).
    await staff.events.wait_for("presence:update", lambda d: d["viewers"] == 1)
    vtok, _ = await a.guest("Bob", "en")
    viewer = await a.client(vtok)
    assert (await viewer.call("booth:join", {"booth_id": booth_id}))["ok"]
    up = await staff.events.wait_for("presence:update", lambda d: d["viewers"] == 2)
    assert up["languages"] == {"es": 1, "en": 1}

    sent = await buyer.call("chat:send", {"booth_id": booth_id, "text": "Hola desde el nodo A"})
    got = await staff.wait_message(lambda m: m["id"] == sent["message"]["id"])
    assert got["original"] == "Hola desde el nodo A"
    reply = await staff.call("chat:send", {"booth_id": booth_id, "text": "你好，来自B节点"})
    back = await buyer.wait_message(lambda m: m["id"] == reply["message"]["id"])
    assert back["original"] == "你好，来自B节点" and back["seq"] == sent["message"]["seq"] + 1

    lead = await buyer.call("inquiry:submit", {"booth_id": booth_id, "message": "Cotización por favor",
                                               "email": "ana@x.es", "consent": True})  # fmt: skip
    pushed = await staff.events.wait_for("lead:new", lambda d: d["id"] == lead["lead"]["id"])
    assert pushed["buyer"]["email"] == "ana@x.es"

    await viewer.close()
    await staff.events.wait_for("presence:update", lambda d: d["viewers"] == 1)


async def test_a_ban_on_b_disconnects_the_user_on_a_at_once(two_nodes: tuple[Server, Server]) -> None:
    a, b = two_nodes
    tok, user = await a.guest("Troll", "en")
    mtok, _ = await b.moderator()
    troll, mod = await a.client(tok), await b.client(mtok)
    assert (await mod.call("mod:ban", {"user_id": user["id"], "reason": "spam"}))["ok"]
    # Node A learns of the ban from B without the troll sending anything first.
    got = await troll.events.wait_for("user:banned")
    assert got == {"reason": "spam"}
    await troll.events.wait_for("disconnect")
    assert not troll.sio.connected
    status, body = await a.get("/api/me", tok)
    assert status == 403 and body["error"]["code"] == "banned"


async def test_bursts_on_both_nodes_share_one_gapless_seq(two_nodes: tuple[Server, Server]) -> None:
    a, b = two_nodes
    stok, sup = await b.supplier()
    booth_id = sup["booth_id"]
    btok, _ = await a.guest("Ana", "zh")
    buyer, staff = await a.client(btok, batch=True), await b.client(stok)
    for c in (buyer, staff):
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    # Both nodes group-commit their own burst into the same booth row at the same time.
    sends = [buyer.call("chat:send", {"booth_id": booth_id, "text": f"A{i}"}) for i in range(30)]
    sends += [staff.call("chat:send", {"booth_id": booth_id, "text": f"B{i}"}) for i in range(30)]
    acks = await asyncio.gather(*sends)
    assert all(x["ok"] for x in acks), acks
    seqs = sorted(x["message"]["seq"] for x in acks)
    assert seqs == list(range(seqs[0], seqs[0] + 60))
    for sent in (acks[:30], acks[30:]):
        mine = [x["message"]["seq"] for x in sent]
        assert mine == sorted(mine), "a sender's messages keep the order they were sent in"
    for c in (buyer, staff):
        await c.wait_message(lambda m: m["seq"] == seqs[-1])
        await asyncio.wait_for(_until_received(c, 60), 10)
        got = c.messages()
        assert sorted(m["seq"] for m in got) == seqs
        # Each node fans out its own commits in order; across nodes clients order by seq.
        for prefix in ("A", "B"):
            from_node = [m["seq"] for m in got if m["original"].startswith(prefix)]
            assert from_node == sorted(from_node)
    for batch in buyer.events.of("chat:batch"):
        assert [m["seq"] for m in batch["messages"]] == sorted(m["seq"] for m in batch["messages"])


async def _until_received(client: Client, n: int) -> None:
    while len(client.messages()) < n:
        client.events.changed.clear()
        await client.events.changed.wait()
