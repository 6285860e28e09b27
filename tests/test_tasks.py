"""server/tasks.py: spawned tasks are kept, their failures logged, and all stopped on close."""

from __future__ import annotations

import asyncio
import logging

import pytest

from server import tasks as tasks_module
from server.tasks import Tasks


async def test_a_failed_task_is_logged_and_forgotten(caplog: pytest.LogCaptureFixture) -> None:
    tasks = Tasks("unit")

    async def boom() -> None:
        raise RuntimeError("kaput")

    task = tasks.spawn(boom())
    with pytest.raises(RuntimeError):
        await task
    await asyncio.sleep(0)  # the done callback runs on the loop's next turn
    assert len(tasks) == 0
    failures = [r for r in caplog.records if r.levelno == logging.ERROR and "unit: task" in r.getMessage()]
    assert failures and failures[0].exc_info is not None
    assert "kaput" in str(failures[0].exc_info[1])


async def test_close_cancels_and_awaits_every_task() -> None:
    tasks = Tasks("unit")
    started = asyncio.Event()
    cleaned: list[bool] = []

    async def forever() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.append(True)

    task = tasks.spawn(forever())
    await started.wait()
    assert await tasks.aclose() is True
    assert task.cancelled() and cleaned == [True]
    assert len(tasks) == 0


async def test_with_finish_work_in_flight_completes_before_the_deadline() -> None:
    tasks = Tasks("unit")
    go = asyncio.Event()
    done: list[int] = []

    async def work() -> None:
        await go.wait()
        done.append(1)

    task = tasks.spawn(work())
    loop = asyncio.get_running_loop()
    closing = asyncio.create_task(tasks.aclose(loop.time() + 60, finish=True))
    await asyncio.sleep(0)
    assert not closing.done()  # waiting for the work, not cancelling it
    go.set()
    assert await closing is True
    assert done == [1] and not task.cancelled()


async def test_a_task_that_ignores_cancellation_is_reported_not_waited_for(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(tasks_module, "CANCEL_GRACE_S", 0.0)
    tasks = Tasks("unit")
    release = asyncio.Event()
    started = asyncio.Event()

    async def stubborn() -> None:
        started.set()
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue  # swallows every cancellation until released

    task = tasks.spawn(stubborn())
    await started.wait()
    loop = asyncio.get_running_loop()
    assert await tasks.aclose(loop.time()) is False
    assert any("outlived the shutdown deadline" in r.getMessage() for r in caplog.records)
    release.set()
    await task


async def test_a_loop_that_took_its_cancellation_for_an_error_is_cancelled_again() -> None:
    """As a client library may do: the cancel surfaces as its own error, and the loop, which
    carries on after errors, goes back to its sleep. Close cancels it there too, within the grace."""
    tasks = Tasks("unit")
    started = asyncio.Event()
    errors: list[str] = []

    async def poller() -> None:
        while True:
            try:
                started.set()
                try:
                    await asyncio.Event().wait()  # a request in flight
                except asyncio.CancelledError:
                    raise ConnectionError("connection closed") from None
            except ConnectionError as exc:
                errors.append(str(exc))
            await asyncio.sleep(3600)

    task = tasks.spawn(poller())
    await started.wait()
    assert await tasks.aclose(asyncio.get_running_loop().time() + 5) is True
    assert task.cancelled() and errors == ["connection closed"]
