"""Slow mode: a buyer may send one message per N seconds in a booth (0: off, at most 600).

The interval is a token bucket of one token refilled every N seconds, kept by the fair's rate
limiter: in Redis when the fair has it, so a buyer switching nodes gains nothing; in memory on
one node. The booth's setting is read from the database on every buyer message (one primary-key
read) rather than cached per node: a cached copy would let a buyer on another node skip a slow
mode set a moment ago, exactly when a moderator is trying to calm a flood.

Who may set it: moderators for any booth, and the booth's own staff for theirs: the supplier is
the one watching their chat flood during a show. Who it spares: the booth's staff and moderators.
"""

from __future__ import annotations

from sqlalchemy import select

from rooms.auth import AuthUser
from rooms.db import Database
from rooms.errors import Forbidden, NotFound, RateLimited, SlowMode
from rooms.models import AuditEntry, Booth
from rooms.ratelimit import RateLimiter

MAX_SECONDS = 600


def exempt(actor: AuthUser, booth_id: int) -> bool:
    return actor.is_moderator or actor.is_staff_of(booth_id)


class SlowModeStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def seconds(self, booth_id: int) -> int:
        """The booth's interval (0: off); `NotFound` for no such booth."""
        async with self._db.reader() as s:
            seconds = await s.scalar(select(Booth.slow_mode_seconds).where(Booth.id == booth_id))
        if seconds is None:
            raise NotFound("no such booth")
        return int(seconds)

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
        return seconds

    async def all_booths(self) -> dict[str, int]:
        """Every booth's interval, by booth id as text (a JSON object key): the moderators' view."""
        async with self._db.reader() as s:
            rows = (await s.execute(select(Booth.id, Booth.slow_mode_seconds))).all()
        return {str(b): int(n or 0) for b, n in rows}
