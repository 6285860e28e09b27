"""Build the bilingual lexicons the confidence gate checks outputs against.

    .venv/bin/python translation/build/lexicon.py            # writes translation/bundled/lexicon/*.json

For each direction with a model (en→zh, zh→en, en→es, es→en), from the hand-written chat corpus
(`corpus/*.tsv` via `chat_corpus.read_triples`, which already drops every triple that shares a
sentence with the evaluation set) — never from `translation/eval/` itself:

1. both sides are cut into units (`translation.lexicon.source_units` / `target_units`; numbers
   are never units, and a protected term is a placeholder at run time, so its entry is inert);
2. per source unit seen in at least `--min-count` sentence pairs, the target units are ranked by
   the Dice coefficient of their co-occurrence, 2·c(s,t) / (c(s) + c(t)), over sentence pairs;
3. alternatives are taken greedily, the one that explains most of the unit's still unexplained
   pairs first (ties: best Dice), until they account for `--cover` of the unit's sentence pairs;
   each must co-occur with the unit in at least a `--min-share` of the pairs where it appears, so
   frequent filler like "的" does not cover everything;
4. a unit whose alternatives do not reach `--cover` is left out: the corpus does not translate
   it consistently ("off", "的起"), so its absence from an output proves nothing.

Deterministic (sorted iteration, ties broken by the unit's text); the output is small JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from translation.build.chat_corpus import Triple, read_triples  # noqa: E402
from translation.lexicon import LEXICON_DIR, source_units, target_units  # noqa: E402

DIRECTIONS = (("en", "zh"), ("zh", "en"), ("en", "es"), ("es", "en"))


def build(
    triples: list[Triple],
    source: str,
    target: str,
    *,
    min_count: int = 3,
    cover: float = 0.95,
    min_share: float = 0.2,
    max_alternatives: int = 6,
) -> dict[str, list[str]]:
    rows: list[tuple[set[str], set[str]]] = []
    for triple in triples:
        rows.append((set(source_units(triple[source], source)), target_units(triple[target], target)))
    count_t: Counter[str] = Counter(t for _, tgt in rows for t in tgt)
    where: dict[str, list[int]] = defaultdict(list)
    for i, (src, _) in enumerate(rows):
        for unit in src:
            where[unit].append(i)
    table: dict[str, list[str]] = {}
    for unit in sorted(where):
        ids = where[unit]
        if len(ids) < min_count:
            continue
        where_t: dict[str, set[int]] = defaultdict(set)
        for i in ids:
            for t in rows[i][1]:
                where_t[t].add(i)
        # Precision: an alternative must appear with the unit in at least `min_share` of its own
        # pairs, or filler ("的", "we") would account for every unit and the check never fire.
        candidates = {t: c for t, c in where_t.items() if len(c) >= 2 and len(c) >= min_share * count_t[t]}
        alternatives: list[str] = []
        uncovered = set(ids)
        while candidates and len(alternatives) < max_alternatives and len(uncovered) > (1 - cover) * len(ids):
            # The one that explains most of what is still unexplained; then the best Dice
            # coefficient; then the text, so the build is deterministic.
            best = min(
                candidates,
                key=lambda t: (
                    -len(candidates[t] & uncovered),
                    -len(candidates[t]) / (len(ids) + count_t[t]),
                    t,
                ),
            )
            if not candidates[best] & uncovered:
                break
            alternatives.append(best)
            uncovered -= candidates.pop(best)
        if alternatives and len(uncovered) <= (1 - cover) * len(ids):
            table[unit] = sorted(alternatives)
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=LEXICON_DIR)
    ap.add_argument("--min-count", type=int, default=3, help="sentence pairs a unit needs to be kept")
    ap.add_argument(
        "--cover", type=float, default=0.95, help="share of its pairs the alternatives must explain"
    )
    ap.add_argument("--min-share", type=float, default=0.2, help="precision floor of an alternative")
    args = ap.parse_args()
    triples = read_triples()
    args.out.mkdir(parents=True, exist_ok=True)
    for source, target in DIRECTIONS:
        table = build(
            triples, source, target, min_count=args.min_count, cover=args.cover, min_share=args.min_share
        )
        data = {"source": source, "target": target, "triples": len(triples), "units": table}
        path = args.out / f"{source}_{target}.json"
        path.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n",
                        encoding="utf-8")  # fmt: skip
        print(
            f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {len(table)} units from {len(triples)} triples"
        )


if __name__ == "__main__":
    main()
