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


def _collect(futures: list[asyncio.Future[str]]) -> list[str] | BaseException | str:
    """The results, else the first error, else "timeout" when some are unfinished or withdrawn."""
    # Every error is retrieved, or asyncio logs "exception was never retrieved" for each.
    errors = [f.exception() for f in futures if f.done() and not f.cancelled()]
    for error in errors:
        if error is not None:
            return error
    if len(errors) == len(futures):
        return [f.result() for f in futures]
    return "timeout"


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
        max_batch: int = 64,
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

        outputs = await self._run_hops(inputs, todo)
        results: dict[str, Translation] = {}
        for target in todo:
            produced = outputs.get(target)
            if isinstance(produced, list):
                translated = self._assemble(prepared, produced, target)
                self._cache.put(source, target, text, translated)
                results[target] = Translation(translated, True)
            else:
                self.failures += 1
                log.warning("translation %s→%s failed (%s); sending the original", source, target, produced)
                results[target] = Translation(text, False)
        return results

    async def _run_hops(
        self, inputs: list[str], todo: dict[str, list[Pair]]
    ) -> dict[str, list[str] | BaseException | str]:
        """Each target's sentences, or why it has none. Every route has one hop or two (pivot).

        Futures, not tasks: at thousands of messages a second the event loop's own overhead
        competes with the model for the same two cores.
        """
        # zh→en for an English reader and for the zh→en→es pivot is the same work; queue it once.
        first: dict[Pair, list[asyncio.Future[str]]] = {}
        for hops in todo.values():
            if hops[0] not in first:
                first[hops[0]] = self._batcher.submit(hops[0], inputs)
        second: dict[str, list[asyncio.Future[str]]] = {}
        try:
            async with asyncio.timeout(self._timeout):
                await asyncio.wait([f for futures in first.values() for f in futures])
                for target, hops in todo.items():
                    if len(hops) == 2 and isinstance(sentences := _collect(first[hops[0]]), list):
                        second[target] = self._batcher.submit(hops[1], sentences)
                if second:
                    await asyncio.wait([f for futures in second.values() for f in futures])
        except TimeoutError:
            pass
        finally:
            for futures in [*first.values(), *second.values()]:
                for future in futures:
                    future.cancel()  # withdraws what is still queued; no-op on finished ones
        outputs: dict[str, list[str] | BaseException | str] = {}
        for target, hops in todo.items():
            first_result = _collect(first[hops[0]])
            if len(hops) == 1 or not isinstance(first_result, list):
                outputs[target] = first_result
            else:
                outputs[target] = _collect(second[target]) if target in second else "timeout"
        return outputs

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
