"""The cyclic garbage collector's schedule for a long-lived server: freeze what a full collection
leaves, thaw it once enough of it may have become garbage.

CPython runs a full collection whenever the objects promoted to the oldest generation since the
last one pass a quarter of those it kept. A node holding thousands of sockets keeps ~90 tracked
objects per socket (aiohttp's request, parser and tasks, engine.io's socket, the coroutine chain),
so every full collection walks them all: as a join storm grows the heap they come one after another
(a server that took 5,000 viewers and let them go ran 24, 1.7 s in all, up to 375 ms each), and in
steady chat each one is a pause every viewer sees.

Everything a full collection leaves was reachable a moment ago; most of it (the open sockets) stays
so for minutes. Moving it to the permanent generation (`gc.freeze()`) right after the collection
means the next full collection walks only what is newer. Frozen objects are still freed by their
reference counts; what they cannot leave is a reference cycle, and a socket that closes does leave
cycles (transport and protocol, tasks and their frames). So the frozen set is thawed
(`gc.unfreeze()`: the next full collection, at CPython's usual moment, walks and reclaims it) once
as many sockets have closed as a quarter of those open at the last freeze (at least
`min_departures`), and at least every `thaw_every_s` for any other cycle that aged into garbage.
A thaw costs what every full collection costs without this policy; it only comes much less often.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any


class CollectorPolicy:
    """Installed by `serve` for the process's life: `start()` once, `stop()` once."""

    def __init__(
        self,
        *,
        departures: Callable[[], int],
        live: Callable[[], int],
        min_departures: int = 200,
        thaw_every_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._departures = departures  # sockets closed since start, ever growing
        self._live = live  # sockets open now
        self._min_departures = min_departures
        self._thaw_every_s = thaw_every_s
        self._clock = clock
        self._departed_at_thaw = 0
        self._thawed_at = 0.0
        self._live_at_freeze = 0
        self._frozen = False  # not gc.get_freeze_count(): that walks the whole frozen list
        self.freezes = 0
        self.thaws = 0
        self._on = False

    def start(self) -> None:
        if self._on:
            return
        self._departed_at_thaw = self._departures()
        self._thawed_at = self._clock()
        gc.callbacks.append(self._on_gc)
        self._on = True

    def stop(self) -> None:
        """Remove the hook and thaw, so nothing stays out of the collector's reach."""
        if not self._on:
            return
        self._on = False
        gc.callbacks.remove(self._on_gc)
        gc.unfreeze()
        self._frozen = False

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        # Runs inside the collector, in whichever thread allocated: only counters, no I/O, no locks.
        if phase != "stop":
            return
        if info["generation"] == 2:
            # Nothing younger is left after a full collection: what is frozen survived one.
            gc.freeze()
            self._frozen = True
            self.freezes += 1
            self._live_at_freeze = self._live()
        elif self._thaw_due():
            gc.unfreeze()
            self._frozen = False
            self.thaws += 1
            self._departed_at_thaw = self._departures()
            self._thawed_at = self._clock()

    def _thaw_due(self) -> bool:
        if not self._frozen:
            return False
        departed = self._departures() - self._departed_at_thaw
        if departed >= max(self._min_departures, self._live_at_freeze // 4):
            return True
        return self._clock() - self._thawed_at >= self._thaw_every_s
