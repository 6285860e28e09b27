"""The log budget: a burst, then a steady rate, the rest counted; expected errors on one line."""

from __future__ import annotations

import logging

from server.log_budget import LogBudget
from tests.fake_clock import FakeClock


def _record(msg: str, exc: BaseException | None = None) -> logging.LogRecord:
    info = (type(exc), exc, None) if exc is not None else None
    return logging.LogRecord("t", logging.WARNING, __file__, 1, msg, None, info)


def test_a_burst_then_the_rate_then_a_count() -> None:
    clock = FakeClock(0.0)
    budget = LogBudget(per_minute=6, burst=3, clock=clock)
    passed = [budget.filter(_record(f"line {i}")) for i in range(10)]
    assert passed == [True] * 3 + [False] * 7
    clock.now += 10  # one more line's worth at 6 a minute
    late = _record("later")
    assert budget.filter(late) and not budget.filter(_record("again"))
    assert late.getMessage() == "later (7 similar lines suppressed)"
    assert budget.suppressed == 1


def test_expected_errors_lose_their_traceback() -> None:
    budget = LogBudget(one_line=(ValueError,))
    rec = _record("bad frame from %s", ValueError("no\n  such\tpacket"))
    rec.args = ("abc",)
    assert budget.filter(rec)
    assert rec.exc_info is None and rec.getMessage() == "bad frame from abc: ValueError: no such packet"
    other = _record("bug", KeyError("k"))
    assert budget.filter(other) and other.exc_info is not None
