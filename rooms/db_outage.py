"""Telling a database outage from a bug: the errors a lost or refused connection raises.

During a PostgreSQL restart or outage every query fails with one of a handful of driver errors
(refused connects, connections cut mid-query, "the database system is shutting down"). Those are
not bugs: the client gets `unavailable` with a `retry_after`, not `internal`, and the pool, which
invalidates a connection that failed this way and pre-pings the others, heals by itself once the
server is back.
"""

from __future__ import annotations

import errno

import asyncpg.exceptions as pg
from sqlalchemy import exc as sa

from rooms.errors import Unavailable

RETRY_AFTER_S = 2.0  # a restart takes seconds; the pool reconnects on the next checkout

# Server-side "go away" answers: class 08 (connection exceptions) and the shutdown notices.
_PG_OUTAGE: tuple[type[BaseException], ...] = (
    pg.PostgresConnectionError,
    pg.AdminShutdownError,
    pg.CrashShutdownError,
    pg.CannotConnectNowError,
    pg.TooManyConnectionsError,
)

_NET_ERRNOS = {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT}
_DRIVERS = ("asyncpg", "sqlalchemy")


def _outage(exc: BaseException) -> bool:
    if isinstance(exc, sa.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, _PG_OUTAGE):
        return True
    if isinstance(exc, pg.InterfaceError):
        return "closed" in str(exc)  # "connection is closed"; other InterfaceErrors are misuse (bugs)
    # A refused or reset connect: the pool's connect raises asyncpg's OS error unwrapped. Only
    # one raised inside the driver counts: a client that hangs up mid-body raises the same errors.
    if isinstance(exc, OSError) and (exc.errno in _NET_ERRNOS or isinstance(exc, ConnectionError)):
        return _raised_in_driver(exc)
    return False


def _raised_in_driver(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__", "").startswith(_DRIVERS):
            return True
        tb = tb.tb_next
    return False


def unavailable_from(exc: BaseException) -> Unavailable | None:
    """`Unavailable` when `exc` (or what it wraps) says the database cannot be reached, else None."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if _outage(e):
            return Unavailable("the database is unavailable; try again shortly", RETRY_AFTER_S)
        orig = getattr(e, "orig", None)
        todo += [orig if isinstance(orig, BaseException) else None, e.__cause__, e.__context__]
    return None
