"""The model runner: CTranslate2 + SentencePiece straight from the installed packages.

argos' `translate()` re-runs sentence splitting, tokenising and a beam-4 search for every call,
one message at a time. Here the caller has already split and protected the sentences, and whole
batches go through `translate_batch` in one greedy pass, which is where the speed comes from.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from translation.packages import InstalledPackage, newest_per_pair
from translation.tokenizers import open_tokenizer

log = logging.getLogger(__name__)

Pair = tuple[str, str]
PIVOT = "en"


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """A model's output for one sentence, with what the confidence gate reads from the model."""

    text: str
    score: float = 0.0  # mean log-probability per output token; 0 is certain, -1 is a guess
    unknown: int = 0  # source pieces the model's vocabulary does not have (it never saw them)
    # The least likely output token: one invented word ("Texexexs") hides in a good mean.
    weakest: float = 0.0
    scored: bool = True  # False: an engine without probabilities; `score`/`weakest` mean nothing


class BatchEngine(Protocol):
    """What the batcher needs; a fake one drives the unit tests."""

    def pairs(self) -> set[Pair]: ...

    def translate_batch(self, pair: Pair, sentences: Sequence[str]) -> list[Hypothesis]:
        """Translate already protected single sentences; called from worker threads."""
        ...

    def close(self) -> None: ...


def route(pairs: set[Pair], source: str, target: str) -> list[Pair] | None:
    """The hops from source to target: direct, else through English, else None."""
    if source == target:
        return []
    if (source, target) in pairs:
        return [(source, target)]
    if (source, PIVOT) in pairs and (PIVOT, target) in pairs:
        return [(source, PIVOT), (PIVOT, target)]
    return None


@dataclass(frozen=True, slots=True)
class ThreadPlan:
    inter_threads: int  # batches one model may run at the same time
    intra_threads: int  # cores one batch may use


def plan_threads(workers: int, cores: int | None = None) -> ThreadPlan:
    """One single-threaded model replica per core.

    Measured on 2 cores with the bundled models: two 1-thread replicas, with each batch split
    between them, translate ~30% more sentences/s than one replica using both cores, and OpenMP
    threads spinning against each other under load are avoided. `workers` (batches in flight)
    then only decides how much Python-side work overlaps; the core count bounds the compute.
    """
    del workers  # compute threads are bounded by cores alone: inter * intra == cores
    cores = cores or os.cpu_count() or 1
    return ThreadPlan(inter_threads=cores, intra_threads=1)


class _Model:
    def __init__(self, package: InstalledPackage, plan: ThreadPlan) -> None:
        import ctranslate2

        self.package = package
        self.translator = ctranslate2.Translator(
            str(package.path / "model"),
            device="cpu",
            inter_threads=plan.inter_threads,
            intra_threads=plan.intra_threads,
        )
        self.tokenizer = open_tokenizer(package)
        self.prefix = package.target_prefix
        self.replicas = plan.inter_threads

    def translate(self, sentences: Sequence[str], max_batch_size: int, beam_size: int = 1) -> list[Hypothesis]:
        tokens: list[list[str]] = [self.tokenizer.encode(s) for s in sentences]
        unknown = [self.tokenizer.unknown(toks) for toks in tokens]
        # Split the batch so every replica gets a share (CTranslate2 sorts by length first).
        max_batch_size = min(max_batch_size, max(1, -(-len(tokens) // self.replicas)))
        longest = max((len(t) for t in tokens), default=1)
        results = self.translator.translate_batch(
            tokens,
            target_prefix=[[self.prefix] for _ in tokens] if self.prefix else None,
            beam_size=beam_size,
            max_batch_size=max_batch_size,
            # Bounds runaway repetition. The joint vocabulary is small, so English takes up to ~4
            # pieces for one Chinese piece ("最小起订量是" is one piece).
            max_decoding_length=min(512, 4 * longest + 20),
            replace_unknowns=True,
            # Small models loop on inputs unlike their training ("Hello." → "您好，您好，您好，…");
            # on the held-out sets this costs < 0.5% exact match.
            no_repeat_ngram_size=3,
        )
        outputs = [list(r.hypotheses[0]) for r in results]
        # Per-token log-probabilities of what was produced: one forward pass, far cheaper than
        # decoding, and the only way to see a single improbable word.
        scored = self.translator.score_batch(tokens, outputs, max_batch_size=max_batch_size)
        out: list[Hypothesis] = []
        for pieces, token_scores, unknowns in zip(outputs, scored, unknown, strict=True):
            log_probs = list(token_scores.log_probs)
            if self.prefix:
                # CTranslate2 always returns the forced prefix first. Dropped by position, not by
                # text: replace_unknowns turns a prefix the vocabulary lacks into a source word.
                pieces = pieces[1:]
                log_probs = log_probs[1:]
            score = sum(log_probs) / len(log_probs) if log_probs else 0.0
            weakest = min(log_probs) if log_probs else 0.0
            out.append(Hypothesis(self.tokenizer.decode(pieces), score, unknowns, weakest))
        return out


# Beam search width for every pass of the models (forward and round trip). On the held-out free
# text beam 2 is right 0.3-3.4 points more often than greedy decoding (beam 4: 2-5.6), and costs
# a quarter of the layer's throughput (beam 4: over half); at 2 the layer stays over 10x
# LibreTranslate in every run measured (bench/RESULTS.md, "Stage 7").
DEFAULT_BEAM = 2


class CTranslate2Engine:
    def __init__(
        self,
        packages: Iterable[InstalledPackage],
        *,
        workers: int = 1,
        max_batch_size: int = 64,
        plan: ThreadPlan | None = None,
        beam_size: int = DEFAULT_BEAM,
    ) -> None:
        plan = plan or plan_threads(workers)
        self._max_batch_size = max_batch_size
        self._beam_size = max(1, beam_size)
        self._models: dict[Pair, _Model] = {}
        # Folders copied in from an argos install may hold several versions of a pair.
        for package in newest_per_pair(list(packages)):
            try:
                self._models[(package.from_code, package.to_code)] = _Model(package, plan)
            except Exception:
                # One corrupt package must not take the chat down; its pair is simply missing.
                log.exception("cannot load translation package %s", package.path)

    def pairs(self) -> set[Pair]:
        return set(self._models)

    def translate_batch(self, pair: Pair, sentences: Sequence[str]) -> list[Hypothesis]:
        model = self._models.get(pair)
        if model is None:
            raise KeyError(f"no model for {pair[0]}→{pair[1]}")
        if not sentences:
            return []
        return model.translate(sentences, self._max_batch_size, self._beam_size)

    def close(self) -> None:
        for model in self._models.values():
            model.translator.unload_model()
        self._models.clear()
