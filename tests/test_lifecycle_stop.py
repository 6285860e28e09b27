"""lifecycle/stop.py: a stopped task ends, or the wait ends at its deadline, whatever the task does."""

from __future__ import annotations

import asyncio
import logging

import pytest

from lifecycle.stop import stop, stop_all


async def stubborn(release: asyncio.Event) -> None:
    """Swallows every cancellation until released."""
    while not release.is_set():
        try:
            await release.wait()
        except asyncio.CancelledError:
            continue


async def test_a_task_that_takes_its_cancellation_for_an_error_still_stops() -> None:
    errors: list[str] = []
    started = asyncio.Event()

    async def poller() -> None:
        while True:
            started.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                errors.append("closed")  # a client library's "connection closed"
            await asyncio.sleep(3600)

    task = asyncio.create_task(poller())
    await started.wait()
    assert await stop(task, "the poller") is True
    assert task.cancelled() and errors == ["closed"]


async def test_a_task_that_never_ends_is_left_behind_at_the_deadline(caplog: pytest.LogCaptureFixture) -> None:
    release = asyncio.Event()
    task = asyncio.create_task(stubborn(release))
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    began = loop.time()
    assert await stop(task, "the stubborn loop", within=0.3) is False
    assert loop.time() - began < 30  # it returned (a bound on a hang, not a timing)
    assert any("the stubborn loop: 1 task(s) did not stop" in r.getMessage() for r in caplog.records)
    release.set()
    await task


async def test_a_failed_task_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    async def boom() -> None:
        raise RuntimeError("kaput")

    task = asyncio.create_task(boom())
    await asyncio.sleep(0)
    caplog.set_level(logging.ERROR)
    assert await stop(task, "the boom") is True
    assert any("the boom had failed" in r.getMessage() for r in caplog.records)
    assert await stop(None, "nothing") is True


async def test_cancelling_the_closer_cancels_its_wait() -> None:
    release = asyncio.Event()
    task = asyncio.create_task(stubborn(release))
    await asyncio.sleep(0)
    closer = asyncio.create_task(stop(task, "the stubborn loop", within=3600))
    await asyncio.sleep(0.3)
    closer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closer
    release.set()
    await task


async def test_stop_all_cancels_every_task_at_once() -> None:
    ended: list[int] = []

    async def waits(i: int) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            ended.append(i)

    tasks = [asyncio.create_task(waits(i)) for i in range(3)]
    await asyncio.sleep(0)
    assert await stop_all(tasks, "the waiters") is True
    assert sorted(ended) == [0, 1, 2] and all(t.cancelled() for t in tasks)


async def test_a_task_unwinding_in_its_finally_is_not_interrupted() -> None:
    """A `finally` that takes a moment (closing a database session) finishes: the second
    cancellation comes only after UNWIND_S."""
    cleaned: list[bool] = []
    started = asyncio.Event()

    async def reader() -> None:
        try:
            started.set()
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0.3)  # the session's close, on its thread
            cleaned.append(True)

    task = asyncio.create_task(reader())
    await started.wait()
    assert await stop(task, "the reader") is True
    assert cleaned == [True]
