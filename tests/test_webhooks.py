"""CRM webhooks: leads reach a real local receiver through its outages, signed, at least once.

The receiver (tests/webhook_receiver.py) is a real aiohttp server on an ephemeral port: first
nothing listens there, then it answers too slowly, then with 500, then properly. Every lead
still arrives, each verified by its signature the way docs/protocol.md tells a CRM to verify it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from rooms import demo_fair, outbox
from rooms.db import Database
from rooms.models import Booth, OutboxEvent, Webhook, WebhookDelivery
from rooms.outbox import RetryPolicy, signature
from tests.support import REDIS_URL, Server, database_from_template, node_processes
from tests.webhook_receiver import (
    FAST,
    FAST_ENV,
    Received,
    Receiver,
    buyer_in_booth,
    deliveries,
    eventually,
    inquire,
    verify,
)


@pytest.mark.parametrize("fair_server", [FAST], indirect=True)
async def test_receiver_down_slow_failing_then_up_gets_every_lead(fair_server: Server) -> None:
    s = fair_server
    stok, sup = await s.supplier()
    booth_id = sup["booth_id"]
    receiver = Receiver()
    status, data = await s.post(f"/api/booths/{booth_id}/webhooks", {"url": receiver.url}, stok)
    assert status == 201, data
    hook = data["webhook"]
    secret = hook["secret"]
    assert secret.startswith("whsec_") and hook["events"] == ["lead.created", "lead.updated"]
    buyer = await buyer_in_booth(s, booth_id)
    try:
        # Down: nothing listens on the port. The leads are committed all the same.
        lead_ids = [await inquire(buyer, booth_id, f"Necesito {n} rollos") for n in (100, 200, 300)]

        async def refused() -> bool:
            rows = await deliveries(s, stok, hook["id"])
            return len(rows) == 3 and all(r["attempts"] >= 1 and r["last_error"] for r in rows)

        await eventually(refused)
        rows = await deliveries(s, stok, hook["id"])
        assert {r["status"] for r in rows} == {"pending"} and all(r["next_attempt_at"] for r in rows)

        # Slow: the receiver takes the request but answers long after the sender's timeout.
        receiver.mode = "slow"
        await receiver.start()
        await receiver.wait_for(lambda rs: any(r.mode == "slow" for r in rs))

        async def timed_out() -> bool:
            return any(
                "no answer within" in (r["last_error"] or "") for r in await deliveries(s, stok, hook["id"])
            )

        await eventually(timed_out)

        # Failing: 500s are retried too.
        receiver.mode = "fail"
        await receiver.wait_for(lambda rs: any(r.mode == "fail" for r in rs))

        async def failed_500() -> bool:
            return any(r["last_status_code"] == 500 for r in await deliveries(s, stok, hook["id"]))

        await eventually(failed_500)

        # Up: everything arrives.
        receiver.mode = "up"
        created = lambda rs: {r.doc["data"]["lead"]["id"] for r in rs if r.mode == "up"}  # noqa: E731
        await receiver.wait_for(lambda rs: created(rs) >= set(lead_ids))

        async def all_delivered() -> bool:
            rows = await deliveries(s, stok, hook["id"])
            return len(rows) == 3 and all(r["status"] == "delivered" for r in rows)

        await eventually(all_delivered)
        rows = await deliveries(s, stok, hook["id"])
        assert all(
            r["attempts"] >= 2 and r["last_status_code"] == 200 and r["last_error"] is None for r in rows
        )
        assert all(r["next_attempt_at"] is None and r["delivered_at"] for r in rows)

        by_event: dict[str, list[Received]] = {}
        for r in receiver.requests:
            assert verify(secret, r), r.headers
            assert not verify("whsec_someone-else", r)
            assert r.headers["Idempotency-Key"] == r.headers["Boothcast-Event-Id"] == r.doc["id"]
            assert r.headers["Boothcast-Event"] == r.doc["type"] == "lead.created"
            assert r.headers["Content-Type"] == "application/json"
            by_event.setdefault(r.doc["id"], []).append(r)
        assert len(by_event) == 3
        # Every copy of an event is the same event: same key, same body, only the stamp differs.
        for copies in by_event.values():
            assert len({c.body for c in copies}) == 1
            assert [int(c.headers["Boothcast-Attempt"]) for c in copies] == sorted(
                int(c.headers["Boothcast-Attempt"]) for c in copies
            )
        # The slow answer was a delivery the receiver did get: it came again, with the same key.
        slow_ids = {r.doc["id"] for r in receiver.requests if r.mode == "slow"}
        assert slow_ids and all(any(c.mode == "up" for c in by_event[i]) for i in slow_ids)
        lead = by_event[next(iter(by_event))][0].doc["data"]["lead"]
        assert (
            lead["booth_id"] == booth_id
            and lead["status"] == "new"
            and lead["buyer"]["email"] == "ana@example.es"
        )

        # A status change is an event of its own.
        status, data = await s.request(
            "PATCH", f"/api/leads/{lead_ids[0]}", stok, json={"status": "contacted"}
        )
        assert status == 200, data
        await receiver.wait_for(lambda rs: any(r.doc["type"] == "lead.updated" for r in rs))
        update = next(r for r in receiver.requests if r.doc["type"] == "lead.updated")
        assert verify(secret, update)
        assert update.doc["data"]["changes"] == {"status": {"from": "new", "to": "contacted"}}
        assert (
            update.doc["data"]["lead"]["id"] == lead_ids[0]
            and update.doc["data"]["lead"]["status"] == "contacted"
        )
        # Setting the same status again changes nothing and sends nothing.
        await s.request("PATCH", f"/api/leads/{lead_ids[0]}", stok, json={"status": "contacted"})

        # Redeliver: the same event again, with the same idempotency key.
        first = (await deliveries(s, stok, hook["id"]))[-1]
        status, data = await s.post(
            f"/api/webhooks/{hook['id']}/deliveries/{first['id']}/redeliver", {}, stok
        )
        assert status == 202 and data["delivery"]["status"] == "pending", data
        assert data["delivery"]["event"]["id"] == first["event"]["id"]
        key = first["event"]["id"]
        count = len(by_event[key])
        await receiver.wait_for(lambda rs: sum(1 for r in rs if r.doc["id"] == key) > count)
        rows = await deliveries(s, stok, hook["id"])
        assert len([r for r in rows if r["event"]["type"] == "lead.created"]) == 4
        assert sum(1 for r in receiver.requests if r.doc["type"] == "lead.updated") == 1
    finally:
        await receiver.stop()


@pytest.mark.parametrize("fair_server", [{"webhook_allow_private": True}], indirect=True)
async def test_redeliver_is_refused_while_pending_and_hooks_are_scoped(fair_server: Server) -> None:
    s = fair_server
    stok, sup = await s.supplier()
    booth_id = sup["booth_id"]
    other_booth = await s.booth_id(demo_fair.BOOTHS[1].slug)
    receiver = Receiver()  # never started: deliveries stay pending
    _, data = await s.post(f"/api/booths/{booth_id}/webhooks", {"url": receiver.url, "events": ["lead.updated"]},
                           stok)  # fmt: skip
    only_updates = data["webhook"]
    buyer = await buyer_in_booth(s, booth_id)
    lead_id = await inquire(buyer, booth_id, "Hola")
    # Subscribed to updates only: a new lead is not for this endpoint.
    assert await deliveries(s, stok, only_updates["id"]) == []
    status, _ = await s.request("PATCH", f"/api/leads/{lead_id}", stok, json={"status": "quoted"})
    assert status == 200
    [row] = await deliveries(s, stok, only_updates["id"])
    assert row["event"]["type"] == "lead.updated" and row["status"] == "pending"
    status, data = await s.post(
        f"/api/webhooks/{only_updates['id']}/deliveries/{row['id']}/redeliver", {}, stok
    )
    assert status == 409 and data["error"]["code"] == "conflict"
    # A lead of another booth reaches neither this booth's endpoints nor its list.
    other = await buyer_in_booth(s, other_booth, "Li")
    await inquire(other, other_booth, "Hello")
    assert len(await deliveries(s, stok, only_updates["id"])) == 1
    # A disabled endpoint gets nothing new.
    status, data = await s.request(
        "PATCH", f"/api/webhooks/{only_updates['id']}", stok, json={"enabled": False}
    )
    assert status == 200 and data["webhook"]["enabled"] is False and "secret" not in data["webhook"]
    await s.request("PATCH", f"/api/leads/{lead_id}", stok, json={"status": "won"})
    assert len(await deliveries(s, stok, only_updates["id"])) == 1


async def test_pending_deliveries_survive_a_node_restart(
    backend: str,
    templates: Callable[[str], str],
    tmp_path: Path,
    models_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A node stops with a lead still undelivered; the next node to start delivers it."""
    for name, value in FAST_ENV.items():
        monkeypatch.setenv(name, value)
    url, drop = await database_from_template(backend, await asyncio.to_thread(templates, backend), tmp_path)
    receiver = Receiver()
    try:
        async with node_processes(tmp_path, models_dir, url, REDIS_URL, "bcwh-", names=("a",)) as [(_, a, _)]:
            stok, sup = await a.supplier()
            booth_id = sup["booth_id"]
            status, data = await a.post(f"/api/booths/{booth_id}/webhooks", {"url": receiver.url}, stok)
            assert status == 201, data
            hook, secret = data["webhook"], data["webhook"]["secret"]
            buyer = await buyer_in_booth(a, booth_id)
            lead_id = await inquire(buyer, booth_id, "¿Precio por 1000 unidades?")

            async def tried() -> bool:
                return any(r["attempts"] >= 1 for r in await deliveries(a, stok, hook["id"]))

            await eventually(tried)
        # The node is gone, the receiver comes up, and the row is still pending.
        await receiver.start()
        async with node_processes(tmp_path, models_dir, url, REDIS_URL, "bcwh-", names=("b",)) as [(_, b, _)]:
            await receiver.wait_for(
                lambda rs: any(r.doc["data"]["lead"]["id"] == lead_id for r in rs), timeout=30
            )
            [got] = [r for r in receiver.requests if r.doc["data"]["lead"]["id"] == lead_id]
            assert verify(secret, got) and got.doc["type"] == "lead.created"
            stok_b, _ = await b.supplier()

            async def delivered() -> bool:
                return [r["status"] for r in await deliveries(b, stok_b, hook["id"])] == ["delivered"]

            await eventually(delivered)
    finally:
        await receiver.stop()
        await drop()


@pytest.mark.postgres
async def test_nodes_claiming_at_once_never_share_a_delivery(
    templates: Callable[[str], str], tmp_path: Path
) -> None:
    """Two nodes' claims race over one outbox: each due row goes to exactly one of them."""
    url, drop = await database_from_template(
        "postgres", await asyncio.to_thread(templates, "postgres"), tmp_path
    )
    nodes = [Database(url), Database(url)]
    try:
        async with nodes[0].session() as s:
            booth_id = await s.scalar(select(Booth.id).limit(1))
            assert booth_id is not None
            hook = Webhook(booth_id=booth_id, url="http://127.0.0.1:9/", secret="whsec_x", events=["lead.created"],
                           enabled=True, description="")  # fmt: skip
            s.add(hook)
            await s.flush()
            for n in range(40):
                event = OutboxEvent(
                    uid=f"evt-{n}", event_type="lead.created", booth_id=booth_id, payload={"n": n}
                )
                s.add(event)
                await s.flush()
                s.add(WebhookDelivery(event_id=event.id, webhook_id=hook.id, status="pending", attempts=0))
        claimed: list[int] = []
        while True:
            rounds = await asyncio.gather(
                *(outbox.claim_due(db, limit=3, lease=60) for db in nodes for _ in range(5))
            )
            got = [a.delivery_id for batch in rounds for a in batch]
            if not got:
                break
            claimed.extend(got)
        assert len(claimed) == len(set(claimed)) == 40
    finally:
        for db in nodes:
            await db.aclose()
        await drop()


def test_signature_and_backoff_policy() -> None:
    body = b'{"id":"e1"}'
    mac = hmac.new(b"whsec_k", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature("whsec_k", 1700000000, body) == f"v1={mac}"
    assert signature("whsec_k", 1700000001, body) != signature("whsec_k", 1700000000, body)
    policy = RetryPolicy(base=10, cap=3600, max_attempts=12)
    # Doubling per attempt, jittered down to half at most, never past the cap.
    assert [policy.delay(n, rand=1.0) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert [policy.delay(n, rand=0.0) for n in (1, 2, 3)] == [5, 10, 20]
    assert policy.delay(30, rand=1.0) == 3600 and policy.delay(30, rand=0.0) == 1800
