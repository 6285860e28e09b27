"""The transactional outbox of lead events, and the bookkeeping of their webhook deliveries.

A lead event is written in the lead's own transaction, with one delivery row per subscribed
webhook: when the lead commits, so does the promise to deliver it, whether the receiver (or this
node) is up or not. Any node then claims due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
two nodes never take the same row at once), posts them, and records the answer here. Delivery is
at least once: a node that dies mid-request leaves its row to be retried once its lease ends, and
receivers drop repeats by the event's idempotency key.

Plain SQL over sessions; the HTTP side lives in `server/webhook_sender.py`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.db import Database
from rooms.models import OutboxEvent, Webhook, WebhookDelivery
from rooms.payloads import Json, iso

EVENT_TYPES = ("lead.created", "lead.updated")
SIGNATURE_VERSION = "v1"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter: base·2^(n-1) seconds, capped, times a random 0.5–1."""

    base: float = 10.0
    cap: float = 3600.0
    max_attempts: int = 12

    def delay(self, attempts: int, rand: float | None = None) -> float:
        # The jitter spreads the retries of many deliveries that failed together (a receiver that
        # was down) so they do not all land on it again in the same second.
        r = random.random() if rand is None else rand
        return min(self.cap, self.base * 2.0 ** max(attempts - 1, 0)) * (0.5 + r / 2)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One claimed delivery, everything the sender needs without touching the database."""

    delivery_id: int
    attempt: int
    webhook_id: int
    url: str
    secret: str
    event_uid: str
    event_type: str
    body: bytes


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`v1=<hex HMAC-SHA256 of "{timestamp}.{body}" under the webhook's secret>`."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={mac.hexdigest()}"


def envelope(event: OutboxEvent) -> bytes:
    """The body every receiver of the event gets, byte for byte the same on every attempt."""
    doc = {
        "id": event.uid,
        "type": event.event_type,
        "created_at": iso(event.created_at),
        "data": event.payload,
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


async def enqueue(s: AsyncSession, event_type: str, booth_id: int, lead_id: int, data: Json) -> int:
    """Write the event and its deliveries in the caller's transaction; the number of deliveries.

    Only enabled webhooks subscribed to the event (the booth's own and the fair-wide ones) get
    it; with none, nothing is written, so a fair without CRM pays one indexed query per lead.
    """
    rows = await s.execute(
        select(Webhook.id, Webhook.events).where(
            Webhook.enabled.is_(True), or_(Webhook.booth_id == booth_id, Webhook.booth_id.is_(None))
        )
    )
    targets = [hook_id for hook_id, events in rows.all() if event_type in (events or ())]
    if not targets:
        return 0
    event = OutboxEvent(uid=str(uuid.uuid4()), event_type=event_type, booth_id=booth_id, lead_id=lead_id,
                        payload=data, created_at=datetime.now(UTC))  # fmt: skip
    s.add(event)
    await s.flush()
    now = datetime.now(UTC)
    s.add_all(WebhookDelivery(event_id=event.id, webhook_id=t, status="pending", attempts=0, next_attempt_at=now)
              for t in targets)  # fmt: skip
    return len(targets)


async def claim_due(db: Database, *, limit: int, lease: float, now: datetime | None = None) -> list[Attempt]:
    """Take up to `limit` due deliveries for this node, each for `lease` seconds.

    The claim moves `next_attempt_at` past the lease and counts the attempt before the request is
    made, then commits: the row lock is held only for this short transaction, never across HTTP.
    """
    now = now or datetime.now(UTC)
    q = (
        select(WebhookDelivery, OutboxEvent, Webhook)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            Webhook.enabled.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
        # SQLite renders no FOR UPDATE: it is one node, and its writes are serialised anyway.
        .with_for_update(of=WebhookDelivery, skip_locked=True)
    )
    out: list[Attempt] = []
    async with db.session() as s:
        for delivery, event, hook in (await s.execute(q)).all():
            delivery.attempts += 1
            delivery.last_attempt_at = now
            delivery.next_attempt_at = now + timedelta(seconds=lease)
            out.append(Attempt(delivery.id, delivery.attempts, hook.id, hook.url, hook.secret, event.uid,
                               event.event_type, envelope(event)))  # fmt: skip
    return out


async def record_result(
    db: Database,
    attempt: Attempt,
    policy: RetryPolicy,
    *,
    status_code: int | None,
    error: str | None,
    now: datetime | None = None,
    final: bool = False,
) -> str:
    """Store an attempt's outcome; the delivery's new status (pending, delivered or failed).

    Only the claim that made the attempt may settle it: a row redelivered or re-claimed meanwhile
    (its lease ran out) has moved on, and this late answer is dropped.
    """
    now = now or datetime.now(UTC)
    ok = error is None and status_code is not None and 200 <= status_code < 300
    values: dict[str, object] = {
        "last_status_code": status_code,
        "last_error": None if ok else (error or "")[:300],
    }
    if ok:
        values.update(status="delivered", delivered_at=now)
        new_status = "delivered"
    elif final or attempt.attempt >= policy.max_attempts:
        # `final`: a refusal no retry can change (this server's own rule about the address).
        values.update(status="failed")
        new_status = "failed"
    else:
        values.update(next_attempt_at=now + timedelta(seconds=policy.delay(attempt.attempt)))
        new_status = "pending"
    async with db.session() as s:
        result = await s.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == attempt.delivery_id,
                WebhookDelivery.attempts == attempt.attempt,
                WebhookDelivery.status == "pending",
            )
            .values(**values)
        )
    return new_status if getattr(result, "rowcount", 1) else "stale"
