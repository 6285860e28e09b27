"""Sentence-level chrF, the round-trip agreement score of the confidence gate.

sacrebleu's chrF (character n-gram F-score, β=2): tolerant of inflection and word order, and
language-independent, so it compares "the MOQ is ⟦0⟧ pieces" with "MOQ: ⟦0⟧ pieces" fairly
and works on Chinese without a word segmenter.
"""

from __future__ import annotations

from sacrebleu.metrics.chrf import CHRF

_CHRF = CHRF()


def chrf(hypothesis: str, reference: str) -> float:
    """0–100; 100 is identical."""
    if not hypothesis.strip() or not reference.strip():
        return 100.0 if hypothesis.strip() == reference.strip() else 0.0
    return float(_CHRF.sentence_score(hypothesis, [reference]).score)
