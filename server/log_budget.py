"""A budget for the log lines that clients can cause: a burst, then a steady rate, then a count.

Malformed socket frames and unparseable HTTP requests are logged so that an operator can see an
attack, but one client must not be able to fill the disk with them (1,000 four-byte frames once
wrote 2 MB of tracebacks). Past the budget, lines are only counted; the count rides on the next
line let through. Tracebacks of the expected kinds (a bad request, a bad frame) are cut to one
line: they say nothing about our code.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class LogBudget(logging.Filter):
    """A `logging.Filter` letting `burst` records through at once, then `per_minute`."""

    def __init__(
        self,
        per_minute: float = 12,
        burst: int = 20,
        *,
        one_line: tuple[type[BaseException], ...] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._rate = per_minute / 60
        self._burst = float(burst)
        self._tokens = float(burst)
        self._one_line = one_line
        self._clock = clock
        self._last = clock()
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if self._tokens < 1:
            self.suppressed += 1
            return False
        self._tokens -= 1
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and isinstance(exc, self._one_line):
            record.msg = f"{record.getMessage()}: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        if self.suppressed:
            record.msg = f"{record.getMessage()} ({self.suppressed} similar lines suppressed)"
            record.args = None
            self.suppressed = 0
        return True


def budgeted_logger(name: str, budget: LogBudget) -> logging.Logger:
    """The logger `name` with `budget` as its filter (once, however often this is called)."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, LogBudget) for f in logger.filters):
        logger.addFilter(budget)
    return logger
