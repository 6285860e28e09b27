"""chat:batch coalescing: at once when idle, gathered while a flush is in flight, never reordered."""

from __future__ import annotations

import asyncio
from typing import Any

from server.fanout import Coalescer


class SlowEmit:
    """An emit that takes as long as the test says, like a publish to Redis awaiting its reply."""

    def __init__(self) -> None:
        self.frames: list[list[int]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.release = asyncio.Event()
        self.sent = asyncio.Event()
        self.entered = asyncio.Event()

    async def __call__(self, event: str, data: Any, room: str) -> None:
        self.in_flight += 1
        self.entered.set()
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.release.wait()
            self.frames.append([m["seq"] for m in data["messages"]])
            self.sent.set()
        finally:
            self.in_flight -= 1


async def _settle() -> None:
    """Let every ready task run a few steps: no clock involved, only the loop's turns.

    Enough for a flush that should not happen (a second one in flight, one before the tick) to
    show itself: with `release` set, an emit completes without suspending.
    """
    for _ in range(5):
        await asyncio.sleep(0)


async def test_messages_arriving_during_a_slow_flush_go_next_in_order() -> None:
    emit = SlowEmit()
    co = Coalescer(emit, tick=0.0, spread=0.0)
    co.add("room", 1, {"seq": 1})
    await asyncio.wait_for(emit.entered.wait(), 5)
    assert emit.in_flight == 1, "the first message of an idle room goes at once"
    for seq in (2, 3, 4):
        co.add("room", 1, {"seq": seq})
        await _settle()
    assert emit.most_in_flight == 1, "a second flush of the room must not start while one is in flight"
    emit.release.set()
    await asyncio.wait_for(_until(emit, lambda: sum(map(len, emit.frames)) == 4), 5)
    assert emit.frames == [[1], [2, 3, 4]]
    assert emit.most_in_flight == 1
    await co.aclose()


async def test_the_next_frame_waits_for_the_interval_and_rooms_are_independent() -> None:
    emit = SlowEmit()
    emit.release.set()
    co = Coalescer(emit, tick=0.2, spread=0.0)
    co.add("a", 1, {"seq": 1})
    co.add("b", 2, {"seq": 7})
    await asyncio.wait_for(_until(emit, lambda: len(emit.frames) == 2), 5)
    co.add("a", 1, {"seq": 3})
    co.add("a", 1, {"seq": 2})
    await _settle()
    assert len(emit.frames) == 2, "within the tick, later messages wait for one frame"
    await asyncio.wait_for(_until(emit, lambda: len(emit.frames) == 3), 5)
    assert sorted(emit.frames) == [[1], [2, 3], [7]]
    await co.aclose()


async def _until(emit: SlowEmit, cond: Any) -> None:
    while not cond():
        emit.sent.clear()
        await emit.sent.wait()
