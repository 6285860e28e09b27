"""Coalesce concurrent sentence requests into batches per language pair.

A busy booth sends many short messages at once; CTranslate2 translates 32 sentences in little
more time than one. Requests wait at most `window` seconds for company (less when the batch
fills), then a fixed number of workers run batches in threads, off the event loop. While all
workers are busy new requests keep accumulating, so batches grow with the load by themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from lifecycle.stop import stop_all
from translation.engine import BatchEngine, Hypothesis, Pair


class BatcherClosed(RuntimeError):
    pass


@dataclass(slots=True)
class _Item:
    text: str
    future: asyncio.Future[Hypothesis]
    enqueued: float


@dataclass(slots=True)
class BatcherStats:
    batches: int = 0
    sentences: int = 0  # distinct sentences sent to the engine
    sizes: list[int] = field(default_factory=list)  # recent batch sizes, for the bench

    @property
    def mean_batch(self) -> float:
        return self.sentences / self.batches if self.batches else 0.0


class Batcher:
    def __init__(
        self, engine: BatchEngine, *, workers: int = 1, max_batch: int = 32, window: float = 0.005
    ) -> None:
        self._engine = engine
        self._workers = max(1, workers)
        self._max_batch = max(1, max_batch)
        self._window = window
        self._executor = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="translate")
        self._pending: dict[Pair, deque[_Item]] = {}
        self._wakeup: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False
        self.stats = BatcherStats()
        # Called with each batch's distinct sentence count (the server's metrics histogram).
        self.on_batch: Callable[[int], None] | None = None

    def _start(self) -> asyncio.Event:
        if self._wakeup is None:
            self._wakeup = asyncio.Event()
            self._tasks = [
                asyncio.create_task(self._work(), name=f"translate-{i}") for i in range(self._workers)
            ]
        return self._wakeup

    def submit(self, pair: Pair, sentences: Sequence[str]) -> list[asyncio.Future[Hypothesis]]:
        """Queue `sentences`; one future per sentence. Cancel a future to withdraw its sentence."""
        if self._closed:
            raise BatcherClosed("translator is closed")
        wakeup = self._start()
        loop = asyncio.get_running_loop()
        now = time.monotonic()
        queue = self._pending.setdefault(pair, deque())
        futures: list[asyncio.Future[Hypothesis]] = []
        for text in sentences:
            future: asyncio.Future[Hypothesis] = loop.create_future()
            queue.append(_Item(text, future, now))
            futures.append(future)
        wakeup.set()
        return futures

    async def translate(self, pair: Pair, sentences: Sequence[str]) -> list[Hypothesis]:
        """Translations of `sentences`, in order; raises the engine's error.

        Callers bound the wait with `asyncio.timeout`; a cancelled request leaves the queue.
        """
        if not sentences:
            if self._closed:
                raise BatcherClosed("translator is closed")
            return []
        futures = self.submit(pair, sentences)
        try:
            return list(await asyncio.gather(*futures))
        finally:
            for future in futures:
                future.cancel()  # no-op when done; frees queued work when we gave up

    def _oldest_pair(self) -> Pair | None:
        oldest: tuple[float, Pair] | None = None
        for pair, queue in self._pending.items():
            while queue and queue[0].future.done():
                queue.popleft()  # cancelled by a timed-out caller
            if queue and (oldest is None or queue[0].enqueued < oldest[0]):
                oldest = (queue[0].enqueued, pair)
        return None if oldest is None else oldest[1]

    async def _next_batch(self, wakeup: asyncio.Event) -> tuple[Pair, list[_Item]]:
        while True:
            pair = self._oldest_pair()
            if pair is None:
                wakeup.clear()
                await wakeup.wait()
                continue
            queue = self._pending[pair]
            delay = queue[0].enqueued + self._window - time.monotonic()
            if len(queue) < self._max_batch and delay > 0:
                wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await wakeup.wait()
                continue  # re-evaluate: more arrived, the window passed, or another worker took them
            batch: list[_Item] = []
            while queue and len(batch) < self._max_batch:
                item = queue.popleft()
                if not item.future.done():
                    batch.append(item)
            if not queue:
                del self._pending[pair]
            if batch:
                return pair, batch

    async def _work(self) -> None:
        assert self._wakeup is not None
        loop = asyncio.get_running_loop()
        while True:
            pair, batch = await self._next_batch(self._wakeup)
            # The same sentence twice in one batch ("ok", "thanks") is translated once.
            distinct = list(dict.fromkeys(item.text for item in batch))
            self.stats.batches += 1
            self.stats.sentences += len(distinct)
            self.stats.sizes = [*self.stats.sizes[-999:], len(distinct)]
            if self.on_batch is not None:
                self.on_batch(len(distinct))
            try:
                results = await loop.run_in_executor(
                    self._executor, self._engine.translate_batch, pair, distinct
                )
                if len(results) != len(distinct):
                    raise RuntimeError(
                        f"engine returned {len(results)} results for {len(distinct)} sentences"
                    )
            except asyncio.CancelledError:
                for item in batch:
                    item.future.cancel()
                raise
            except Exception as exc:
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(exc)
                continue
            by_text = dict(zip(distinct, results, strict=True))
            for item in batch:
                if not item.future.done():
                    item.future.set_result(by_text[item.text])

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await stop_all(self._tasks, "the translation workers")
        for queue in self._pending.values():
            for item in queue:
                if not item.future.done():
                    item.future.set_exception(BatcherClosed("translator is closed"))
        self._pending.clear()
        # Wait for a running batch in a thread to finish before the engine frees its models.
        await asyncio.to_thread(self._executor.shutdown, True, cancel_futures=True)
