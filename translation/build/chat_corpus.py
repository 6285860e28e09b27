"""The hand-written chat corpus: `corpus/*.tsv`, one `en<TAB>zh<TAB>es` triple a line.

Free text as people type it in a live room (hosting, product talk, buyer questions, negotiation,
payment, logistics, after-sales), written by the team. The templates in `corpus.py` multiply
numbers and product names; this corpus is where the variety comes from.

Triples that share a sentence with the evaluation set (`translation/eval/*.jsonl`) are dropped,
so the held-out figures stay held out.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS_DIR = HERE / "corpus"
EVAL_DIR = HERE.parent / "eval"
LANGS = ("en", "zh", "es")
HAN = re.compile(r"[\u3400-\u9fff]")

Triple = dict[str, str]


def normalise(text: str) -> str:
    return re.sub(r"[\s\W_]+", " ", text.casefold()).strip()


def eval_sentences(eval_dir: Path = EVAL_DIR) -> set[str]:
    out: set[str] = set()
    for path in sorted(eval_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                out.update(normalise(item[lang]) for lang in LANGS)
    return out


# The files each training stage added (see README, "Stages"): stage 1 trained on the first,
# each later stage continued on those and its own, so each stage stays reproducible and
# the dev set stays the same. A corpus file in no list waits for the next stage.
STAGE1_FILES = (
    "buyer.tsv", "consumer.tsv", "grammar.tsv", "hosting.tsv", "industrial.tsv", "informal.tsv",
    "inquiry.tsv", "logistics.tsv", "payment.tsv", "product.tsv", "supplier.tsv",
)
STAGE2_FILES = ("buyer2.tsv", "deals2.tsv", "host2.tsv", "mixed2.tsv", "products2.tsv")
STAGE3_FILES = (
    "home3.tsv", "inquiry3.tsv", "lighting3.tsv", "live3.tsv", "machines3.tsv", "mixed3.tsv",
    "shipping3.tsv",
)
STAGE4_FILES = ("apparel4.tsv", "chat4.tsv", "deals4.tsv", "electronics4.tsv", "sectors4.tsv")
STAGE5_FILES = (
    "after5.tsv", "chat5.tsv", "factory5.tsv", "host5.tsv", "inquiry5.tsv", "verbs5.tsv",
)
STAGE6_FILES = (
    "actions6.tsv", "compare6.tsv", "deal6.tsv", "enfirst6.tsv", "esfirst6.tsv", "long6.tsv",
    "meet6.tsv", "neg6.tsv", "numbers6.tsv", "people6.tsv", "places6.tsv", "qa6.tsv",
    "sectors6.tsv", "spec6.tsv", "trade6.tsv", "zhfirst6.tsv",
)
STAGE_FILES = {
    1: STAGE1_FILES, 2: STAGE2_FILES, 3: STAGE3_FILES, 4: STAGE4_FILES, 5: STAGE5_FILES,
    6: STAGE6_FILES,
}


def read_triples(
    corpus_dir: Path = CORPUS_DIR,
    eval_dir: Path = EVAL_DIR,
    stage: int | None = None,
    seen: set[str] | None = None,
) -> list[Triple]:
    """Triples of `stage` 1 to 6 (the files that stage added), or None (every file).

    `seen` carries the English sentences already read, so a later stage never repeats one.
    """
    held = eval_sentences(eval_dir)
    seen = set() if seen is None else seen
    out: list[Triple] = []
    paths = sorted(corpus_dir.glob("*.tsv"))
    if stage is not None:
        paths = [p for p in paths if p.name in STAGE_FILES[stage]]
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = [f.strip() for f in line.split("\t")]
            if len(fields) != 3 or not all(fields):
                raise ValueError(f"{path.name}:{number}: expected en<TAB>zh<TAB>es")
            triple = dict(zip(LANGS, fields, strict=True))
            # A line that explains Chinese notation ("9折 is 10% off") keeps it on every side; a
            # model must never learn to write Chinese into English or Spanish.
            if HAN.search(triple["en"]) or HAN.search(triple["es"]):
                continue
            if triple["en"] in seen or any(normalise(t) in held for t in fields):
                continue
            seen.add(triple["en"])
            out.append(triple)
    return out


def split(triples: list[Triple], dev_size: int, seed: int) -> tuple[list[Triple], list[Triple]]:
    """(train, dev): the dev triples steer early stopping and never enter training."""
    rng = random.Random(f"{seed}-chat-dev")
    order = list(range(len(triples)))
    rng.shuffle(order)
    dev_ids = set(order[:dev_size])
    return [t for i, t in enumerate(triples) if i not in dev_ids], [triples[i] for i in sorted(dev_ids)]
