"""Group commit: what callers queue while a commit is in flight shares the next commit.

A commit costs about the same for one row as for a hundred (the round trips, the transaction, on
SQLite the fsync), so when a crowd does the same write at once, each caller paying for its own
commit makes the commit the bottleneck. Here the first caller commits at once when nothing is in
flight; callers arriving meanwhile wait and then go together in one transaction. Each caller still
gets its result only after that commit. A group that fails is retried item by item, so one bad row
cannot fail its neighbours; a database outage fails the whole group at once (one by one would
fail alike).

`rooms/chat_writer.py` does the same per booth, with chat's own rules (seq ranges, resends).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from rooms.db_outage import unavailable_from
from rooms.errors import DomainError

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

CLOSE_SECONDS = 10  # how long a closing node waits for the queued commits


class GroupCommit(Generic[T, R]):
    """`commit(items)` one group at a time, for every item submitted since the last group started."""

    def __init__(self, commit: Callable[[list[T]], Awaitable[list[R]]], *, what: str, max_group: int = 500) -> None:
        # `commit` writes the items in one transaction and returns one result per item, in order.
        self._commit = commit
        self._what = what
        self._max_group = max_group
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._drain_task: asyncio.Task[None] | None = None
        self.commits = 0  # how many transactions ran (tests check that a crowd shares them)
        # Called with each group's seconds (the server's metrics); failures included.
        self.on_commit: Callable[[float], None] | None = None

    async def submit(self, item: T) -> R:
        """Commit `item` with whatever else is waiting; its result once the commit is done."""
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, done))
        if self._drain_task is None:
            # A fresh context: the drain serves every caller, so it must not inherit the first
            # caller's context variables (such as being inside a write transaction already).
            self._drain_task = asyncio.create_task(self._drain(), context=contextvars.Context())
        # Shielded: a caller that goes away must not cancel a commit its neighbours share.
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            done.add_done_callback(_nobody_waits)
            raise

    async def _drain(self) -> None:
        group: list[tuple[T, asyncio.Future[R]]] = []
        try:
            while self._queue:
                group = self._queue[: self._max_group]
                del self._queue[: self._max_group]
                await self._commit_group(group)
        finally:
            # Only when cancelled at shutdown: nobody will commit these, so nobody may wait.
            for _, done in group + self._queue:
                if not done.done():
                    done.cancel()
            self._queue.clear()
            self._drain_task = None

    async def _commit_group(self, group: list[tuple[T, asyncio.Future[R]]]) -> None:
        started = time.monotonic()
        self.commits += 1
        outcomes: list[R | BaseException]
        try:
            outcomes = list(await self._commit([item for item, _ in group]))
            if len(outcomes) != len(group):
                raise RuntimeError(f"{self._what}: {len(outcomes)} results for {len(group)} items")
        except DomainError as err:
            outcomes = [err] * len(group)
        except Exception as exc:
            if unavailable_from(exc) is not None or len(group) == 1:
                if len(group) == 1 and unavailable_from(exc) is None:
                    log.exception("committing %s failed", self._what)
                outcomes = [exc] * len(group)
            else:
                log.warning("a group of %d %s failed; committing them one by one", len(group), self._what)
                for one in group:
                    await self._commit_group([one])
                return
        if self.on_commit is not None:
            self.on_commit(time.monotonic() - started)
        for (_, done), outcome in zip(group, outcomes, strict=True):
            if done.done():
                continue
            if isinstance(outcome, BaseException):
                done.set_exception(outcome)
            else:
                done.set_result(outcome)

    async def aclose(self) -> None:
        """Let what is queued commit (its callers are waiting), then stop."""
        task = self._drain_task
        if task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, CLOSE_SECONDS)


def _nobody_waits(done: asyncio.Future[Any]) -> None:
    # The caller left; a failure was logged here and must not be reported again as
    # "exception never retrieved".
    if not done.cancelled():
        done.exception()
