"""Slow mode: a buyer may send one message per N seconds in a booth (0: off, at most 600).

The interval is a token bucket of one token refilled every N seconds, kept by the fair's rate
limiter: in Redis when the fair has it, so a buyer switching nodes gains nothing; in memory on
one node.

The booth's setting is read on every buyer message, so each node keeps it in memory and is told
when it changes rather than asking the database each time:
- on the node that changed it, at once (the new value is what the write committed);
- on every other node through Redis (`{prefix}:slow_mode`, published after the commit and before
  the booth is told, so a buyer who sees the change is held to it): the booth's copy is dropped
  and the next message reads the database once;
- a node that lost its subscription (Redis away) keeps copies for `OUTAGE_TTL_S` only, and drops
  them all when it subscribes again, since changes published meanwhile never reached it. While
  subscribed a copy still lives at most `HEALTHY_TTL_S`: a subscription that hangs without an
  error (a network cut) misses nothing for longer than that.

Who may set it: moderators for any booth, and the booth's own staff for theirs: the supplier is
the one watching their chat flood during a show. Who it spares: the booth's staff and moderators.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select

from lifecycle.stop import stop
from rooms.auth import AuthUser
from rooms.channel import follow
from rooms.db import Database
from rooms.errors import Forbidden, NotFound, RateLimited, SlowMode
from rooms.models import AuditEntry, Booth
from rooms.ratelimit import RateLimiter

log = logging.getLogger(__name__)

MAX_SECONDS = 600
HEALTHY_TTL_S = 30.0
OUTAGE_TTL_S = 2.0


def exempt(actor: AuthUser, booth_id: int) -> bool:
    return actor.is_moderator or actor.is_staff_of(booth_id)


class SlowModeStore:
    def __init__(self, db: Database, redis: Redis | None = None, *, channel: str = "boothcast:slow_mode",
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self._db = db
        self._redis = redis
        self._channel = channel
        self._clock = clock
        self._cached: dict[int, tuple[int, float]] = {}  # booth id -> (seconds, read at)
        # Bumped by every change heard of: a read that started before it does not store its answer.
        self._generation = 0
        self._subscribed = asyncio.Event()
        if redis is None:
            self._subscribed.set()  # one node: every change is made here, and applied directly
        self._node = uuid.uuid4().hex
        self._task: asyncio.Task[None] | None = None
        self.reads = 0  # database reads of the setting, for tests and the curious

    async def start(self) -> None:
        if self._redis is not None:
            self._task = asyncio.create_task(self._listen(self._redis), name="slow-mode-listener")
            # A change published before we listen would be missed; wait until we are subscribed.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._subscribed.wait(), 10)

    async def aclose(self) -> None:
        await stop(self._task, "the slow-mode channel")

    def cached(self, booth_id: int) -> int | None:
        """The booth's interval if this node's copy is fresh, else None (then `seconds` reads it)."""
        ttl = HEALTHY_TTL_S if self._subscribed.is_set() else OUTAGE_TTL_S
        hit = self._cached.get(booth_id)
        if hit is not None and self._clock() - hit[1] < ttl:
            return hit[0]
        return None

    async def seconds(self, booth_id: int) -> int:
        """The booth's interval (0: off); `NotFound` for no such booth."""
        hit = self.cached(booth_id)
        if hit is not None:
            return hit
        started = self._clock()
        generation = self._generation
        self.reads += 1
        async with self._db.reader() as s:
            seconds = await s.scalar(select(Booth.slow_mode_seconds).where(Booth.id == booth_id))
        if seconds is None:
            raise NotFound("no such booth")
        if generation == self._generation:
            self._cached[booth_id] = (int(seconds), started)
        return int(seconds)

    def _forget(self, booth_id: int | None) -> None:
        self._generation += 1
        if booth_id is None:
            self._cached.clear()
        else:
            self._cached.pop(booth_id, None)

    async def _announce(self, booth_id: int, seconds: int) -> None:
        self._forget(booth_id)
        self._cached[booth_id] = (seconds, self._clock())
        if self._redis is None:
            return
        try:
            await self._redis.publish(self._channel, json.dumps({"booth_id": booth_id, "node": self._node}))
        except Exception:
            # Redis is away: so are the other nodes' subscriptions, and each drops its copies when
            # it resubscribes (and keeps them only briefly meanwhile). The change is recorded.
            log.warning("could not publish the slow mode of booth %s: other nodes reread it", booth_id)

    async def _listen(self, redis: Redis) -> None:
        async def subscribed() -> None:
            self._forget(None)  # whatever changed while we were not listening
            self._subscribed.set()

        async def message(data: dict[str, Any]) -> None:
            if data.get("node") != self._node:
                self._forget(int(data["booth_id"]))

        await follow(redis, self._channel, "slow mode", subscribed=subscribed, message=message,
                     resubscribed="cached settings dropped", lost=self._subscribed.clear)  # fmt: skip

    async def check(self, limiter: RateLimiter, actor: AuthUser, booth_id: int) -> None:
        """Take the buyer's turn in the booth, or `SlowMode` with how long to wait."""
        if exempt(actor, booth_id):
            return
        seconds = await self.seconds(booth_id)
        if seconds <= 0:
            return
        message = f"slow mode: one message every {seconds} s"
        try:
            # The interval is in the key: a changed interval starts every buyer afresh.
            await limiter.hit(f"slow:{booth_id}:{seconds}:{actor.id}", per_minute=60 / seconds, burst=1, message=message)
        except RateLimited as err:
            raise SlowMode(message, err.retry_after, seconds) from None

    async def do_set(self, actor: AuthUser, booth_id: int, seconds: int) -> int:
        """Set the booth's interval (moderators, the booth's staff); audited. Returns it."""
        if not exempt(actor, booth_id):
            raise Forbidden("only moderators and the booth's staff may set slow mode")
        seconds = max(0, min(MAX_SECONDS, seconds))
        async with self._db.session() as s:
            booth = await s.get(Booth, booth_id)
            if booth is None:
                raise NotFound("no such booth")
            if booth.slow_mode_seconds != seconds:
                booth.slow_mode_seconds = seconds
                s.add(AuditEntry(actor_id=actor.id, action="slow_mode", booth_id=booth_id,
                                 detail=f"{seconds} s" if seconds else "off"))  # fmt: skip
        await self._announce(booth_id, seconds)  # committed: now every node may apply it
        return seconds

    async def all_booths(self) -> dict[str, int]:
        """Every booth's interval, by booth id as text (a JSON object key): the moderators' view."""
        async with self._db.reader() as s:
            rows = (await s.execute(select(Booth.id, Booth.slow_mode_seconds))).all()
        return {str(b): int(n or 0) for b, n in rows}
