"""Who is banned from the fair, answered from memory on every event.

The database is the record (`users.banned_at`); this is its copy in memory, loaded at start, so
the check every socket event makes costs a set lookup instead of a query. With Redis, a ban is
published and every node applies it at once (its listeners disconnect that user's sockets there);
a node reloads the list from the database whenever it (re)subscribes, so a ban it missed while
disconnected from Redis is not lost. Connect and login still check the database itself.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
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


# A node remembers at most this many paused addresses (a ban wave); the oldest go first.
MAX_PAUSED_ADDRESSES = 10_000


class Bans:
    def __init__(
        self, db: Database, redis: Redis | None = None, channel: str = "boothcast:bans",
        address_hours: float = 0.0, proxies: tuple[str, ...] = (),
    ) -> None:  # fmt: skip
        self._db = db
        self._redis = redis
        self._channel = channel
        # Guest sign-ins from a banned account's addresses pause for this long (0: never).
        self._address_seconds = address_hours * 3600
        self._paused: dict[str, tuple[int, float]] = {}  # address -> (banned user, until; monotonic)
        self._proxies = [ipaddress.ip_network(p, strict=False) for p in proxies]
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

    def lift(self, user_id: int) -> None:
        """A ban lifted on this node (a moderator's unban): applied here at once; other nodes drop it
        from the database at their next `check_database`."""
        self._ids.discard(user_id)

    # -- the addresses a banned account used -------------------------------------------------------
    # A banned guest signed out and came back at once under another name (a user try). Guest
    # sign-ins from the addresses its sockets had pause for `address_hours`; accounts already signed
    # in there, and staff logins, are not touched. Shared networks (an office, the fair's own Wi-Fi)
    # are why it is a pause and not a ban, and why the operator can turn it off.

    async def pause_addresses(self, user_id: int, addresses: set[str]) -> None:
        """Pause guest sign-ins from `addresses` (the banned `user_id`'s), on every node."""
        addresses = {a for a in addresses if self._pausable(a)}
        if not self._address_seconds or not addresses:
            return
        until = time.monotonic() + self._address_seconds
        for address in addresses - {""}:
            self._paused.pop(address, None)
            self._paused[address] = (user_id, until)
        while len(self._paused) > MAX_PAUSED_ADDRESSES:
            del self._paused[next(iter(self._paused))]
        if self._redis is not None and addresses:
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for address in addresses - {""}:
                        pipe.set(self._address_key(address), str(user_id), ex=int(self._address_seconds))
                    await pipe.execute()
            except Exception:
                log.warning("could not share the paused addresses of user %s: this node keeps them", user_id)

    def _pausable(self, address: str) -> bool:
        """Not loopback, nor one of our own proxies: every client looks like those when the
        forwarded header is not set up (a demo on one machine, a proxy missing from
        BOOTHCAST_TRUSTED_PROXIES), and pausing it would pause every guest sign-in of the fair."""
        try:
            net = ipaddress.ip_network(address, strict=False)
        except ValueError:
            return False
        if net.is_loopback:
            return False
        return not any(net.version == p.version and net.subnet_of(p) for p in self._proxies)  # type: ignore[arg-type]

    async def paused_by(self, address: str) -> int | None:
        """The banned account whose ban pauses guest sign-ins from `address`, if one does. A ban
        lifted since (an unban, `boothcast users enable`) pauses nothing."""
        if not self._address_seconds or not address or not self._pausable(address):
            return None  # never paused: no Redis round trip for it (a storm of local sign-ins)
        user_id: int | None = None
        held = self._paused.get(address)
        if held is not None and held[1] > time.monotonic():
            user_id = held[0]
        elif self._redis is not None:
            try:
                raw = await self._redis.get(self._address_key(address))
            except Exception:
                raw = None  # Redis away: this node's own memory is all there is
            user_id = int(raw) if raw else None
        return user_id if user_id is not None and self.is_banned(user_id) else None

    def _address_key(self, address: str) -> str:
        return f"{self._channel}:paused:{address}"

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
