"""Several engines behind one `BatchEngine`: each pair is served by the engine chosen for it.

The argos models serve every pair they have; an operator (or the measured default,
`DEFAULT_CHOICE`) can hand a pair to another engine, e.g. Apertium for en↔es. The batcher and the
gate do not care which engine answered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from translation.engine import BatchEngine, Hypothesis, Pair

ARGOS = "argos"
APERTIUM = "apertium"
ENGINES = (ARGOS, APERTIUM)


def parse_choice(spec: str) -> dict[Pair, str]:
    """`"en-es=apertium,es-en=argos"` → {("en", "es"): "apertium", ...}; ValueError on nonsense."""
    out: dict[Pair, str] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        pair, sep, engine = item.partition("=")
        source, dash, target = pair.strip().partition("-")
        if not sep or not dash or not source or not target or engine.strip() not in ENGINES:
            raise ValueError(f"{item!r}: expected SOURCE-TARGET=ENGINE with ENGINE one of {', '.join(ENGINES)}")
        out[(source, target)] = engine.strip()
    return out


class CompositeEngine:
    def __init__(self, engines: Mapping[str, BatchEngine], choice: Mapping[Pair, str]) -> None:
        """`engines` by name (`ARGOS` first serves everything it can); `choice` moves pairs to others."""
        self._engines = dict(engines)
        self._serving: dict[Pair, str] = {}
        for name, engine in self._engines.items():
            for pair in engine.pairs():
                self._serving.setdefault(pair, name)
        for pair, name in choice.items():
            if name in self._engines and pair in self._engines[name].pairs():
                self._serving[pair] = name

    def engine_of(self, pair: Pair) -> str | None:
        return self._serving.get(pair)

    def pairs(self) -> set[Pair]:
        return set(self._serving)

    def translate_batch(self, pair: Pair, sentences: Sequence[str]) -> list[Hypothesis]:
        name = self._serving.get(pair)
        if name is None:
            raise KeyError(f"no engine for {pair[0]}→{pair[1]}")
        return self._engines[name].translate_batch(pair, sentences)

    def close(self) -> None:
        for engine in self._engines.values():
            engine.close()
