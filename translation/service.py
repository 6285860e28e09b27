"""`ArgosTranslator`: the `Translator` the chat path uses, over the installed argos packages.

One call translates one message into every language present in the booth: translate per
language, never per viewer (3,000 viewers may read in only 4 languages). The message is protected
and split once; each sentence goes through the batcher; a pivot target (zh→es) reuses the zh→en
hop that an English target needs anyway.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from translation.apertium import ApertiumEngine
from translation.api import PairInfo, Translation, Translator
from translation.argos_env import apply_argos_settings
from translation.batcher import Batcher
from translation.cache import TranslationCache
from translation.composite import APERTIUM, ARGOS, CompositeEngine
from translation.confidence import (
    GateConfig,
    Observation,
    Signals,
    invented_digits,
    leftover,
    length_ratio,
    repeated,
)
from translation.detect import detect_language
from translation.engine import DEFAULT_BEAM, BatchEngine, CTranslate2Engine, Hypothesis, Pair, route
from translation.glossary import Glossary
from translation.lexicon import Lexicon
from translation.packages import install_bundled, list_installed
from translation.polarity import flipped
from translation.pronouns import shifted
from translation.protect import Span, has_words, protect, renumber, restore
from translation.roundtrip import chrf
from translation.segment import Segment, join_sentences, split_sentences

log = logging.getLogger(__name__)

# Which engine serves a pair when the operator does not say (`BOOTHCAST_TRANSLATION_ENGINES`):
# chosen by the held-out figures in bench/RESULTS.md ("Engines per pair").
DEFAULT_ENGINES: dict[Pair, str] = {}

# Protect without a message-wide cap; the per-sentence cap is applied by `renumber`.
_NO_LIMIT = 1 << 30


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str  # protected, placeholders numbered from ⟦0⟧
    spans: tuple[Span, ...]
    needs_model: bool


@dataclass(frozen=True, slots=True)
class _Prepared:
    segments: list[Segment]
    sentences: list[_Sentence]

    @property
    def model_inputs(self) -> list[str]:
        return [s.text for s in self.sentences if s.needs_model]


Futures = list[asyncio.Future[Hypothesis]]


def _collect(futures: Futures) -> list[Hypothesis] | BaseException | str:
    """The results, else the first error, else "timeout" when some are unfinished or withdrawn."""
    # Every error is retrieved, or asyncio logs "exception was never retrieved" for each.
    errors = [f.exception() for f in futures if f.done() and not f.cancelled()]
    for error in errors:
        if error is not None:
            return error
    if len(errors) == len(futures):
        return [f.result() for f in futures]
    return "timeout"


def _collect_ok(futures: Futures) -> list[Hypothesis]:
    done = _collect(futures)
    if not isinstance(done, list):
        raise RuntimeError("hop unfinished")  # callers only ask for finished hops
    return done


def prepare(
    text: str, glossary: Glossary | None = None, source: str = "", targets: tuple[str, ...] = ()
) -> _Prepared:
    protected = protect(text, limit=_NO_LIMIT, glossary=glossary, source=source, targets=targets)
    segments = split_sentences(protected.text)
    sentences = []
    for segment in segments:
        local_text, local_spans = renumber(segment.text, protected.spans)
        sentences.append(_Sentence(local_text, local_spans, has_words(local_text)))
    return _Prepared(segments, sentences)


@dataclass(slots=True)
class _Route:
    """One target's hops, and the futures of its model work and of the gate's round trips."""

    hops: list[Pair]
    first: Futures
    second: Futures | None = None
    # (pair, {sentence: future}, compare-to): back-translations and what each must agree with.
    # Only sentences the cheap signals have not already doubted are sent back.
    checks: list[tuple[Pair, dict[int, asyncio.Future[Hypothesis]], list[str]]] = field(default_factory=list)


class ArgosTranslator:
    """Implements `translation.api.Translator`; build it with `open_translator`."""

    def __init__(
        self,
        engine: BatchEngine,
        *,
        workers: int = 1,
        timeout: float = 2.0,
        cache_size: int = 20000,
        max_batch: int = 64,
        window: float = 0.005,
        gate: GateConfig | None = None,
        lexicon: Lexicon | None = None,
    ) -> None:
        self._engine = engine
        self._direct = engine.pairs()
        self._timeout = timeout
        self._cache = TranslationCache(cache_size)
        self._batcher = Batcher(engine, workers=workers, max_batch=max_batch, window=window)
        self._gate = gate or GateConfig()
        self._lexicon = lexicon or Lexicon()  # empty: no lexical-coverage signal
        self.repairs = 0  # sentences whose placeholders the model garbled (a quality signal)
        self.failures = 0  # targets answered with the original because of an error or timeout
        self.uncertain = 0  # translations the confidence gate doubted
        self.translated = 0  # translations the models produced (cache hits not counted)
        # Sees every judged translation with its raw signals (calibration and the bench use it).
        self.observer: Callable[[Observation], None] | None = None

    @property
    def batcher(self) -> Batcher:
        return self._batcher

    @property
    def cache(self) -> TranslationCache:
        return self._cache

    @property
    def gate(self) -> GateConfig:
        return self._gate

    def languages(self) -> list[str]:
        return sorted({code for pair in self._direct for code in pair})

    def pairs(self) -> list[PairInfo]:
        out = []
        for source in self.languages():
            for target in self.languages():
                hops = route(self._direct, source, target) if source != target else None
                if hops:
                    via = None if len(hops) == 1 else hops[0][1]
                    out.append(PairInfo(source, target, via, tuple(self.engine_of(h) for h in hops)))
        return out

    def can_translate(self, source: str, target: str) -> bool:
        return source != target and route(self._direct, source, target) is not None

    def engine_of(self, pair: Pair) -> str:
        """The engine serving a direct pair (a single engine is the argos models)."""
        if isinstance(self._engine, CompositeEngine):
            return self._engine.engine_of(pair) or ARGOS
        return ARGOS

    async def translate(
        self, text: str, source: str, targets: Iterable[str], glossary: Glossary | None = None
    ) -> dict[str, Translation]:
        results: dict[str, Translation] = {}
        todo: dict[str, list[Pair]] = {}
        version = glossary.version if glossary else ""
        for target in dict.fromkeys(targets):
            hops = route(self._direct, source, target) if target != source and text.strip() else None
            cached = self._cache.get(source, target, text, version) if hops else None
            if not hops:
                results[target] = Translation(text, False)
            elif cached is not None:
                results[target] = cached
            else:
                todo[target] = hops
        if todo:
            results.update(await self._translate_uncached(text, source, todo, glossary))
        return results

    async def _translate_uncached(
        self, text: str, source: str, todo: dict[str, list[Pair]], glossary: Glossary | None
    ) -> dict[str, Translation]:
        try:
            prepared = prepare(text, glossary or None, source, tuple(todo))
        except Exception:
            log.exception("cannot prepare message for translation")
            return {target: Translation(text, False) for target in todo}
        inputs = prepared.model_inputs
        if not inputs:
            # Only numbers, codes, links or punctuation: every language reads it as it is.
            return {target: Translation(text, False) for target in todo}

        routes = await self._run(inputs, source, todo)
        version = glossary.version if glossary else ""
        results: dict[str, Translation] = {}
        for target, r in routes.items():
            if len(r.hops) == 2 and r.second is None:
                produced: list[Hypothesis] | BaseException | str = "timeout"  # never got to hop 2
            else:
                produced = _collect(r.second if r.second is not None else r.first)
            if isinstance(produced, list):
                translation = self._assemble(prepared, produced, r, text, source, target)
                self._cache.put(source, target, text, translation, version)
                results[target] = translation
            else:
                self.failures += 1
                log.warning("translation %s→%s failed (%s); sending the original", source, target, produced)
                results[target] = Translation(text, False)
        return results

    async def _run(self, inputs: list[str], source: str, todo: dict[str, list[Pair]]) -> dict[str, _Route]:
        """Every target's hops (one, or two through English), then the gate's round trips.

        Futures, not tasks: at thousands of messages a second the event loop's own overhead
        competes with the model for the same two cores.
        """
        # zh→en for an English reader and for the zh→en→es pivot is the same work; queue it once.
        first: dict[Pair, Futures] = {}
        for hops in todo.values():
            if hops[0] not in first:
                first[hops[0]] = self._batcher.submit(hops[0], inputs)
        routes = {target: _Route(hops, first[hops[0]]) for target, hops in todo.items()}
        backs: dict[Pair, dict[int, asyncio.Future[Hypothesis]]] = {}
        everything: list[Futures] = list(first.values())
        try:
            async with asyncio.timeout(self._timeout):
                await asyncio.wait([f for futures in first.values() for f in futures])
                for hop, futures in first.items():
                    # A hop's round trip back to its own source, shared by every target through it.
                    done = _collect(futures)
                    through = [t for t, r in routes.items() if r.hops[0] == hop]
                    if isinstance(done, list):
                        backs[hop] = self._round_trip(hop, done, inputs, source, through)
                        everything.append(list(backs[hop].values()))
                for r in routes.values():
                    if isinstance(done1 := _collect(r.first), list):
                        if r.hops[0] in backs:
                            r.checks.append((r.hops[0], backs[r.hops[0]], inputs))
                        if len(r.hops) == 2:
                            middle = [h.text for h in done1]
                            r.second = self._batcher.submit(r.hops[1], middle)
                            everything.append(r.second)
                if seconds := [f for r in routes.values() if r.second for f in r.second]:
                    await asyncio.wait(seconds)
                for target, r in routes.items():
                    if r.second is not None and isinstance(done2 := _collect(r.second), list):
                        middle = [h.text for h in _collect_ok(r.first)]
                        subset = self._round_trip(r.hops[1], done2, middle, source, [target])
                        r.checks.append((r.hops[1], subset, middle))
                        everything.append(list(subset.values()))
                pending = [f for futures in everything for f in futures if not f.done()]
                if pending:
                    await asyncio.wait(pending)
        except TimeoutError:
            pass
        finally:
            for futures in everything:
                for future in futures:
                    future.cancel()  # withdraws what is still queued; no-op on finished ones
        return routes

    def _round_trip(
        self, hop: Pair, done: list[Hypothesis], sources: list[str], source: str, targets: list[str]
    ) -> dict[int, asyncio.Future[Hypothesis]]:
        """Send back the sentences whose verdict could still be "sure".

        A sentence the model itself scored below every threshold that may judge it, or that
        dropped more source words than any of them allows, is uncertain whatever the round trip
        says; most doubtful ones are, so this saves most of the gate's second pass.
        """
        back = (hop[1], hop[0])
        if back not in self._direct or not self._gate.round_trip:
            return {}
        limits = [self._gate.for_hop(source, t, hop) for t in targets]
        worth = [
            i
            for i, h in enumerate(done)
            if h.scored
            and any(
                h.score >= t.min_score and h.weakest >= t.min_weakest and h.unknown <= t.max_unknown
                for t in limits
            )
            and self._lexicon.dropped(sources[i], h.text, *hop) <= max(t.max_dropped for t in limits)
        ]
        futures = self._batcher.submit(back, [done[i].text for i in worth]) if worth else []
        return dict(zip(worth, futures, strict=True))

    def _assemble(
        self,
        prepared: _Prepared,
        outputs: list[Hypothesis],
        r: _Route,
        original: str,
        source: str,
        target: str,
    ) -> Translation:
        produced = iter(outputs)
        parts: list[str] = []
        observed: list[tuple[Pair, Signals]] = []
        model_index = 0
        for sentence in prepared.sentences:
            if not sentence.needs_model:
                parts.append(restore(sentence.text, sentence.spans, target)[0])
                continue
            hyp = next(produced)
            restored, report = restore(hyp.text, sentence.spans, target)
            if not report.clean:
                self.repairs += 1
                log.info("repaired placeholders for %s: %s", target, report)
            observed.extend(self._signals(sentence.text, hyp, report.clean, r, model_index))
            parts.append(restored)
            model_index += 1
        text = join_sentences(parts, prepared.segments, target)
        observation = Observation(
            source,
            target,
            original,
            text,
            tuple(observed),
            invented_digits(text, original),
            shifted(original, text, source, target),
            flipped(original, text, source, target),
        )
        verdict = observation.verdict(self._gate)
        self.translated += 1
        if verdict.uncertain:
            self.uncertain += 1
        if self.observer is not None:
            self.observer(observation)
        return Translation(text, True, verdict.uncertain, verdict.doubts)

    def _signals(
        self, source_text: str, hyp: Hypothesis, clean: bool, r: _Route, index: int
    ) -> list[tuple[Pair, Signals]]:
        """The gate's signals for one sentence, per hop (a pivot is judged on both)."""
        out = []
        hop_hyps = [_collect_ok(r.first)[index]] + ([hyp] if len(r.hops) == 2 else [])
        hop_sources = [source_text, hop_hyps[0].text][: len(r.hops)]
        for hop, hop_hyp, hop_source in zip(r.hops, hop_hyps, hop_sources, strict=True):
            roundtrip: float | None = None
            check = next((c for c in r.checks if c[0] == hop), None)
            if check is not None and index in check[1]:
                back = _collect([check[1][index]])
                # No time for the round trip: not confirmed, so it counts as disagreement.
                roundtrip = chrf(back[0].text, check[2][index]) if isinstance(back, list) else 0.0
            signals = Signals(
                score=hop_hyp.score,
                unknown=hop_hyp.unknown,
                weakest=hop_hyp.weakest,
                scored=hop_hyp.scored,
                roundtrip=roundtrip,
                length_ratio=length_ratio(hop_source, hop_hyp.text, hop[0], hop[1]),
                repeated=repeated(hop_hyp.text, hop_source, hop[1]),
                leftover=leftover(hop_hyp.text, hop_source, hop[0], hop[1]),
                coverage=clean,
                dropped=self._lexicon.dropped(hop_source, hop_hyp.text, *hop),
            )
            out.append((hop, signals))
        return out

    async def detect(self, text: str) -> str | None:
        # Guess among every language the detector knows, then keep only what a model reads:
        # limited to the installed ones, Portuguese would be "detected" as Spanish and mistranslated.
        lang = detect_language(text)
        return lang if lang is not None and lang in self.languages() else None

    async def aclose(self) -> None:
        await self._batcher.aclose()
        await asyncio.to_thread(self._engine.close)


@asynccontextmanager
async def open_translator(
    packages_dir: Path,
    *,
    workers: int = 1,
    timeout: float = 2.0,  # noqa: ASYNC109 - per-request bound inside, not a bound on opening
    cache_size: int = 20000,
    bundled: bool = False,
    gate: GateConfig | None = None,
    beam_size: int = DEFAULT_BEAM,
    engines: Mapping[Pair, str] | None = None,
    lexicon: Lexicon | None = None,
) -> AsyncIterator[Translator]:
    """Load every installed package and yield a ready `Translator`; closes the pool on exit.

    `bundled=True` first installs the packages shipped with Boothcast (idempotent), so a fresh
    data dir works offline out of the box. `gate` defaults to the calibrated thresholds
    (`translation/bundled/gate.json`), `lexicon` to the bundled one (`translation/bundled/lexicon/`).
    """
    apply_argos_settings(packages_dir)
    if bundled:
        await asyncio.to_thread(install_bundled, packages_dir)
    packages = await asyncio.to_thread(list_installed, packages_dir)
    engine: BatchEngine = await asyncio.to_thread(
        lambda: CTranslate2Engine(packages, workers=workers, beam_size=beam_size)
    )
    choice = DEFAULT_ENGINES if engines is None else dict(engines)
    if APERTIUM in choice.values():
        wanted = {pair for pair, name in choice.items() if name == APERTIUM}
        apertium = ApertiumEngine(wanted)
        if apertium.pairs() != wanted:
            log.warning("apertium is not installed for %s: the argos models serve them",
                        ", ".join(f"{a}-{b}" for a, b in sorted(wanted - apertium.pairs())))  # fmt: skip
        engine = CompositeEngine({ARGOS: engine, APERTIUM: apertium}, choice)
    gate = gate or await asyncio.to_thread(GateConfig.load)
    lexicon = lexicon or await asyncio.to_thread(Lexicon.load)
    translator = ArgosTranslator(
        engine, workers=workers, timeout=timeout, cache_size=cache_size, gate=gate, lexicon=lexicon
    )
    try:
        yield translator
    finally:
        await translator.aclose()
