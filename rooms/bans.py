"""Who is banned from the fair, answered from memory on every event.

The database is the record (`users.banned_at`); this is its copy in memory, loaded at start, so
the check every socket event makes costs a set lookup instead of a query. With Redis, a ban is
published and every node applies it at once (its listeners disconnect that user's sockets there);
a node reloads the list from the database whenever it (re)subscribes, so a ban it missed while
disconnected from Redis is not lost. Connect and login still check the database itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lifecycle.stop import stop
from rooms.channel import follow
from rooms.db import Database
from rooms.models import AuditEntry, User

log = logging.getLogger(__name__)

BanListener = Callable[[int, str | None], Awaitable[None]]


def ban_account(s: AsyncSession, target: User, actor_id: int | None, reason: str | None, detail: str) -> bool:
    """Ban in the caller's transaction, audited; whether it changed. A moderator's `mod:ban` and
    the organiser's `boothcast users disable` (no acting account) both come here."""
    if target.banned_at is not None:
        return False
    target.banned_at, target.ban_reason = datetime.now(UTC), reason
    s.add(AuditEntry(actor_id=actor_id, action="ban", target_user_id=target.id, detail=detail))
    return True


def unban_account(s: AsyncSession, target: User, actor_id: int | None, detail: str) -> bool:
    """Lift a ban, whoever set it, audited as `unban`; whether it changed."""
    if target.banned_at is None:
        return False
    target.banned_at = target.ban_reason = None
    s.add(AuditEntry(actor_id=actor_id, action="unban", target_user_id=target.id, detail=detail))
    return True


class Bans:
    def __init__(self, db: Database, redis: Redis | None = None, channel: str = "boothcast:bans") -> None:
        self._db = db
        self._redis = redis
        self._channel = channel
        self._ids: set[int] = set()
        self._listeners: list[BanListener] = []
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self._node = uuid.uuid4().hex

    async def start(self) -> None:
        await self.reload()
        if self._redis is not None:
            self._task = asyncio.create_task(self._listen(self._redis))
            # A ban published before we listen would be missed; wait until we are subscribed.
            await asyncio.wait_for(self._subscribed.wait(), 10)

    async def reload(self) -> None:
        async with self._db.reader() as s:
            ids = (await s.scalars(select(User.id).where(User.banned_at.is_not(None)))).all()
        self._ids.update(ids)

    async def check_database(self) -> None:
        """Apply the bans the database records that this node has not heard of: one set by hand
        or by a script (`UPDATE users SET banned_at …`) is announced on no channel."""
        async with self._db.reader() as s:
            rows = (await s.execute(select(User.id, User.ban_reason).where(User.banned_at.is_not(None)))).all()
        reasons: dict[int, str | None] = {user_id: reason for user_id, reason in rows}
        self._ids &= reasons.keys()  # lifted in the database: lifted here
        for user_id in sorted(reasons.keys() - self._ids):
            await self._apply(user_id, reasons[user_id])  # the page shows why

    def is_banned(self, user_id: int) -> bool:
        return user_id in self._ids

    def on_ban(self, listener: BanListener) -> None:
        """Call `listener(user_id, reason)` on this node whenever a user is banned on any node."""
        self._listeners.append(listener)

    async def announce(self, user_id: int, reason: str | None) -> None:
        """Apply a ban the database already records, here and (with Redis) on every other node."""
        await self._apply(user_id, reason)
        if self._redis is not None:
            try:
                await self._redis.publish(
                    self._channel, json.dumps({"user_id": user_id, "reason": reason, "node": self._node})
                )
            except Exception:
                # Redis is away: so are the other nodes' subscriptions, and each reloads the
                # list from the database when it resubscribes. The ban is recorded either way.
                log.warning("could not publish the ban of user %s: other nodes reload it", user_id)

    async def _apply(self, user_id: int, reason: str | None) -> None:
        self._ids.add(user_id)
        for listener in self._listeners:
            try:
                await listener(user_id, reason)
            except Exception:
                log.exception("a ban listener failed")

    async def _listen(self, redis: Redis) -> None:
        async def subscribed() -> None:
            await self.reload()
            self._subscribed.set()

        async def message(data: dict[str, Any]) -> None:
            if data.get("node") != self._node:  # our own were applied when announced
                await self._apply(int(data["user_id"]), data.get("reason"))

        await follow(redis, self._channel, "ban", subscribed=subscribed, message=message,
                     resubscribed="bans reloaded from the database")  # fmt: skip

    async def aclose(self) -> None:
        await stop(self._task, "the ban channel")
