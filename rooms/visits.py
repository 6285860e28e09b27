"""This node's buyers in booths, written down for analytics: visits and viewer samples.

Joins and leaves are recorded in memory (a join storm must not cost a write per joiner) and
written in one transaction per tick by the node's one recorder task:

- a `BoothVisit` row per buyer connection in a booth (who, when, country, language), closed
  with `left_at` when the buyer leaves;
- a `PresenceSample` row per booth in which this node has buyers, at instants aligned to
  `interval` seconds since the epoch. Each node writes only its own buyers, so a booth's viewers
  at an instant are the sum over nodes (rooms/analytics.py): no leader to elect, and a node that
  dies simply stops adding to the sum. A node writes one 0 when a booth empties on it, so the
  chart drops to 0 instead of leaving a gap.

Only buyers are recorded: staff, moderators and other booths' suppliers are not an audience.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from lifecycle.stop import stop
from rooms.db import Database
from rooms.models import BoothVisit, PresenceSample, User

__all__ = ["VisitLog"]

log = logging.getLogger(__name__)


@dataclass(slots=True, eq=False)
class _Visit:
    booth_id: int
    user_id: int
    lang: str
    joined_at: datetime
    left_at: datetime | None = None
    row_id: int | None = None
    written_left: datetime | None = None  # the `left_at` the row has


def _now() -> datetime:
    return datetime.now(UTC)


class VisitLog:
    """Records buyers' joins and leaves; `start()` runs the node's one writer, `aclose()` stops it."""

    def __init__(self, db: Database, *, interval: float, clock: Callable[[], datetime] = _now) -> None:
        self._db = db
        self.interval = interval
        self.node = uuid.uuid4().hex[:12]
        self._clock = clock
        self._open: dict[tuple[str, int], _Visit] = {}  # (sid, booth) → visit
        self._ended: list[_Visit] = []  # ended visits whose row does not say so yet
        self._last_sample: datetime | None = None
        self._sampled: set[int] = set()  # booths with buyers at the last sample
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._writing: asyncio.Future[None] | None = None

    # --- recording (synchronous: no I/O on the join path) --------------------------------------

    def started(self, sid: str, booth_id: int, user_id: int, lang: str) -> None:
        key = (sid, booth_id)
        if key not in self._open:
            self._open[key] = _Visit(booth_id, user_id, lang, self._clock())

    def ended(self, sid: str, booth_id: int) -> None:
        visit = self._open.pop((sid, booth_id), None)
        if visit is not None:
            visit.left_at = self._clock()
            self._ended.append(visit)

    def viewers(self) -> dict[int, int]:
        """Distinct buyers per booth on this node now."""
        users: dict[int, set[int]] = {}
        for v in self._open.values():
            users.setdefault(v.booth_id, set()).add(v.user_id)
        return {b: len(u) for b, u in users.items()}

    # --- writing --------------------------------------------------------------------------------

    def _instant(self, now: datetime) -> datetime:
        step = self.interval
        return datetime.fromtimestamp(math.floor(now.timestamp() / step) * step, UTC)

    async def flush(self, *, close_all: bool = False) -> None:
        """Write new and ended visits and, once per aligned instant, this node's sample."""
        async with self._lock:
            now = self._clock()
            if close_all:
                for key in list(self._open):
                    self.ended(*key)
            visits = [v for v in [*self._open.values(), *self._ended] if v.row_id is None]
            snapshot = {id(v): v.left_at for v in visits}
            closing = [v for v in self._ended if v.row_id is not None and v.left_at != v.written_left]
            instant = self._instant(now)
            counts: dict[int, int] = {}
            if instant != self._last_sample:
                counts = self.viewers()
                for booth_id in self._sampled - counts.keys():
                    counts[booth_id] = 0
            row_ids: list[int] = []
            async with self._db.session() as s:
                if visits:
                    ids = {v.user_id for v in visits}
                    countries = dict(
                        (await s.execute(select(User.id, User.country).where(User.id.in_(ids)))).all()
                    )
                    # An account deleted since its visit began: its row could never be written (and
                    # would fail every booth's write with it), so the visit is forgotten.
                    visits = self._forget_orphans(visits, countries.keys())
                    # Core, not ORM objects: a storm's tick writes thousands of rows, and the
                    # unit of work's per-object bookkeeping cost more than the insert itself.
                    rows = [
                        {"booth_id": v.booth_id, "user_id": v.user_id, "joined_at": v.joined_at,
                         "left_at": snapshot[id(v)], "country": countries.get(v.user_id), "lang": v.lang}
                        for v in visits
                    ]  # fmt: skip
                    returning = insert(BoothVisit).returning(BoothVisit.id, sort_by_parameter_order=True)
                    row_ids = list(await s.scalars(returning, rows))
                if closing:  # one executemany: a storm leaves as it came
                    await s.execute(
                        update(BoothVisit), [{"id": v.row_id, "left_at": v.left_at} for v in closing]
                    )
                s.add_all(
                    PresenceSample(booth_id=b, node=self.node, at=instant, viewers=n)
                    for b, n in counts.items()
                )
                await s.flush()
            # Committed: only now does the memory say so, so a failed write is retried next tick.
            for v, row_id in zip(visits, row_ids, strict=True):
                v.row_id, v.written_left = row_id, snapshot[id(v)]
            for v in closing:
                v.written_left = v.left_at
            self._ended = [v for v in self._ended if v.row_id is None or v.written_left != v.left_at]
            if instant != self._last_sample:
                self._last_sample = instant
                self._sampled = {b for b, n in counts.items() if n > 0}

    def _forget_orphans(self, visits: list[_Visit], users: Collection[int]) -> list[_Visit]:
        orphans = {id(v) for v in visits if v.user_id not in users}
        if orphans:
            self._open = {k: v for k, v in self._open.items() if id(v) not in orphans}
            self._ended = [v for v in self._ended if id(v) not in orphans]
        return [v for v in visits if id(v) not in orphans]

    async def _loop(self) -> None:
        while True:
            now = self._clock().timestamp()
            # Wake just after the next aligned instant, so every node samples the same instants.
            await asyncio.sleep(self.interval - now % self.interval + 0.01)
            # Shielded: stopping the loop mid-write must not leave a committed write unrecorded
            # in memory (the last flush would write it again); aclose() waits for it instead.
            self._writing = asyncio.ensure_future(self.flush())
            try:
                await asyncio.shield(self._writing)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("analytics: writing visits failed; retrying at the next sample")

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="visit-log")

    async def aclose(self) -> None:
        await stop(self._task, "the visit log")
        if self._writing is not None:
            with contextlib.suppress(Exception):
                await self._writing
        try:
            await self.flush(close_all=True)  # the node stops: its buyers have left its booths
        except Exception:
            log.exception("analytics: the last write of visits failed")
