"""Stopping a task you own: cancel it and see it end, within a deadline.

`task.cancel()` followed by `await task` waits forever for a task that does not end on its
cancellation: one whose client library turned the cancellation into an error of its own (or
swallowed it) and that then carried on, as a loop that survives errors does, to its next sleep.
A shutdown stuck there holds the whole server. Here such a task is cancelled again at its next
await, and the wait ends at the deadline whatever the task does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from typing import Any

log = logging.getLogger(__name__)

# A cancelled task gets this long to unwind (a `finally` that closes a database session waits for
# its thread) before it is taken to be stuck, and cancelled again every RECANCEL_S.
UNWIND_S = 1.0
RECANCEL_S = 0.1
# How long `stop` waits by default: a loop ends at once on its cancellation; one that takes
# longer is stuck in something that does not answer.
STOP_WITHIN_S = 5.0


async def cancel_and_wait(tasks: Collection[asyncio.Future[Any]], within: float | None) -> set[asyncio.Future[Any]]:
    """Cancel `tasks` and wait for them to end, at most `within` seconds (None: as long as it
    takes). Returns those still running. A cancellation of the caller ends the wait (and is
    raised), unlike `with suppress(CancelledError): await task`, which swallows it."""
    loop = asyncio.get_running_loop()
    end = None if within is None else loop.time() + within
    pending = {t for t in tasks if not t.done()}
    for task in pending:
        task.cancel()
    wait = UNWIND_S
    while pending:
        left = None if end is None else end - loop.time()
        if left is not None and left <= 0:
            break
        _, pending = await asyncio.wait(pending, timeout=wait if left is None else min(wait, left))
        for task in pending:
            task.cancel()
        wait = RECANCEL_S
    return pending


async def stop(task: asyncio.Future[Any] | None, what: str, within: float = STOP_WITHIN_S) -> bool:
    """Cancel `task` and wait for it to end, at most `within` seconds (see `stop_all`)."""
    return await stop_all([] if task is None else [task], what, within)


async def stop_all(tasks: Collection[asyncio.Future[Any]], what: str, within: float = STOP_WITHIN_S) -> bool:
    """Cancel `tasks` all at once and wait for them to end, at most `within` seconds. True when
    every one ended; one left running, or one that had failed, is logged as `what`."""
    tasks = list(tasks)
    if left := await cancel_and_wait(tasks, within):
        log.warning("%s: %d task(s) did not stop within %.1f s of their cancellation", what, len(left), within)
    for task in tasks:
        if task.done() and not task.cancelled() and (exc := task.exception()) is not None:
            log.error("%s had failed", what, exc_info=exc)
    return not left
