"""Slow mode's per-node copy of each booth's setting: buyer messages do not read the database, a
change applies at once on the node that made it and, over Redis, on the others; without its
subscription a node keeps copies briefly only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from rooms.db import Database
from rooms.slow_mode import HEALTHY_TTL_S, OUTAGE_TTL_S, SlowModeStore
from server.keys import FAIR
from tests.fake_clock import FakeClock
from tests.support import Client, Server, database_from_template


async def _joined(s: Server, token: str, booth_id: int) -> Client:
    c = await s.client(token)
    join = await c.call("booth:join", {"booth_id": booth_id})
    assert join["ok"], join
    return c


async def _send(c: Client, booth_id: int, text: str) -> dict[str, object]:
    return dict(await c.call("chat:send", {"booth_id": booth_id, "text": text}))


async def test_buyer_messages_use_the_copy_and_a_change_replaces_it(fair_server: Server) -> None:
    s = fair_server
    assert s.app is not None
    store = s.app[FAIR].slow_mode
    stok, sup = await s.supplier()
    booth_id = sup["booth_id"]
    buyer = await _joined(s, (await s.guest("Ana", "en"))[0], booth_id)
    staff = await _joined(s, stok, booth_id)
    reads = store.reads
    for i in range(6):
        assert (await _send(buyer, booth_id, f"question {i}"))["ok"]
    assert store.reads - reads <= 1  # the join may have read it already; six messages, no more
    reads = store.reads
    assert (await staff.call("slow_mode:set", {"booth_id": booth_id, "seconds": 45}))["ok"]
    assert (await _send(buyer, booth_id, "first under slow mode"))["ok"]
    refused = await _send(buyer, booth_id, "second under slow mode")
    assert refused["error"]["code"] == "slow_mode", refused  # type: ignore[index]
    assert store.reads == reads  # the node that changed it knew the new value without asking


@pytest.mark.postgres
@pytest.mark.redis
async def test_a_change_on_node_a_holds_a_buyer_on_node_b_at_once(two_nodes: tuple[Server, Server]) -> None:
    a, b = two_nodes
    stok, sup = await a.supplier()
    booth_id = sup["booth_id"]
    on_b = await _joined(b, (await a.guest("Ana", "en"))[0], booth_id)
    staff = await _joined(a, stok, booth_id)
    # Node B has read the setting (off) and keeps it.
    for text in ("one", "two"):
        assert (await _send(on_b, booth_id, text))["ok"]
    assert (await staff.call("slow_mode:set", {"booth_id": booth_id, "seconds": 60}))["ok"]
    assert (await on_b.events.wait_for("booth:slow_mode"))["seconds"] == 60
    # Far within node B's copy's lifetime (30 s): only the push can have told it.
    assert (await _send(on_b, booth_id, "first under slow mode"))["ok"]
    refused = await _send(on_b, booth_id, "second under slow mode")
    assert refused["error"]["code"] == "slow_mode" and refused["error"]["seconds"] == 60, refused  # type: ignore[index]
    # And off again, at once.
    assert (await staff.call("slow_mode:set", {"booth_id": booth_id, "seconds": 0}))["ok"]
    await on_b.events.wait_for("booth:slow_mode", lambda e: e["seconds"] == 0)
    assert (await _send(on_b, booth_id, "free again"))["ok"]



@pytest.fixture
async def sqlite_db(templates: Callable[[str], str], tmp_path: Path) -> AsyncIterator[Database]:
    url, drop = await database_from_template("sqlite", await asyncio.to_thread(templates, "sqlite"), tmp_path)
    db = Database(url)
    try:
        yield db
    finally:
        await db.aclose()
        await drop()


async def test_copies_live_long_while_subscribed_and_briefly_without(sqlite_db: Database) -> None:
    clock = FakeClock()
    one_node = SlowModeStore(sqlite_db, clock=clock)  # no Redis: every change is made here
    for _ in range(5):
        assert await one_node.seconds(1) == 0
    assert one_node.reads == 1
    clock.now += HEALTHY_TTL_S - 1
    await one_node.seconds(1)
    assert one_node.reads == 1
    clock.now += 2
    await one_node.seconds(1)
    assert one_node.reads == 2

    # A node with Redis that is not (or no longer) subscribed: a change may be unheard of.
    cut_off = SlowModeStore(sqlite_db, redis=object(), clock=clock)  # type: ignore[arg-type]
    await cut_off.seconds(1)
    clock.now += OUTAGE_TTL_S / 2
    await cut_off.seconds(1)
    assert cut_off.reads == 1
    clock.now += OUTAGE_TTL_S
    await cut_off.seconds(1)
    assert cut_off.reads == 2
