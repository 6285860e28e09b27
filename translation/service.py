"""`ArgosTranslator`: the `Translator` the chat path uses, over the installed argos packages.

One call translates one message into every language present in the booth: translate per
language, never per viewer (3,000 viewers may read in only 4 languages). The message is protected
and split once; each sentence goes through the batcher; a pivot target (zh→es) reuses the zh→en
hop that an English target needs anyway.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from translation.api import PairInfo, Translation, Translator
from translation.argos_env import apply_argos_settings
from translation.batcher import Batcher
from translation.cache import TranslationCache
from translation.detect import detect_language
from translation.engine import BatchEngine, CTranslate2Engine, Pair, route
from translation.packages import install_bundled, list_installed
from translation.protect import Span, has_words, protect, renumber, restore
from translation.segment import Segment, join_sentences, split_sentences

log = logging.getLogger(__name__)

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


def prepare(text: str) -> _Prepared:
    protected = protect(text, limit=_NO_LIMIT)
    segments = split_sentences(protected.text)
    sentences = []
    for segment in segments:
        local_text, local_spans = renumber(segment.text, protected.spans)
        sentences.append(_Sentence(local_text, local_spans, has_words(local_text)))
    return _Prepared(segments, sentences)


class ArgosTranslator:
    """Implements `translation.api.Translator`; build it with `open_translator`."""

    def __init__(
        self,
        engine: BatchEngine,
        *,
        workers: int = 1,
        timeout: float = 2.0,
        cache_size: int = 20000,
        max_batch: int = 32,
        window: float = 0.005,
    ) -> None:
        self._engine = engine
        self._direct = engine.pairs()
        self._timeout = timeout
        self._cache = TranslationCache(cache_size)
        self._batcher = Batcher(engine, workers=workers, max_batch=max_batch, window=window)
        self.repairs = 0  # sentences whose placeholders the model garbled (a quality signal)
        self.failures = 0  # targets answered with the original because of an error or timeout

    @property
    def batcher(self) -> Batcher:
        return self._batcher

    @property
    def cache(self) -> TranslationCache:
        return self._cache

    def languages(self) -> list[str]:
        return sorted({code for pair in self._direct for code in pair})

    def pairs(self) -> list[PairInfo]:
        out = []
        for source in self.languages():
            for target in self.languages():
                hops = route(self._direct, source, target) if source != target else None
                if hops:
                    out.append(PairInfo(source, target, None if len(hops) == 1 else hops[0][1]))
        return out

    def can_translate(self, source: str, target: str) -> bool:
        return source != target and route(self._direct, source, target) is not None

    async def translate(self, text: str, source: str, targets: Iterable[str]) -> dict[str, Translation]:
        results: dict[str, Translation] = {}
        todo: dict[str, list[Pair]] = {}
        for target in dict.fromkeys(targets):
            hops = route(self._direct, source, target) if target != source and text.strip() else None
            cached = self._cache.get(source, target, text) if hops else None
            if not hops:
                results[target] = Translation(text, False)
            elif cached is not None:
                results[target] = Translation(cached, True)
            else:
                todo[target] = hops
        if todo:
            results.update(await self._translate_uncached(text, source, todo))
        return results

    async def _translate_uncached(
        self, text: str, source: str, todo: dict[str, list[Pair]]
    ) -> dict[str, Translation]:
        try:
            prepared = prepare(text)
        except Exception:
            log.exception("cannot prepare message for translation")
            return {target: Translation(text, False) for target in todo}
        inputs = prepared.model_inputs
        if not inputs:
            # Only numbers, codes, links or punctuation: every language reads it as it is.
            return {target: Translation(text, False) for target in todo}

        hops_memo: dict[tuple[Pair, tuple[str, ...]], asyncio.Task[list[str]]] = {}

        def hop(pair: Pair, sentences: list[str]) -> asyncio.Task[list[str]]:
            # zh→en for an English reader and for the zh→en→es pivot is the same work; do it once.
            key = (pair, tuple(sentences))
            if key not in hops_memo:
                hops_memo[key] = asyncio.ensure_future(self._batcher.translate(pair, sentences))
            return hops_memo[key]

        async def to_target(target: str, hops: list[Pair]) -> str:
            sentences = inputs
            for pair in hops:
                sentences = await hop(pair, sentences)
            return self._assemble(prepared, sentences, target)

        tasks = {target: asyncio.ensure_future(to_target(target, hops)) for target, hops in todo.items()}
        try:
            await asyncio.wait(tasks.values(), timeout=self._timeout)
        finally:
            for task in [*tasks.values(), *hops_memo.values()]:
                task.cancel()
        results: dict[str, Translation] = {}
        for target, task in tasks.items():
            if task.done() and not task.cancelled() and task.exception() is None:
                translated = task.result()
                self._cache.put(source, target, text, translated)
                results[target] = Translation(translated, True)
            else:
                self.failures += 1
                error = task.exception() if task.done() and not task.cancelled() else "timeout"
                log.warning("translation %s→%s failed (%s); sending the original", source, target, error)
                results[target] = Translation(text, False)
        for task in hops_memo.values():
            if task.done() and not task.cancelled():
                task.exception()  # retrieved: reported above through the target that awaited it
        return results

    def _assemble(self, prepared: _Prepared, outputs: list[str], target: str) -> str:
        produced = iter(outputs)
        parts: list[str] = []
        for sentence in prepared.sentences:
            raw = next(produced) if sentence.needs_model else sentence.text
            restored, report = restore(raw, sentence.spans, target)
            if not report.clean:
                self.repairs += 1
                log.info("repaired placeholders for %s: %s", target, report)
            parts.append(restored)
        return join_sentences(parts, prepared.segments, target)

    async def detect(self, text: str) -> str | None:
        return detect_language(text, set(self.languages()) or None)

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
) -> AsyncIterator[Translator]:
    """Load every installed package and yield a ready `Translator`; closes the pool on exit.

    `bundled=True` first installs the packages shipped with Boothcast (idempotent), so a fresh
    data dir works offline out of the box.
    """
    apply_argos_settings(packages_dir)
    if bundled:
        await asyncio.to_thread(install_bundled, packages_dir)
    packages = await asyncio.to_thread(list_installed, packages_dir)
    engine = await asyncio.to_thread(lambda: CTranslate2Engine(packages, workers=workers))
    translator = ArgosTranslator(engine, workers=workers, timeout=timeout, cache_size=cache_size)
    try:
        yield translator
    finally:
        await translator.aclose()
