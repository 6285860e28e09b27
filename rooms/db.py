"""The database engine and sessions: SQLite (WAL) by default, PostgreSQL in production."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# What a commit waits for on SQLite. WAL with FULL fsyncs the log at every commit, so an acked
# message survives a power loss, not only a process crash (NORMAL syncs only at checkpoints). Group
# commit (rooms/chat_writer.py) shares one fsync among a burst's messages: bench/durability.py
# measures the difference (bench/RESULTS.md, *durability*).
SQLITE_SYNCHRONOUS = "FULL"


class Database:
    def __init__(self, url: str, *, sqlite_synchronous: str = SQLITE_SYNCHRONOUS) -> None:
        if sqlite_synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"unknown SQLite synchronous level {sqlite_synchronous!r}")
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", partial(_sqlite_pragmas, sqlite_synchronous))
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time. Writers that collide get SQLITE_BUSY and sleep in the
        # busy handler (up to 100 ms a retry), which made a chat burst's commits crawl; queueing
        # them here instead hands the write lock straight to the next one.
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._writing: ContextVar[bool] = ContextVar(f"writing-{id(self)}", default=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits when the block ends without error."""
        if self._write_lock is None or self._writing.get():
            async with self.sessions() as s, s.begin():
                yield s
            return
        async with self._write_lock:
            token = self._writing.set(True)
            try:
                async with self.sessions() as s, s.begin():
                    yield s
            finally:
                self._writing.reset(token)

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only; nothing is committed."""
        async with self.sessions() as s:
            yield s

    async def aclose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(synchronous: str, dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers (history, leads) run while a chat message commits.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA synchronous={synchronous}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
