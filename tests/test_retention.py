"""Retention against real databases (SQLite and PostgreSQL): what goes, what stays, two nodes
pruning at once, image files nothing names; and the image routes removing replaced files."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from media.image_names import WIDTHS
from media.images import ImageStore
from rooms import retention
from rooms.db import Database
from rooms.models import (
    Booth,
    BoothVisit,
    OutboxEvent,
    PresenceSample,
    Product,
    User,
    Webhook,
    WebhookDelivery,
)
from server.settings import Settings
from tests.support import Server
from tests.test_images import png, upload

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=31)
ANCIENT = NOW - timedelta(days=401)
RECENT = NOW - timedelta(days=2)


async def _count(db: Database, model: type[object], *where: object) -> int:
    async with db.reader() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


async def _fill(db: Database, events: int) -> dict[str, int]:
    """`events` outbox events of each age, each with deliveries in every state; visits and samples."""
    async with db.session() as s:
        booth_id = int(await s.scalar(select(Booth.id).order_by(Booth.id).limit(1)) or 0)
        buyer = User(display_name="Ana", role="buyer", lang="es")
        hook = Webhook(booth_id=booth_id, url="https://crm.example/hook", secret="s" * 32, events=["lead.created"])
        s.add_all([buyer, hook])
        await s.flush()
        for age, tag in ((OLD, "old"), (RECENT, "recent")):
            for i in range(events):
                event = OutboxEvent(uid=str(uuid.uuid4()), event_type="lead.created", booth_id=booth_id,
                                    payload={"i": i}, created_at=age)  # fmt: skip
                s.add(event)
                await s.flush()
                # Old events: one fully ended (goes), one with a pending retry (stays, with its event).
                states = ("delivered", "failed") if i % 2 == 0 else ("failed", "pending")
                for state in states:
                    s.add(WebhookDelivery(event_id=event.id, webhook_id=hook.id, status=state, created_at=age,
                                          next_attempt_at=age))  # fmt: skip
            for i in range(events):
                s.add(BoothVisit(booth_id=booth_id, user_id=buyer.id, joined_at=ANCIENT if tag == "old" else RECENT,
                                 left_at=None, lang="es"))  # fmt: skip
                s.add(PresenceSample(booth_id=booth_id, node=f"n{i}", at=ANCIENT if tag == "old" else RECENT,
                                     viewers=i))  # fmt: skip
    return {"booth_id": booth_id}


async def test_old_outbox_rows_and_analytics_go_pending_and_recent_stay(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "BATCH", 3)  # several batches per table
    await _fill(db, events=8)
    counts = await retention.prune_once(db, None, outbox_days=30, analytics_days=400, now=NOW)
    # 8 old events: 4 with delivered+failed (both go, then the event), 4 with failed+pending
    # (the failed one goes; the pending one and its event stay).
    assert (counts.deliveries, counts.events, counts.visits, counts.samples) == (12, 4, 8, 8)
    assert await _count(db, WebhookDelivery, WebhookDelivery.status == "pending") == 8
    assert await _count(db, WebhookDelivery, WebhookDelivery.created_at < NOW - timedelta(days=30)) == 4
    assert await _count(db, OutboxEvent) == 12
    assert await _count(db, BoothVisit) == 8 and await _count(db, PresenceSample) == 8
    again = await retention.prune_once(db, None, outbox_days=30, analytics_days=400, now=NOW)
    assert again.total() == 0
    # 0 keeps a kind for ever.
    kept = await retention.prune_once(db, None, outbox_days=0, analytics_days=0, now=NOW + timedelta(days=999))
    assert kept.total() == 0


async def test_two_nodes_pruning_at_once_delete_each_row_once(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retention, "BATCH", 2)
    await _fill(db, events=10)
    other = Database(db.url)
    try:
        a, b = await asyncio.gather(
            retention.prune_once(db, None, outbox_days=30, analytics_days=400, now=NOW),
            retention.prune_once(other, None, outbox_days=30, analytics_days=400, now=NOW),
        )
    finally:
        await other.aclose()
    # Whichever node took a row, it was deleted once; a row a node skipped went to the other.
    leftover = await retention.prune_once(db, None, outbox_days=30, analytics_days=400, now=NOW)
    total = (a.deliveries + b.deliveries + leftover.deliveries, a.events + b.events + leftover.events,
             a.visits + b.visits + leftover.visits, a.samples + b.samples + leftover.samples)  # fmt: skip
    assert total == (15, 5, 10, 10)
    assert await _count(db, OutboxEvent) == 15


def _age(store: ImageStore, key: str, seconds: float) -> None:
    past = time.time() - seconds
    for width in WIDTHS:
        os.utime(store.dir / f"{key}-{width}.webp", (past, past))


def _files(store: ImageStore, key: str) -> int:
    return sum((store.dir / f"{key}-{w}.webp").exists() for w in WIDTHS)


async def test_image_files_nothing_names_go_once_over_an_hour_old(db: Database, tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "media")
    used, unused, young = (store.save(png(40 + i, 30)) for i in range(3))
    async with db.session() as s:
        product = await s.scalar(select(Product).order_by(Product.id).limit(1))
        assert product is not None
        product.image = used.key
    for image in (used, unused):
        _age(store, image.key, 2 * 3600)
    (store.dir / "not-an-image.txt").write_text("left alone")
    counts = await retention.prune_once(db, store, outbox_days=30, analytics_days=400)
    assert counts.image_files == len(WIDTHS)
    assert (_files(store, used.key), _files(store, unused.key), _files(store, young.key)) == (2, 0, 2)
    assert (store.dir / "not-an-image.txt").exists()
    # The same content uploaded again refreshes old files: a key about to be named is never old.
    _age(store, young.key, 2 * 3600)
    store.save(png(42, 30))
    assert await retention.remove_unused_images(db, store) == 0


async def test_replacing_or_removing_an_image_removes_its_files(fair_server: Server) -> None:
    token, user = await fair_server.supplier()
    path = f"/api/booths/{user['booth_id']}/images/logo"
    store = ImageStore(fair_server.settings.effective_media_dir)
    status, first = await upload(fair_server, path, png(50, 50), token)
    assert status == 201
    first_key = first["image"]["320"].rsplit("/", 1)[1].split("-")[0]
    # Named by the cover too: replacing the logo must not take the cover's files.
    assert (await upload(fair_server, path.replace("logo", "cover"), png(50, 50), token))[0] == 201
    status, second = await upload(fair_server, path, png(60, 50), token)
    assert status == 201
    second_key = second["image"]["320"].rsplit("/", 1)[1].split("-")[0]
    assert _files(store, first_key) == 2
    # Deleted at once when over an hour old and nothing names it; too young, it waits for the prune.
    _age(store, second_key, 2 * 3600)
    assert (await fair_server.request("DELETE", path, token))[0] == 204
    assert _files(store, second_key) == 0
    assert (await fair_server.request("DELETE", path.replace("logo", "cover"), token))[0] == 204
    assert _files(store, first_key) == 2  # an hour has not passed


async def test_image_deletes_share_the_upload_rate_limit(fair_server: Server) -> None:
    token, user = await fair_server.supplier()
    path = f"/api/booths/{user['booth_id']}/images/cover"
    answers = [await fair_server.request("DELETE", path, token) for _ in range(16)]
    limited = [(s, b) for s, b in answers if s == 429]
    assert answers[0][0] == 204 and limited, answers
    assert limited[0][1]["error"]["code"] == "rate_limited"
    async with aiohttp.ClientSession() as h:
        async with h.delete(fair_server.url + path, headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 429 and int(r.headers["Retry-After"]) >= 1


def test_retention_settings_are_validated() -> None:
    base = {"BOOTHCAST_WEB_DIR": ""}
    s = Settings.from_env(base)
    assert (s.outbox_retention_days, s.analytics_retention_days) == (30, 400)
    s = Settings.from_env({**base, "BOOTHCAST_OUTBOX_RETENTION_DAYS": "0", "BOOTHCAST_ANALYTICS_RETENTION_DAYS": "90"})
    assert (s.outbox_retention_days, s.analytics_retention_days) == (0, 90)
    for bad in ("-1", "ten"):
        with pytest.raises(SystemExit, match="BOOTHCAST_ANALYTICS_RETENTION_DAYS"):
            Settings.from_env({**base, "BOOTHCAST_ANALYTICS_RETENTION_DAYS": bad})
