"""Concurrent requests are coalesced into batches per pair and run in a bounded pool."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from translation.batcher import Batcher, BatcherClosed
from translation.engine import Hypothesis, Pair
from translation.fake import FakeEngine


def texts(hypotheses: list[Hypothesis]) -> list[str]:
    return [h.text for h in hypotheses]


class GatedEngine(FakeEngine):
    """Holds every batch in its worker thread until the test opens the gate.

    `started` is set on the loop once a batch is in the engine, so a test knows the worker is
    busy without guessing how long that takes.
    """

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.get_running_loop()
        self.started = asyncio.Event()
        self.gate = threading.Event()

    def translate_batch(self, pair: Pair, sentences: Sequence[str]) -> list[Hypothesis]:
        self.loop.call_soon_threadsafe(self.started.set)
        # Bounded so that a failing test cannot hang the executor's shutdown.
        self.gate.wait(timeout=10)
        return super().translate_batch(pair, sentences)


async def test_concurrent_requests_share_one_batch() -> None:
    engine = FakeEngine()
    batcher = Batcher(engine, workers=1, max_batch=32, window=0.02)
    try:
        results = await asyncio.gather(*(batcher.translate(("en", "zh"), [f"s{i}"]) for i in range(10)))
        assert [texts(r) for r in results] == [[f"[zh] s{i}"] for i in range(10)]
        assert len(engine.calls) == 1
        assert engine.calls[0] == (("en", "zh"), [f"s{i}" for i in range(10)])
    finally:
        await batcher.aclose()


async def test_pairs_are_batched_separately() -> None:
    engine = FakeEngine()
    batcher = Batcher(engine, window=0.01)
    try:
        a, b = await asyncio.gather(
            batcher.translate(("en", "zh"), ["x"]), batcher.translate(("en", "es"), ["y"])
        )
        assert (texts(a), texts(b)) == (["[zh] x"], ["[es] y"])
        assert sorted(pair for pair, _ in engine.calls) == [("en", "es"), ("en", "zh")]
    finally:
        await batcher.aclose()


async def test_full_batch_flushes_before_the_window() -> None:
    engine = FakeEngine()
    batcher = Batcher(engine, max_batch=4, window=5.0)
    try:
        # A full batch goes at once: waiting out the 5 s window would overrun this bound.
        async with asyncio.timeout(2):
            result = await batcher.translate(("en", "zh"), ["a", "b", "c", "d"])
        assert texts(result) == ["[zh] a", "[zh] b", "[zh] c", "[zh] d"]
    finally:
        await batcher.aclose()


async def test_oversized_request_is_split_into_max_batches() -> None:
    engine = FakeEngine()
    batcher = Batcher(engine, max_batch=4, window=0.001)
    try:
        result = await batcher.translate(("en", "zh"), [str(i) for i in range(10)])
        assert texts(result) == [f"[zh] {i}" for i in range(10)]
        assert [len(batch) for _, batch in engine.calls] == [4, 4, 2]
    finally:
        await batcher.aclose()


async def test_duplicate_sentences_are_translated_once() -> None:
    engine = FakeEngine()
    batcher = Batcher(engine, window=0.01)
    try:
        results = await asyncio.gather(*(batcher.translate(("en", "zh"), ["thanks"]) for _ in range(5)))
        assert [texts(r) for r in results] == [["[zh] thanks"]] * 5
        assert engine.sentences_translated == 1
    finally:
        await batcher.aclose()


async def test_runs_off_the_event_loop_with_bounded_workers() -> None:
    active = 0
    peak = 0
    lock = threading.Lock()
    loop = asyncio.get_running_loop()
    loop_thread = threading.get_ident()
    threads: set[int] = set()
    both_busy = threading.Event()
    in_engine = asyncio.Event()
    loop_answered = threading.Event()
    waits: list[bool] = []

    class Held(FakeEngine):
        def translate_batch(self, pair: Pair, sentences: Sequence[str]) -> list[Hypothesis]:
            nonlocal active, peak
            with lock:
                active += 1
                peak = max(peak, active)
                threads.add(threading.get_ident())
                if active == 2:
                    both_busy.set()
            loop.call_soon_threadsafe(in_engine.set)
            # The first batch stays in the engine until a second runs beside it (so the bound is
            # reached) and until the loop has answered (which it cannot if it is the one waiting).
            waited = both_busy.wait(timeout=10) and loop_answered.wait(timeout=10)
            with lock:
                waits.append(waited)
                active -= 1
            return super().translate_batch(pair, sentences)

    engine = Held()
    batcher = Batcher(engine, workers=2, max_batch=2, window=0.0)
    try:

        async def answer() -> None:
            await in_engine.wait()
            loop_answered.set()

        answering = asyncio.create_task(answer())
        await asyncio.gather(*(batcher.translate(("en", "zh"), [str(i)]) for i in range(12)))
        await answering
        assert peak == 2
        assert loop_thread not in threads
        assert waits and all(waits), "a batch waited in vain: no second batch, or the loop was blocked"
    finally:
        await batcher.aclose()


async def test_batches_grow_while_the_worker_is_busy() -> None:
    engine = GatedEngine()
    batcher = Batcher(engine, workers=1, max_batch=64, window=0.0)
    try:
        first = asyncio.create_task(batcher.translate(("en", "zh"), ["first"]))
        await asyncio.wait_for(engine.started.wait(), 10)
        rest = [future for i in range(20) for future in batcher.submit(("en", "zh"), [f"m{i}"])]
        engine.gate.set()
        await asyncio.gather(first, *rest)
        assert [len(batch) for _, batch in engine.calls] == [1, 20]
    finally:
        engine.gate.set()
        await batcher.aclose()


async def test_engine_error_reaches_every_caller_and_the_batcher_survives() -> None:
    engine = FakeEngine(fail=True)
    batcher = Batcher(engine, window=0.005)
    try:
        outcomes = await asyncio.gather(
            batcher.translate(("en", "zh"), ["a"]),
            batcher.translate(("en", "zh"), ["b"]),
            return_exceptions=True,
        )
        assert all(isinstance(o, RuntimeError) for o in outcomes)
        engine.fail = False
        assert texts(await batcher.translate(("en", "zh"), ["c"])) == ["[zh] c"]
    finally:
        await batcher.aclose()


async def test_a_timed_out_request_leaves_the_queue() -> None:
    engine = GatedEngine()
    batcher = Batcher(engine, workers=1, window=0.0)
    try:
        busy = asyncio.create_task(batcher.translate(("en", "zh"), ["busy"]))
        await asyncio.wait_for(engine.started.wait(), 10)
        # The worker is held, so this request can only time out (the behaviour under test).
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await batcher.translate(("en", "zh"), ["given up"])
        engine.gate.set()
        await busy
        # The queue is first in, first out: once a later request is back, "given up" had its turn.
        assert texts(await batcher.translate(("en", "zh"), ["after"])) == ["[zh] after"]
        assert all("given up" not in batch for _, batch in engine.calls)
    finally:
        engine.gate.set()
        await batcher.aclose()


async def test_closed_batcher_refuses_and_fails_pending() -> None:
    engine = GatedEngine()
    batcher = Batcher(engine, workers=1, window=0.0)
    busy = asyncio.create_task(batcher.translate(("en", "zh"), ["busy"]))
    await asyncio.wait_for(engine.started.wait(), 10)
    (waiting,) = batcher.submit(("en", "zh"), ["waiting"])
    # aclose fails what is queued, then waits for the batch still held in the engine.
    closing = asyncio.create_task(batcher.aclose())
    with pytest.raises((BatcherClosed, asyncio.CancelledError)):
        await asyncio.wait_for(waiting, 10)
    engine.gate.set()
    await closing
    busy.cancel()
    with pytest.raises(BatcherClosed):
        await batcher.translate(("en", "zh"), ["late"])
