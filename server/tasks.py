"""A set of background tasks one component started and must stop when it closes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from lifecycle.stop import cancel_and_wait

log = logging.getLogger(__name__)
T = TypeVar("T")

# How long cancelled tasks get to unwind when the deadline has already passed (or there is none
# to share): long enough for a `finally` that sends one frame, short enough not to stall a stop.
CANCEL_GRACE_S = 1.0


class Tasks:
    """Owns spawned tasks: keeps a reference (the loop holds only a weak one), logs the exception
    of any that fails (else it surfaces only as "Task exception was never retrieved" at garbage
    collection, or never), and stops them all within a deadline on `aclose`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def __len__(self) -> int:
        return len(self._tasks)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("%s: task %s failed", self.name, task.get_name(), exc_info=exc)

    async def aclose(self, deadline: float | None = None, *, finish: bool = False) -> bool:
        """Stop every task by `deadline` (the loop's clock; None waits as long as they take).

        With `finish`, tasks may run until the deadline and only the late ones are cancelled;
        otherwise all are cancelled at once. Cancelled tasks are awaited until the deadline (at
        least `CANCEL_GRACE_S`). True when every task has ended; a task that ignored its
        cancellation is logged and left behind.
        """
        loop = asyncio.get_running_loop()
        tasks = list(self._tasks)
        if not tasks:
            return True
        if finish and deadline is not None:
            await asyncio.wait(tasks, timeout=max(0.0, deadline - loop.time()))
        late = [t for t in tasks if not t.done()]
        if not late:
            return True
        within = None if deadline is None else max(CANCEL_GRACE_S, deadline - loop.time())
        pending = await cancel_and_wait(late, within)
        if pending:
            log.warning("%s: %d tasks outlived the shutdown deadline", self.name, len(pending))
            return False
        return True
