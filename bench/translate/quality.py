"""What a reader gets: translation quality and the confidence gate on the held-out chat set.

The held-out set (`translation/eval/*.jsonl`) is free text written for evaluation only and never
trained on: each message in en, zh and es, with the key facts a reader must get (quantities,
prices, the product, certificates, terms, the action asked). Every message is translated by the
real layer (`open_translator`: protection, glossary, batching, CTranslate2, the gate) in every
direction, and each translation is scored:

- exact match and chrF (sacrebleu) against the reference;
- key facts kept: every fact of the message is in the output (any accepted form);
- correct: all key facts kept, no invented number, and case-insensitive sentence chrF ≥ 30 (not
  word salad);
- the gate: confident-correct, uncertain, confident-wrong; its precision and recall at catching
  wrong translations.

The `heldout_*.jsonl` files are split once, by a hash of the English text: a third calibrates the
gate's thresholds (`--calibrate` writes `translation/bundled/gate.json`), the rest is the test
split the figures are reported on. The `calib_*.jsonl` files (written later, to give the fit more
to go on without changing the test split) only calibrate. The `fresh_*.jsonl` files, written by
people who saw neither the corpus nor the other held-out files after the gate's fixed rules
(pronouns, negation) were designed, are a third split that is only reported. Calibration fits, per direction, the model-score, least-likely-token, round-trip and
dropped-words (`translation/lexicon.py`) thresholds together; to replay any setting faithfully it
translates every sentence back, not only those the committed gate.json would send back.

People's verdicts (`translation/eval/judged/*.jsonl`, rows picked by `to_judge.py`) replace the
metric's "correct" for the exact outputs they judged: as calibration labels, and on the test split
in the `*_judged` columns (confident translations a bilingual reader judged right or wrong; the
metric's columns stay as they are).

    .venv/bin/python bench/translate/quality.py                  # report on the test split
    .venv/bin/python bench/translate/quality.py --calibrate      # fit gate.json on the calibration split, then report
    .venv/bin/python bench/translate/quality.py --packages DIR   # other installed packages (e.g. the previous models)
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import pickle
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sacrebleu  # noqa: E402
from calibration import COLLECT, DIRECTIONS, LANGS, calibrate  # noqa: E402

from translation.composite import parse_choice  # noqa: E402
from translation.confidence import GATE_FILE, GateConfig, Observation  # noqa: E402
from translation.confidence import figures as digit_runs  # noqa: E402
from translation.engine import DEFAULT_BEAM  # noqa: E402
from translation.roundtrip import chrf  # noqa: E402
from translation.service import ArgosTranslator, open_translator  # noqa: E402

EVAL_DIR = ROOT / "translation" / "eval"
MIN_CHRF_CORRECT = 30.0


# Each held-out file's name says what it is for: `heldout_*` (split into calibration and test by
# a hash), `calib_*` (calibration only), or a split that is only reported (`fresh_*`, `fresh2_*`).
ORIGINS = ("heldout", "calib", "fresh", "fresh2")


@dataclass(frozen=True)
class Item:
    texts: dict[str, str]
    facts: list[dict[str, list[str]]]
    origin: str = "heldout"  # the file name's prefix: heldout, calib, fresh or fresh2

    @property
    def split(self) -> str:
        if self.origin != "heldout":
            return self.origin
        digest = hashlib.sha256(self.texts["en"].encode()).digest()
        return "calib" if digest[0] % 3 == 0 else "test"


def load_items(eval_dir: Path = EVAL_DIR) -> list[Item]:
    items = []
    for path in sorted(eval_dir.glob("*.jsonl")):
        origin = path.name.split("_")[0]
        if origin not in ORIGINS:
            raise SystemExit(f"{path}: a held-out file's name starts with one of {', '.join(o + '_' for o in ORIGINS)}")
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                raw = json.loads(line)
                texts = {lang: raw[lang] for lang in LANGS}
                items.append(Item(texts, raw.get("facts", []), origin))
    return items


# People's verdicts on particular outputs (`translation/eval/judged/*.jsonl`: direction, source,
# output, verdict "right"/"wrong", why). The metric's "correct" misses correct paraphrases (one
# reference, short fact lists) and so makes the fit stricter than it needs to be; a verdict read
# by a bilingual judge replaces it for that exact output: in calibration, as the label the gate
# is fitted to, and on the test split, in the `*_judged` columns only (the metric's columns stay).
JUDGED_DIR = EVAL_DIR / "judged"
Judgments = dict[tuple[str, str, str, str], bool]


def load_judgments(judged_dir: Path = JUDGED_DIR) -> Judgments:
    out: Judgments = {}
    for path in sorted(judged_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                j = json.loads(line)
                source, target = j["direction"].split(">")
                out[(source, target, j["source"], j["output"])] = j["verdict"] == "right"
    return out


def apply_judgments(scored: list[Scored], judgments: Judgments | None = None) -> None:
    """Give each row the people's verdict on its exact output, where there is one."""
    judgments = load_judgments() if judgments is None else judgments
    for row in scored:
        row.judged = judgments.get((row.source, row.target, row.item.texts[row.source], row.output))


class _RunUnpickler(pickle.Unpickler):
    """--dump saves the rows as the classes of the module that ran, `__main__` when run as a script."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "__main__":
            return getattr(sys.modules[__name__], name)
        return super().find_class(module, name)


def load_run(path: Path) -> list[Scored]:
    """A run saved with --dump, with today's verdicts applied (for --load, to_judge, margin_cv)."""
    with path.open("rb") as f:
        scored: list[Scored] = _RunUnpickler(f).load()
    apply_judgments(scored)
    return scored


def fold(s: Scored) -> int:
    """Which half of the calibration split a row is in, for two-fold cross-validation."""
    return hashlib.sha256(("fold:" + s.item.texts["en"]).encode()).digest()[0] % 2


def facts_kept(output: str, item: Item, target: str) -> tuple[int, int]:
    low = output.casefold()
    kept = sum(1 for fact in item.facts if any(f.casefold() in low for f in fact.get(target, [])))
    return kept, len(item.facts)


@dataclass
class Scored:
    item: Item
    source: str
    target: str
    output: str
    translated: bool
    observation: Observation | None
    facts: tuple[int, int]
    chrf: float
    exact: bool
    judged: bool | None = None  # a person's verdict on this very output, when there is one

    @property
    def label(self) -> bool:
        """Right or wrong as calibration sees it: the person's verdict, else the metric's."""
        return self.correct if self.judged is None else self.judged

    @cached_property  # read once per row and threshold setting during calibration
    def correct(self) -> bool:
        # Separators left out: "5.000 unidades" → "5,000 units" is the same figure (numbers.py).
        invented = any(d not in set(digit_runs(self.item.texts[self.source])) for d in digit_runs(self.output))
        return self.facts[0] == self.facts[1] and not invented and self.chrf >= MIN_CHRF_CORRECT

    def uncertain(self, gate: GateConfig) -> bool:
        if not self.translated or self.observation is None:
            return True  # the reader is shown the original: never a confident wrong one
        return self.observation.verdict(gate).uncertain


async def translate_all(translator: ArgosTranslator, items: list[Item]) -> list[Scored]:
    observed: dict[tuple[str, str, str], Observation] = {}

    def observe(o: Observation) -> None:
        observed[(o.source, o.target, o.original)] = o

    translator.observer = observe
    out: list[Scored] = []
    for source in LANGS:
        targets = [t for t in LANGS if t != source]
        # Concurrently, in chunks, as a busy fair would; every result still goes through the gate.
        for chunk in _chunks(items, 32):
            results = await asyncio.gather(
                *(translator.translate(i.texts[source], source, targets) for i in chunk)
            )
            for item, per_target in zip(chunk, results, strict=True):
                for target in targets:
                    r = per_target[target]
                    ref = item.texts[target]
                    out.append(
                        Scored(
                            item,
                            source,
                            target,
                            r.text,
                            r.translated,
                            observed.get((source, target, item.texts[source])),
                            facts_kept(r.text, item, target),
                            chrf(r.text.lower(), ref.lower()),
                            " ".join(r.text.split()) == " ".join(ref.split()),
                        )
                    )
    translator.observer = None
    return out


def _chunks(items: list[Item], n: int) -> Iterable[list[Item]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


@dataclass
class Figures:
    n: int = 0
    exact: int = 0
    facts_all: int = 0
    confident_correct: int = 0
    confident_wrong: int = 0
    uncertain: int = 0
    wrong: int = 0
    flagged_wrong: int = 0
    confident_facts: int = 0
    confident_right_judged: int = 0
    confident_wrong_judged: int = 0
    confident_unjudged: int = 0
    hyps: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)

    def add(self, s: Scored, gate: GateConfig) -> None:
        self.n += 1
        self.exact += s.exact
        all_facts = s.facts[0] == s.facts[1]
        self.facts_all += all_facts
        unsure = s.uncertain(gate)
        self.uncertain += unsure
        if not s.correct:
            self.wrong += 1
            self.flagged_wrong += unsure
        if not unsure:
            self.confident_correct += s.correct
            self.confident_wrong += not s.correct
            self.confident_facts += all_facts
            self.confident_right_judged += s.label
            self.confident_wrong_judged += not s.label
            self.confident_unjudged += s.judged is None
        self.hyps.append(s.output)
        self.refs.append(s.item.texts[s.target])

    def row(self) -> dict[str, Any]:
        confident = self.n - self.uncertain
        flagged = self.uncertain
        return {
            "n": self.n,
            "exact": _pct(self.exact, self.n),
            "chrF": round(sacrebleu.corpus_chrf(self.hyps, [self.refs]).score, 1) if self.n else 0.0,
            "facts_kept": _pct(self.facts_all, self.n),
            "correct": _pct(self.n - self.wrong, self.n),
            "confident_correct": _pct(self.confident_correct, self.n),
            "uncertain": _pct(self.uncertain, self.n),
            "confident_wrong": self.confident_wrong,
            "facts_kept_when_confident": _pct(self.confident_facts, confident),
            "gate_precision": _pct(self.flagged_wrong, flagged),
            "gate_recall": _pct(self.flagged_wrong, self.wrong),
            "confident_correct_judged": _pct(self.confident_right_judged, self.n),
            "confident_wrong_judged": self.confident_wrong_judged,
            "confident_unjudged": self.confident_unjudged,
        }


def _pct(a: int, b: int) -> float:
    return round(100.0 * a / b, 1) if b else 0.0


def figures(scored: list[Scored], gate: GateConfig, split: str) -> dict[str, dict[str, Any]]:
    rows: dict[str, Figures] = {f"{s}→{t}": Figures() for s, t in DIRECTIONS}
    for s in scored:
        if split == "all" or s.item.split == split:
            rows[f"{s.source}→{s.target}"].add(s, gate)
    return {k: v.row() for k, v in rows.items()}


def print_table(title: str, table: dict[str, dict[str, Any]]) -> None:
    cols = [
        "n", "exact", "chrF", "facts_kept", "correct", "confident_correct", "uncertain",
        "confident_wrong", "facts_kept_when_confident", "gate_precision", "gate_recall",
        "confident_correct_judged", "confident_wrong_judged", "confident_unjudged",
    ]  # fmt: skip
    print(f"\n{title}")
    print("| direction | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for direction, row in table.items():
        print(f"| {direction} | " + " | ".join(str(row[c]) for c in cols) + " |")


SPLIT_TITLES = {
    "test": "test split (never used for anything but this report)",
    "calib": "calibration split",
    "fresh": "fresh split (written after the gate's rules; never used for anything but this report)",
    "fresh2": "second fresh split (written after the stage-7 rules: units, greetings, guessed persons; only reported)",
}


async def main_async(args: argparse.Namespace) -> None:
    items = load_items()
    if args.split:
        if args.calibrate or args.load:
            raise SystemExit("--split only narrows a fresh run: not with --calibrate or --load")
        items = [i for i in items if i.split == args.split]
    counts = ", ".join(f"{sum(i.split == split for i in items)} {split}" for split in SPLIT_TITLES)
    print(f"held-out messages: {len(items)} ({counts})")
    if args.load:
        # A run saved with --dump (collected with --calibrate): refit and report without translating.
        scored = load_run(args.load)
        gate = GateConfig.load()
    else:
        packages = args.packages or Path(tempfile.mkdtemp(prefix="boothcast-quality-"))
        engines = parse_choice(args.engines) if args.engines is not None else None
        async with open_translator(
            packages,
            bundled=args.packages is None,
            timeout=30.0,
            beam_size=args.beam,
            engines=engines,
            gate=COLLECT if args.calibrate else None,
        ) as tr:
            assert isinstance(tr, ArgosTranslator)
            gate = tr.gate
            scored = await translate_all(tr, items)
        if args.dump:
            args.dump.write_bytes(pickle.dumps(scored))
        apply_judgments(scored)
    print(f"people's verdicts on these outputs: {sum(r.judged is not None for r in scored)} "
          f"({sum(r.judged is not None and r.item.split == 'calib' for r in scored)} in calibration)")
    if args.calibrate:
        gate = calibrate(scored, GateConfig.load(Path("/nonexistent")))
        GATE_FILE.write_text(gate.to_json(), encoding="utf-8")
        print(f"wrote {GATE_FILE.relative_to(ROOT)}")
    report: dict[str, Any] = {"gate": json.loads(gate.to_json())}
    for split, title in SPLIT_TITLES.items():
        if any(i.split == split for i in items):
            report[split] = figures(scored, gate, split)
            print_table(title, report[split])
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.samples:
        with args.samples.open("w", encoding="utf-8") as f:
            for s in scored:
                mark = ("OK" if s.correct else "XX") + ("" if s.judged is None else "/right" if s.judged else "/wrong")
                unsure = "UNSURE" if s.uncertain(gate) else "SURE"
                f.write(f"{s.item.split}\t{s.source}>{s.target}\t{mark}\t{unsure}\t{s.facts[0]}/{s.facts[1]}\t"
                        f"{s.item.texts[s.source]}\t{s.output}\t{s.item.texts[s.target]}\n")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calibrate", action="store_true", help="fit translation/bundled/gate.json")
    ap.add_argument("--packages", type=Path, help="an installed packages dir instead of the bundled models")
    ap.add_argument("--json", type=Path, help="write the figures as JSON")
    ap.add_argument("--beam", type=int, default=DEFAULT_BEAM, help="beam size (the server's BOOTHCAST_TRANSLATION_BEAM)")
    ap.add_argument("--samples", type=Path, help="write every translation with its verdict (TSV)")
    ap.add_argument("--dump", type=Path, help="save the translations and their signals (with --calibrate: "
                    "every signal) for --load")  # fmt: skip
    ap.add_argument("--load", type=Path, help="report (and with --calibrate refit) a run saved with --dump, "
                    "without translating: the held-out files must be the ones it was made from")  # fmt: skip
    ap.add_argument("--split", choices=tuple(SPLIT_TITLES),
                    help="translate only this split's messages (a quick look; no --calibrate)")
    ap.add_argument("--engines", help='engine per pair, e.g. "en-es=apertium,es-en=apertium" (the server\'s '
                    "BOOTHCAST_TRANSLATION_ENGINES); empty: the argos models everywhere")  # fmt: skip
    asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    main()
