"""The collector policy, with CPython's own collector: what a full collection leaves is frozen,
and it is thawed (so its cycles are reclaimed) once enough sockets have closed or enough time passed."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from server.collector import CollectorPolicy
from tests.fake_clock import FakeClock


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> tuple[Node, weakref.ref[Node]]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return a, weakref.ref(b)



@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.collect()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.collect()


def tracked(obj: object) -> bool:
    """Still in one of the collector's generations (frozen objects are not)."""
    return any(o is obj for o in gc.get_objects())


def test_a_full_collection_freezes_what_it_leaves(unfrozen: None) -> None:
    departed = [0]
    policy = CollectorPolicy(departures=lambda: departed[0], live=lambda: 1000)
    policy.start()
    try:
        kept, _ = cycle()
        assert tracked(kept)
        gc.collect()
        assert policy.freezes == 1
        assert gc.get_freeze_count() > 0
        assert not tracked(kept)  # the next full collection will not walk it
    finally:
        policy.stop()
    assert gc.get_freeze_count() == 0  # stop thaws: nothing stays out of reach
    assert tracked(kept)


def test_cycles_frozen_then_dropped_are_reclaimed_after_enough_departures(unfrozen: None) -> None:
    departed = [0]
    policy = CollectorPolicy(departures=lambda: departed[0], live=lambda: 1000, min_departures=10)
    policy.start()
    try:
        a, alive = cycle()
        gc.collect()  # frozen
        del a
        gc.collect()
        assert alive() is not None  # a frozen cycle is out of the collector's reach...
        departed[0] = 249  # a quarter of the 1,000 open at the freeze is 250
        gc.collect(0)
        assert policy.thaws == 0
        departed[0] = 250
        gc.collect(0)  # any collection checks: this one thaws
        assert policy.thaws == 1 and gc.get_freeze_count() == 0
        gc.collect()
        assert alive() is None  # ...until the thaw
    finally:
        policy.stop()


def test_time_thaws_too(unfrozen: None) -> None:
    clock = FakeClock()
    policy = CollectorPolicy(departures=lambda: 0, live=lambda: 0, thaw_every_s=600, clock=clock)
    policy.start()
    try:
        a, alive = cycle()
        gc.collect()
        del a
        clock.now += 599
        gc.collect(0)
        assert policy.thaws == 0
        clock.now += 1
        gc.collect(0)
        assert policy.thaws == 1
        gc.collect()
        assert alive() is None
    finally:
        policy.stop()


def test_refcounted_objects_are_freed_while_frozen(unfrozen: None) -> None:
    policy = CollectorPolicy(departures=lambda: 0, live=lambda: 0)
    policy.start()
    try:
        plain = Node()
        alive = weakref.ref(plain)
        gc.collect()
        assert not tracked(plain)
        del plain  # no cycle: its reference count frees it, frozen or not
        assert alive() is None
    finally:
        policy.stop()
