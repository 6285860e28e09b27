"""What is kept, and for how long: the owned task that prunes the webhook outbox, the analytics
events and the image files nothing points at any more.

- Webhook deliveries that ended (`delivered` or `failed`) and whose event is older than
  `outbox_days`, then the events left with no delivery (pending ones are never touched).
- Visits and viewer samples older than `analytics_days`. The booth figures are computed from these
  rows (rooms/analytics.py), so a stream or day older than that has no figures any more.
- Image files (`{media_dir}/images/`) whose key no booth or product names, once they are older
  than `IMAGE_GRACE_S`: an upload stores its files before its row commits, and a re-upload of the
  same content refreshes them (media/images.py), so a file in use is never that old and unnamed.

Rows go in batches of `BATCH` by primary key, each its own short transaction, so the pruner never
holds a long lock on tables the chat and the sender write. Several nodes may prune at once: on
PostgreSQL each batch skips rows another node has locked (`SKIP LOCKED`), and deleting what is
already gone deletes nothing; removing an absent file is no error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, select, union
from sqlalchemy.orm import InstrumentedAttribute

from lifecycle.stop import stop
from media.images import ImageStore
from rooms.db import Database
from rooms.models import Base, Booth, BoothVisit, OutboxEvent, PresenceSample, Product, WebhookDelivery

__all__ = ["IMAGE_GRACE_S", "PruneCounts", "Retention", "image_keys_in_use", "prune_once"]

log = logging.getLogger(__name__)

BATCH = 500
MAX_BATCHES = 200  # per table per run: a huge backlog is worked off over several runs
IMAGE_GRACE_S = 3600.0
EVERY_S = 3600.0


@dataclass(slots=True)
class PruneCounts:
    deliveries: int = 0
    events: int = 0
    visits: int = 0
    samples: int = 0
    image_files: int = 0

    def total(self) -> int:
        return self.deliveries + self.events + self.visits + self.samples + self.image_files


async def image_keys_in_use(db: Database) -> set[str]:
    """Every image key a booth (logo, cover) or a product names."""
    q = union(
        select(Booth.logo_image.label("k")).where(Booth.logo_image.is_not(None)),
        select(Booth.cover_image.label("k")).where(Booth.cover_image.is_not(None)),
        select(Product.image.label("k")).where(Product.image.is_not(None)),
    )
    async with db.reader() as s:
        return {str(k) for k in (await s.scalars(q)).all()}


async def _delete_batches(db: Database, model: type[Base], id_col: InstrumentedAttribute[Any],
                          where: ColumnElement[bool]) -> int:  # fmt: skip
    """Delete the rows matching `where`, `BATCH` at a time; how many went."""
    total = 0
    for _ in range(MAX_BATCHES):
        ids = select(id_col).where(where).order_by(id_col).limit(BATCH)
        if not db.is_sqlite:
            # Another node pruning the same rows: take the ones it has not locked, never wait.
            ids = ids.with_for_update(skip_locked=True)
        deleted = 0
        async with db.session() as s:
            found = list((await s.scalars(ids)).all())
            if found:
                # Counted by what this delete removed: another node may have taken some already.
                result = await s.execute(delete(model).where(id_col.in_(found)))
                deleted = int(getattr(result, "rowcount", 0) or 0)
        total += deleted
        if len(found) < BATCH:
            break
        await asyncio.sleep(0)  # let the chat's own transactions in between batches
    return total


async def prune_outbox(db: Database, days: int, now: datetime) -> tuple[int, int]:
    cutoff = now - timedelta(days=days)
    old = select(OutboxEvent.id).where(OutboxEvent.created_at < cutoff)
    deliveries = await _delete_batches(db, WebhookDelivery, WebhookDelivery.id,
                                       WebhookDelivery.status.in_(("delivered", "failed"))
                                       & WebhookDelivery.event_id.in_(old))  # fmt: skip
    undelivered = exists().where(WebhookDelivery.event_id == OutboxEvent.id)
    events = await _delete_batches(db, OutboxEvent, OutboxEvent.id, (OutboxEvent.created_at < cutoff) & ~undelivered)
    return deliveries, events


async def prune_analytics(db: Database, days: int, now: datetime) -> tuple[int, int]:
    cutoff = now - timedelta(days=days)
    visits = await _delete_batches(db, BoothVisit, BoothVisit.id, BoothVisit.joined_at < cutoff)
    samples = await _delete_batches(db, PresenceSample, PresenceSample.id, PresenceSample.at < cutoff)
    return visits, samples


async def remove_unused_images(db: Database, store: ImageStore, keys: set[str] | None = None) -> int:
    """Remove the files of `keys` (None: every stored key) that nothing names and that are older
    than the grace period; how many files went."""
    # Files are listed before the rows are read: a key set after this read was stored (or
    # refreshed) after the listing, so its files are too young to go.
    candidates = await asyncio.to_thread(store.keys_older_than, IMAGE_GRACE_S, keys)
    if not candidates:
        return 0
    unused = candidates - await image_keys_in_use(db)
    return await asyncio.to_thread(store.remove_keys, unused, IMAGE_GRACE_S) if unused else 0


async def prune_once(db: Database, store: ImageStore | None, *, outbox_days: int, analytics_days: int,
                     now: datetime | None = None) -> PruneCounts:  # fmt: skip
    """One pass over everything retention covers (0 days: keep that kind for ever)."""
    now = now or datetime.now(UTC)
    counts = PruneCounts()
    if outbox_days > 0:
        counts.deliveries, counts.events = await prune_outbox(db, outbox_days, now)
    if analytics_days > 0:
        counts.visits, counts.samples = await prune_analytics(db, analytics_days, now)
    if store is not None:
        counts.image_files = await remove_unused_images(db, store)
    return counts


class Retention:
    """The node's one pruning task: a first pass soon after start, then every `every` seconds."""

    def __init__(self, db: Database, store: ImageStore | None, *, outbox_days: int, analytics_days: int,
                 every: float = EVERY_S) -> None:  # fmt: skip
        self._db = db
        self._store = store
        self._outbox_days = outbox_days
        self._analytics_days = analytics_days
        self._every = every
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="retention")

    async def _loop(self) -> None:
        # Nodes started together do not all prune in the same second.
        delay = random.uniform(10, 60)
        while True:
            with contextlib.suppress(TimeoutError):  # not wait_for: it can swallow a cancel (rooms/presence.py)
                async with asyncio.timeout(delay):
                    await self._stopping.wait()
            if self._stopping.is_set():
                return
            try:
                counts = await prune_once(self._db, self._store, outbox_days=self._outbox_days,
                                          analytics_days=self._analytics_days)  # fmt: skip
                if counts.total():
                    log.info("retention pruned %s", counts)
            except Exception:
                log.exception("retention pruning failed; trying again next run")
            delay = self._every

    async def aclose(self, deadline: float) -> None:
        """Stop: a batch under way may finish until `deadline` (loop time), then it is cancelled
        (its transaction rolls back; the next run deletes those rows)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        remaining = max(0.0, deadline - asyncio.get_running_loop().time())
        await asyncio.wait([task], timeout=remaining)  # unlike wait_for, never cancels it
        await stop(task, "the retention sweep")
