"""Rows for people to judge, from a run saved by `quality.py --calibrate --dump FILE`.

    .venv/bin/python bench/translate/to_judge.py /tmp/q.pkl --split calib --out /tmp/judge   # what the fit weighs
    .venv/bin/python bench/translate/to_judge.py /tmp/q.pkl --split test --confident --out /tmp/judge  # what was shown as sure

`--split calib` writes the calibration translations that the gate could let through (that
coverage, shape, a dropped word or an invented number does not already mark uncertain): the rows
whose label decides the fit; `--min-score`, `--min-roundtrip` and `--metric-wrong` narrow them to
the ones a looser fit would weigh. `--split test --confident` writes the test-split translations the committed
gate (translation/bundled/gate.json) shows as sure: what a reader takes at its word. Rows that
already have a verdict (translation/eval/judged/) are left out. One TSV per direction, columns
id, direction, source, output, reference; the verdicts go to translation/eval/judged/*.jsonl
as {"direction", "source", "output", "verdict": "right"|"wrong", "why"}.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from calibration import reach
from quality import SPLIT_TITLES, load_run

from translation.confidence import GateConfig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dump", type=Path)
    ap.add_argument("--split", choices=tuple(SPLIT_TITLES), required=True)
    ap.add_argument("--confident", action="store_true", help="only what the committed gate shows as sure")
    ap.add_argument("--out", type=Path, required=True, help="a directory for the TSV files")
    ap.add_argument("--min-score", type=float, default=-1e9, help="calib: only rows whose model score reaches this")
    ap.add_argument("--min-roundtrip", type=float, default=-1e9, help="calib: only rows whose round trip reaches this")
    ap.add_argument("--metric-wrong", action="store_true", help="calib: only rows the metric calls wrong")
    args = ap.parse_args()
    scored = load_run(args.dump)
    gate = GateConfig.load()
    args.out.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[str]] = {}
    seen: set[tuple[str, str, str, str]] = set()
    for s in scored:
        key = (s.source, s.target, s.item.texts[s.source], s.output)
        if s.item.split != args.split or s.judged is not None or key in seen:
            continue
        if args.confident and s.uncertain(gate):
            continue
        if not args.confident:
            needs = reach(s, gate.default)
            if needs is None or needs[0] < args.min_score or needs[1] < args.min_roundtrip or needs[3] > 0:
                continue
            if args.metric_wrong and s.correct:
                continue
        seen.add(key)
        direction = f"{s.source}>{s.target}"
        rows = files.setdefault(direction, [])
        fields = [f"{args.split}-{s.source}{s.target}-{len(rows) + 1}", direction, s.item.texts[s.source], s.output,
                  s.item.texts[s.target]]  # fmt: skip
        rows.append("\t".join(" ".join(f.split()) for f in fields))
    for direction, rows in sorted(files.items()):
        path = args.out / f"{args.split}_{direction.replace('>', '_')}.tsv"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        print(f"{path}: {len(rows)} rows")


if __name__ == "__main__":
    main()
