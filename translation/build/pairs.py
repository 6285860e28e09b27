"""Turn a raw sentence pair into the protected form the runtime sends to the model.

The corpus goes through `translation.protect.protect` itself, so training sees exactly what
Boothcast sends at run time (the same span rules for numbers, certifications, payment terms…),
instead of a second, hand-kept copy of those rules that could drift.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from translation.protect import MAX_PLACEHOLDERS, PLACEHOLDER_RE, placeholder, protect  # noqa: E402

# Fraction of pairs whose placeholder numbering starts above 0, so every placeholder token is
# trained (a sentence with many spans, or one past a message's first sentences).
OFFSET_FRACTION = 0.10
# Fraction of pairs with spans that keep their raw values, so argos' own translate() on
# unprotected text copies numbers instead of inventing them.
RAW_FRACTION = 0.05


def protect_pair(src: str, tgt: str, rng: random.Random) -> tuple[str, str] | None:
    """(protected source, protected target), the raw pair, or None when both sides disagree.

    Target spans get the placeholder of the source span with the same text; a pair whose two
    sides do not protect the same spans ("20kg" / "20 kg") is used raw.
    """
    if PLACEHOLDER_RE.search(src) or PLACEHOLDER_RE.search(tgt):
        return None
    ps, pt = protect(src), protect(tgt)
    if not ps.spans and not pt.spans:
        return src, tgt
    if sorted(s.text for s in ps.spans) != sorted(s.text for s in pt.spans):
        return (src, tgt) if rng.random() < 0.5 else None
    if rng.random() < RAW_FRACTION:
        return src, tgt
    n = len(ps.spans)
    base = 0
    if rng.random() < OFFSET_FRACTION and n < MAX_PLACEHOLDERS:
        base = rng.randint(1, MAX_PLACEHOLDERS - n)
    free: dict[str, list[int]] = {}
    for i, span in enumerate(ps.spans):
        free.setdefault(span.text, []).append(i)

    def tgt_sub(index: int) -> str:
        return placeholder(base + free[pt.spans[index].text].pop(0))

    src_text = PLACEHOLDER_RE.sub(lambda m: placeholder(base + int(m.group(1))), ps.text)
    tgt_text = PLACEHOLDER_RE.sub(lambda m: tgt_sub(int(m.group(1))), pt.text)
    return src_text, tgt_text
