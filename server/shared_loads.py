"""Loads that concurrent callers share, each caller getting an answer as fresh as its own load.

A caller only shares a load that *started after it asked*: while one runs, every caller arriving
waits for the next, which then answers all of them. Nothing is cached, so nothing goes stale; a
burst of N identical requests costs about one load per load time instead of N loads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from lifecycle.stop import stop, stop_all

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _new_future() -> asyncio.Future[V]:
    fut: asyncio.Future[V] = asyncio.get_running_loop().create_future()
    # Every caller may have given up: a failure nobody reads is not worth a "never retrieved" log.
    fut.add_done_callback(lambda f: f.cancelled() or f.exception())
    return fut


class SharedLoads(Generic[K, V]):
    """`load(key)` one at a time per key; each caller gets the first load that starts after it asked."""

    def __init__(self, load: Callable[[K], Awaitable[V]]) -> None:
        self._load = load
        self._next: dict[K, asyncio.Future[V]] = {}  # the load each key's new callers wait for
        self._running: dict[K, asyncio.Task[None]] = {}
        self.loads = 0  # how many loads ran (tests check that a storm shares them)

    async def get(self, key: K) -> V:
        fut = self._next.get(key)
        if fut is None:
            fut = self._next[key] = _new_future()
            if key not in self._running:
                self._running[key] = asyncio.create_task(self._run(key))
        # A caller that gives up must not cancel the load the others wait for.
        return await asyncio.shield(fut)

    async def _run(self, key: K) -> None:
        try:
            while (fut := self._next.pop(key, None)) is not None:
                self.loads += 1
                try:
                    fut.set_result(await self._load(key))
                except asyncio.CancelledError:
                    fut.cancel()
                    raise
                except Exception as exc:
                    fut.set_exception(exc)
        finally:
            del self._running[key]

    async def aclose(self) -> None:
        await stop_all(list(self._running.values()), "the shared loads")
        for fut in self._next.values():
            fut.cancel()
        self._next.clear()


class SharedBatch(Generic[K, V]):
    """`load_many(keys)` one batch at a time, for every key asked for since the last batch started."""

    def __init__(self, load_many: Callable[[list[K]], Awaitable[dict[K, V]]]) -> None:
        self._load_many = load_many
        self._next: dict[K, asyncio.Future[V]] = {}
        self._running: asyncio.Task[None] | None = None
        self.loads = 0

    async def get(self, key: K) -> V:
        """The value for `key`; `KeyError` if the load found none."""
        fut = self._next.get(key)
        if fut is None:
            fut = self._next[key] = _new_future()
            if self._running is None:
                self._running = asyncio.create_task(self._run())
        return await asyncio.shield(fut)

    async def _run(self) -> None:
        try:
            while self._next:
                batch, self._next = self._next, {}
                self.loads += 1
                try:
                    found = await self._load_many(list(batch))
                except asyncio.CancelledError:
                    for fut in batch.values():
                        fut.cancel()
                    raise
                except Exception as exc:
                    for fut in batch.values():
                        fut.set_exception(exc)
                    continue
                for key, fut in batch.items():
                    if key in found:
                        fut.set_result(found[key])
                    else:
                        fut.set_exception(KeyError(key))
        finally:
            self._running = None

    async def aclose(self) -> None:
        await stop(self._running, "a shared batch load")
        for fut in self._next.values():
            fut.cancel()
        self._next.clear()
