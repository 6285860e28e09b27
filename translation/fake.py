"""A deterministic stand-in for the model engine, for tests that must not load models.

`ArgosTranslator(FakeEngine())` behaves like the real translator (protection, batching, pivot,
cache, timeouts) but "translates" by tagging each sentence with its target: "hello" en→zh becomes
"[zh] hello". Placeholders pass through untouched, as a good model would leave them. Its
hypotheses are fully confident (score 0) unless `rewrite` returns a `Hypothesis` of its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from translation.engine import Hypothesis, Pair

DEFAULT_PAIRS: frozenset[Pair] = frozenset({("en", "zh"), ("zh", "en"), ("en", "es"), ("es", "en")})


class FakeEngine:
    def __init__(
        self,
        pairs: frozenset[Pair] | set[Pair] = DEFAULT_PAIRS,
        *,
        delay: float = 0.0,
        fail: bool = False,
        rewrite: Callable[[Pair, str], str | Hypothesis] | None = None,
    ) -> None:
        self._pairs = set(pairs)
        self.delay = delay  # seconds per batch, to simulate a slow model
        self.fail = fail
        self._rewrite = rewrite
        self.calls: list[tuple[Pair, list[str]]] = []
        self.closed = False
        self._lock = threading.Lock()

    def pairs(self) -> set[Pair]:
        return set(self._pairs)

    def translate_batch(self, pair: Pair, sentences: Sequence[str]) -> list[Hypothesis]:
        with self._lock:
            self.calls.append((pair, list(sentences)))
        if self.delay:
            time.sleep(self.delay)
        if self.fail:
            raise RuntimeError("engine exploded")
        if pair not in self._pairs:
            raise KeyError(pair)
        if self._rewrite is not None:
            rewritten = [self._rewrite(pair, s) for s in sentences]
            return [h if isinstance(h, Hypothesis) else Hypothesis(h) for h in rewritten]
        return [Hypothesis(f"[{pair[1]}] {s}") for s in sentences]

    @property
    def sentences_translated(self) -> int:
        return sum(len(batch) for _, batch in self.calls)

    def close(self) -> None:
        self.closed = True
