"""Choose the gate's margin (calibration.MARGIN) without looking at the test split: two-fold
cross-validation on the calibration split of a run saved by `quality.py --calibrate --dump FILE`.

    .venv/bin/python bench/translate/margin_cv.py /tmp/q.pkl [--margins 0,1,2,3] [--per-direction]

The calibration split is cut in two halves (as lexicon_cv.py cuts it); the gate is fitted on one
half with each margin and judged on the other, then the other way round. People's verdicts
(translation/eval/judged/) are the labels where there are some, as in `calibration.calibrate`. The
figure that decides is the confident-and-wrong count over both held-out halves (ties: more
confident-and-correct).

With `--per-direction`, each route gets a margin of its own: the direct routes first (with one
margin for all, each route's held-out counts are its own), then the pivots with the direct
routes' margins fixed. A route takes the smallest margin from which its confident-and-wrong count
is at its lowest for every larger margin tried: a single lucky dip does not count.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT, Path(__file__).parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import calibration  # noqa: E402
import quality  # noqa: E402

from translation.confidence import GateConfig  # noqa: E402

Counts = dict[calibration.Direction, tuple[int, int]]  # route → (confident-wrong, confident-right)


def held_out(calib: list[quality.Scored], margin: int | dict[calibration.Direction, int]) -> Counts:
    """Per route, confident-and-wrong and confident-and-correct over both held-out halves."""
    counts = {d: (0, 0) for d in calibration.DIRECTIONS}
    for held in (0, 1):
        fit = [s for s in calib if quality.fold(s) != held]
        gate = calibration.calibrate(fit, GateConfig.load(Path("/nonexistent")), margin)
        for s in calib:
            if quality.fold(s) == held and not s.uncertain(gate):
                wrong, right = counts[(s.source, s.target)]
                counts[(s.source, s.target)] = (wrong + (not s.label), right + bool(s.label))
    return counts


def steady_minimum(wrong_by_margin: dict[int, int]) -> int:
    """The smallest margin from which the wrong count is at its lowest for every larger one."""
    margins = sorted(wrong_by_margin)
    low = min(wrong_by_margin.values())
    return next(m for m in margins if all(wrong_by_margin[n] == low for n in margins if n >= m))


def per_direction(calib: list[quality.Scored], margins: list[int]) -> dict[calibration.Direction, int]:
    direct = [d for d in calibration.DIRECTIONS if "en" in d]
    pivots = [d for d in calibration.DIRECTIONS if "en" not in d]
    chosen: dict[calibration.Direction, int] = {}
    for routes in (direct, pivots):
        # The direct routes all take m (each route's counts are its own); then the pivots take m
        # with the direct routes' chosen margins.
        table = {m: held_out(calib, {**dict.fromkeys(calibration.DIRECTIONS, m), **chosen}) for m in margins}
        print("| route | " + " | ".join(f"margin {m}: wrong / right" for m in margins) + " | chosen |")
        print("|---|" + "---:|" * (len(margins) + 1))
        for d in routes:
            chosen[d] = steady_minimum({m: table[m][d][0] for m in margins})
            cells = " | ".join(f"{table[m][d][0]} / {table[m][d][1]}" for m in margins)
            print(f"| {d[0]}→{d[1]} | {cells} | {chosen[d]} |", flush=True)
    return chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dump", type=Path)
    ap.add_argument("--margins", default="0,1,2,3")
    ap.add_argument("--per-direction", action="store_true", help="a margin per route (see above)")
    args = ap.parse_args()
    scored = quality.load_run(args.dump)
    calib = [s for s in scored if s.item.split == "calib"]
    if args.per_direction:
        chosen = per_direction(calib, [int(m) for m in args.margins.split(",")])
        print("chosen:", {f"{s}_{t}": m for (s, t), m in chosen.items()})
        for label, plan in (("one margin", calibration.MARGIN), ("per route", chosen)):
            counts = held_out(calib, plan).values()
            wrong, right = sum(w for w, _ in counts), sum(r for _, r in counts)
            print(f"{label}: confident & wrong {wrong}, confident & correct {right} (held-out halves)")
        return
    print("| margin | confident & wrong (held-out halves) | confident & correct |")
    print("|---:|---:|---:|")
    for margin in (int(m) for m in args.margins.split(",")):
        counts = held_out(calib, margin).values()
        print(f"| {margin} | {sum(w for w, _ in counts)} | {sum(r for _, r in counts)} |", flush=True)


if __name__ == "__main__":
    main()
