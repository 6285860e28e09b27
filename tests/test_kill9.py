"""kill -9 of a node mid-burst: every acked chat message and lead is stored, no seq twice.

Real `boothcast serve` processes, real Socket.IO clients sending chat messages and inquiries as
fast as their acks come back. The node is SIGKILLed while sends are in flight and started again on
the same data dir (SQLite) or database (PostgreSQL, two nodes and Redis, one killed). Afterwards
every message whose ack said `ok` is found by `chat:history` with the seq its ack gave, every
acked lead by the leads API, and no seq belongs to two messages. Sends cut off by the kill have no
promise: they may or may not be stored.

What an ack guarantees on each backend: docs/architecture.md, *Durability*.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from server import events
from tests.fault_nodes import Node, history
from tests.support import REDIS_URL, Client, Server, database_from_template

SENDERS = 4  # buyers per node, each sending messages and inquiries back to back
KILL_AFTER = 60  # acked messages on the victim before it is killed (per round)
SLUG = "valencia-ceramica"


@dataclass
class Acked:
    messages: dict[int, int] = field(default_factory=dict)  # message id -> seq from its ack
    leads: set[int] = field(default_factory=set)
    progress: asyncio.Event = field(default_factory=asyncio.Event)


async def _burst(client: Client, booth_id: int, tag: str, acked: Acked, count: Callable[[], None]) -> None:
    """Sends until the connection dies: a chat message, and every third turn an inquiry."""
    n = 0
    while client.sio.connected:
        n += 1
        try:
            ack = await client.call(events.CHAT_SEND, {"booth_id": booth_id, "text": f"{tag} {n}",
                                                       "client_id": f"{tag}-{n}"}, timeout=10)  # fmt: skip
            if not ack.get("ok"):
                return  # an error ack: the node is going away
            acked.messages[int(ack["message"]["id"])] = int(ack["message"]["seq"])
            count()
            if n % 3 == 0:
                ack = await client.call(events.INQUIRY_SUBMIT, {
                    "booth_id": booth_id, "message": f"{tag} quote {n}", "email": "buyer@example.com",
                    "consent": True, "quantity": n}, timeout=10)  # fmt: skip
                if not ack.get("ok"):
                    return
                acked.leads.add(int(ack["lead"]["id"]))
        except Exception:  # the kill: a timeout or a disconnect, never an ack
            return


async def _buyers(server: Server, booth_id: int, prefix: str) -> list[Client]:
    out = []
    for i in range(SENDERS):
        tok, _ = await server.guest(f"{prefix}{i}", "en")
        c = await server.client(tok)
        assert (await c.call(events.BOOTH_JOIN, {"booth_id": booth_id}))["ok"]
        out.append(c)
    return out


async def _kill_mid_burst(victim: Node, others: list[Node], booth_id: int, acked: Acked, round_: int) -> None:
    """Buyers on every node send; after KILL_AFTER acks on the victim it is SIGKILLed."""
    on_victim = 0
    enough = asyncio.Event()

    def count_victim() -> None:
        nonlocal on_victim
        on_victim += 1
        if on_victim >= KILL_AFTER:
            enough.set()

    tasks = [asyncio.create_task(_burst(c, booth_id, f"r{round_}v{i}", acked, count_victim))
             for i, c in enumerate(await _buyers(victim.s, booth_id, f"v{round_}-"))]  # fmt: skip
    for k, node in enumerate(others):
        tasks += [asyncio.create_task(_burst(c, booth_id, f"r{round_}o{k}-{i}", acked, lambda: None))
                  for i, c in enumerate(await _buyers(node.s, booth_id, f"o{round_}{k}-"))]  # fmt: skip
    await asyncio.wait_for(enough.wait(), 60)
    victim.kill9()  # sends are in flight: some acked, some cut off
    await asyncio.wait_for(asyncio.gather(*tasks[:SENDERS]), 30)
    for node in others:  # the survivors keep taking messages for a moment, then stop
        for c in node.s.clients:
            await c.close()
    await asyncio.wait_for(asyncio.gather(*tasks), 30)
    victim.s.clients.clear()


async def _check(reader_node: Node, booth_id: int, acked: Acked) -> None:
    sup_token, _ = await reader_node.s.supplier(SLUG)
    reader = await reader_node.s.client(sup_token)
    assert (await reader.call(events.BOOTH_JOIN, {"booth_id": booth_id}))["ok"]
    stored = await history(reader, booth_id)
    by_id = {int(m["id"]): int(m["seq"]) for m in stored}
    seqs = [int(m["seq"]) for m in stored]
    assert len(seqs) == len(set(seqs)), "a seq was given to two messages"
    missing = {i: s for i, s in acked.messages.items() if by_id.get(i) != s}
    assert not missing, (
        f"{len(missing)} of {len(acked.messages)} acked messages lost: {list(missing.items())[:5]}"
    )
    status, body = await reader_node.s.get(f"/api/booths/{booth_id}/leads", sup_token)
    assert status == 200, body
    lead_ids = {int(x["id"]) for x in body["leads"]}
    assert acked.leads <= lead_ids, f"acked leads lost: {sorted(acked.leads - lead_ids)[:5]}"
    await reader.close()


def _clean_logs(nodes: list[Node]) -> None:
    for node in nodes:
        text = node.log_text()
        assert "Task exception was never retrieved" not in text, node.log_path
        assert "database disk image is malformed" not in text, node.log_path


async def test_sqlite_kill9_mid_burst_keeps_every_acked_message_and_lead(
    templates: Callable[[str], str], tmp_path: Path, models_dir: Path
) -> None:
    template = await asyncio.to_thread(templates, "sqlite")
    node = Node.make(tmp_path, "solo", models_dir, "", "kill9-" + uuid.uuid4().hex * 2)
    shutil.copy(template, node.data_dir / "boothcast.db")  # DATABASE_URL "" = SQLite in the data dir
    acked = Acked()
    try:
        await node.start()
        booth_id = await node.s.booth_id(SLUG)
        for round_ in range(2):
            await _kill_mid_burst(node, [], booth_id, acked, round_)
            await node.start()  # the same data dir: SQLite recovers its WAL
            await _check(node, booth_id, acked)
        assert len(acked.messages) >= 2 * KILL_AFTER and acked.leads
    finally:
        await node.stop()
    _clean_logs([node])


@pytest.mark.postgres
@pytest.mark.redis
async def test_postgres_two_nodes_one_killed_keeps_every_acked_message_and_lead(
    templates: Callable[[str], str], tmp_path: Path, models_dir: Path
) -> None:
    url, drop = await database_from_template(
        "postgres", await asyncio.to_thread(templates, "postgres"), tmp_path
    )
    secret = "kill9pg-" + uuid.uuid4().hex * 2
    env = {"REDIS_URL": REDIS_URL, "BOOTHCAST_REDIS_PREFIX": "bck9-" + uuid.uuid4().hex[:12]}
    a = Node.make(tmp_path, "a", models_dir, url, secret, env)
    b = Node.make(tmp_path, "b", models_dir, url, secret, env)
    acked = Acked()
    try:
        await a.start()
        await b.start()
        booth_id = await a.s.booth_id(SLUG)
        await _kill_mid_burst(a, [b], booth_id, acked, 0)
        assert any(s for i, s in acked.messages.items()), acked
        await _check(b, booth_id, acked)  # the survivor sees everything the dead node acked
        await a.start()
        await _check(a, booth_id, acked)
    finally:
        await a.stop()
        await b.stop()
        await drop()
    _clean_logs([a, b])
