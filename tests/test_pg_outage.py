"""The test's own PostgreSQL stopped under a live node and started again.

While it is down, everything that needs the database answers `unavailable` (socket ack) or
`503 {error: {code: "unavailable", retry_after}}` (HTTP): never `internal`, never a 500, never a
traceback per request. Nothing acked before the outage is lost, and once PostgreSQL is back the
node serves again by itself (its pool drops the dead connections and opens new ones): no restart.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from rooms.db import Database
from rooms.migrate import upgrade
from rooms.seed import seed_demo
from server import events
from tests.fault_nodes import Node, OwnPostgres, history

pytestmark = pytest.mark.postgres

SLUG = "valencia-ceramica"


@pytest.fixture
async def pg(tmp_path: Path) -> AsyncIterator[OwnPostgres]:
    own = OwnPostgres(tmp_path)
    try:
        await own.init()
        await own.admin("CREATE DATABASE boothcast")
        await upgrade(own.url("boothcast"))
        db = Database(own.url("boothcast"))
        await seed_demo(db)
        await db.aclose()
        yield own
    finally:
        await own.destroy()


def _unavailable(ack: dict[str, Any]) -> bool:
    err = ack.get("error") or {}
    return ack.get("ok") is False and err.get("code") == "unavailable" and err.get("retry_after", 0) > 0


async def test_postgres_stopped_and_started_clear_errors_nothing_lost_recovers(
    pg: OwnPostgres, tmp_path: Path, models_dir: Path
) -> None:
    node = Node.make(tmp_path, "n", models_dir, pg.url("boothcast"), "pgout-" + uuid.uuid4().hex * 2)
    try:
        await node.start()
        s = node.s
        booth_id = await s.booth_id(SLUG)
        other_booth = await s.booth_id("shenzhen-brightway-led")
        sup_token, _ = await s.supplier(SLUG)
        buyer_token, _ = await s.guest("Ana", "es")
        buyer = await s.client(buyer_token)
        assert (await buyer.call(events.BOOTH_JOIN, {"booth_id": booth_id}))["ok"]
        acked: dict[int, int] = {}
        leads: set[int] = set()
        for i in range(10):
            ack = await buyer.call(events.CHAT_SEND, {"booth_id": booth_id, "text": f"before {i}"})
            assert ack["ok"], ack
            acked[int(ack["message"]["id"])] = int(ack["message"]["seq"])
        ack = await buyer.call(events.INQUIRY_SUBMIT, {"booth_id": booth_id, "message": "price for 500?",
                                                      "email": "ana@example.es", "consent": True})  # fmt: skip
        assert ack["ok"], ack
        leads.add(int(ack["lead"]["id"]))

        # PostgreSQL crashes (no shutdown checkpoint) while two buyers send back to back: every
        # send is acked until the crash, then answered `unavailable`.
        async def burst(tag: str) -> None:
            c = await s.client((await s.guest(tag, "en"))[0])
            assert (await c.call(events.BOOTH_JOIN, {"booth_id": booth_id}))["ok"]
            for i in range(100_000):
                ack = await c.call(events.CHAT_SEND, {"booth_id": booth_id, "text": f"{tag} {i}",
                                                      "client_id": f"{tag}-{i}"})  # fmt: skip
                if not ack["ok"]:
                    assert _unavailable(ack), ack
                    return
                acked[int(ack["message"]["id"])] = int(ack["message"]["seq"])
                if len(acked) == 60:
                    crash.set()

        crash = asyncio.Event()
        senders = [asyncio.create_task(burst(t)) for t in ("x", "y")]
        await asyncio.wait_for(crash.wait(), 60)
        await pg.stop("immediate")
        await asyncio.wait_for(asyncio.gather(*senders), 60)

        # During the outage: clear answers, the same on every try, the socket stays open.
        for i in range(3):
            ack = await buyer.call(events.CHAT_SEND, {"booth_id": booth_id, "text": f"during {i}"})
            assert _unavailable(ack), ack
        ack = await buyer.call(events.BOOTH_JOIN, {"booth_id": other_booth})
        assert ack["ok"] or _unavailable(ack), ack
        ack = await buyer.call(events.INQUIRY_SUBMIT, {"booth_id": booth_id, "message": "again?",
                                                      "email": "ana@example.es", "consent": True})  # fmt: skip
        assert _unavailable(ack), ack
        ack = await buyer.call(events.CHAT_HISTORY, {"booth_id": booth_id, "after_seq": 0})
        assert _unavailable(ack), ack
        status, body = await s.post("/api/auth/guest", {"display_name": "Bo", "lang": "en"})
        assert status == 503 and body["error"]["code"] == "unavailable", (status, body)
        assert body["error"]["retry_after"] > 0
        status, body = await s.get("/api/booths")
        assert status in (200, 503), (status, body)
        if status == 503:
            assert body["error"]["code"] == "unavailable", body
        status, body = await s.get(f"/api/booths/{booth_id}/leads", sup_token)
        assert status == 503 and body["error"]["code"] == "unavailable", (status, body)
        assert buyer.sio.connected
        status, _ = await s.get("/healthz")
        assert status == 200  # the process is alive; /readyz is the one that says "not ready"
        status, body = await s.get("/readyz")
        assert status == 503, (status, body)

        await pg.start()

        # The node serves again by itself: the first sends may still meet a dead connection.
        async def recovered() -> dict[str, Any]:
            while True:
                ack = await buyer.call(events.CHAT_SEND, {"booth_id": booth_id, "text": "after"})
                if ack["ok"]:
                    return dict(ack)
                assert _unavailable(ack), ack
                await asyncio.sleep(ack["error"]["retry_after"])  # as the server says

        ack = await asyncio.wait_for(recovered(), 60)
        acked[int(ack["message"]["id"])] = int(ack["message"]["seq"])
        for i in range(5):
            ack = await buyer.call(events.CHAT_SEND, {"booth_id": booth_id, "text": f"after {i}"})
            assert ack["ok"], ack
            acked[int(ack["message"]["id"])] = int(ack["message"]["seq"])
        ack = await buyer.call(events.INQUIRY_SUBMIT, {"booth_id": booth_id, "message": "and now?",
                                                      "email": "ana@example.es", "consent": True})  # fmt: skip
        assert ack["ok"], ack
        leads.add(int(ack["lead"]["id"]))
        tok, _ = await s.guest("Bo", "en")
        assert tok

        # Nothing acked was lost; no seq twice.
        stored = await history(buyer, booth_id)
        by_id = {int(m["id"]): int(m["seq"]) for m in stored}
        assert all(by_id.get(i) == seq for i, seq in acked.items()), (acked, by_id)
        assert len({m["seq"] for m in stored}) == len(stored)
        status, body = await s.get(f"/api/booths/{booth_id}/leads", sup_token)
        assert status == 200, body
        assert leads <= {int(x["id"]) for x in body["leads"]}
    finally:
        await node.stop()

    text = node.log_text()
    assert "socket handler failed" not in text
    assert "HTTP handler failed" not in text
    assert "Task exception was never retrieved" not in text
    # An outage is logged in a few lines (background loops once per outage), not a stack per request.
    errors = [line for line in text.splitlines() if " ERROR " in line]
    assert len(errors) <= 2, errors
    assert text.count("server.outage") <= 10
