"""Concurrent requests are coalesced into batches per pair and run in a bounded pool."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import pytest

from translation.batcher import Batcher, BatcherClosed
from translation.engine import Hypothesis, Pair
from translation.fake import FakeEngine


def texts(hypotheses: list[Hypothesis]) -> list[str]:
    return [h.text for h in hypotheses]


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
        started = time.monotonic()
        async with asyncio.timeout(2):
            result = await batcher.translate(("en", "zh"), ["a", "b", "c", "d"])
        assert texts(result) == ["[zh] a", "[zh] b", "[zh] c", "[zh] d"]
        assert time.monotonic() - started < 1.0
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
    loop_thread = threading.get_ident()
    threads: set[int] = set()

    class Slow(FakeEngine):
        def translate_batch(self, pair: Pair, sentences: Sequence[str]) -> list[str]:
            nonlocal active, peak
            with lock:
                active += 1
                peak = max(peak, active)
                threads.add(threading.get_ident())
            time.sleep(0.03)
            with lock:
                active -= 1
            return super().translate_batch(pair, sentences)

    engine = Slow()
    batcher = Batcher(engine, workers=2, max_batch=2, window=0.0)
    try:
        # While the loop waits for the engine it stays responsive.
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        tick_task = asyncio.create_task(ticker())
        await asyncio.gather(*(batcher.translate(("en", "zh"), [str(i)]) for i in range(12)))
        tick_task.cancel()
        assert peak == 2
        assert loop_thread not in threads
        assert ticks > 5
    finally:
        await batcher.aclose()


async def test_batches_grow_while_the_worker_is_busy() -> None:
    engine = FakeEngine(delay=0.05)
    batcher = Batcher(engine, workers=1, max_batch=64, window=0.0)
    try:
        first = asyncio.create_task(batcher.translate(("en", "zh"), ["first"]))
        await asyncio.sleep(0.01)
        rest = [asyncio.create_task(batcher.translate(("en", "zh"), [f"m{i}"])) for i in range(20)]
        await asyncio.gather(first, *rest)
        assert [len(batch) for _, batch in engine.calls] == [1, 20]
    finally:
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
    engine = FakeEngine(delay=0.2)
    batcher = Batcher(engine, workers=1, window=0.0)
    try:
        busy = asyncio.create_task(batcher.translate(("en", "zh"), ["busy"]))
        await asyncio.sleep(0.02)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await batcher.translate(("en", "zh"), ["given up"])
        await busy
        await asyncio.sleep(0.05)
        assert all("given up" not in batch for _, batch in engine.calls)
    finally:
        await batcher.aclose()


async def test_closed_batcher_refuses_and_fails_pending() -> None:
    engine = FakeEngine(delay=0.1)
    batcher = Batcher(engine, workers=1, window=0.0)
    busy = asyncio.create_task(batcher.translate(("en", "zh"), ["busy"]))
    await asyncio.sleep(0.02)
    waiting = asyncio.create_task(batcher.translate(("en", "zh"), ["waiting"]))
    await asyncio.sleep(0)
    await batcher.aclose()
    with pytest.raises((BatcherClosed, asyncio.CancelledError)):
        await waiting
    busy.cancel()
    with pytest.raises(BatcherClosed):
        await batcher.translate(("en", "zh"), ["late"])
