"""Choose the gate's margin (calibration.MARGIN) without looking at the test split: two-fold
cross-validation on the calibration split of a run saved by `quality.py --calibrate --dump FILE`.

    .venv/bin/python bench/translate/margin_cv.py /tmp/q.pkl [--margins 0,1,2,3]

The calibration split is cut in two halves (as lexicon_cv.py cuts it); the gate is fitted on one
half with each margin and judged on the other, then the other way round. People's verdicts
(translation/eval/judged/) are the labels where there are some, as in `calibration.calibrate`. The
figure that decides is the confident-and-wrong count over both held-out halves (ties: more
confident-and-correct).
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dump", type=Path)
    ap.add_argument("--margins", default="0,1,2,3")
    args = ap.parse_args()
    scored = quality.load_run(args.dump)
    calib = [s for s in scored if s.item.split == "calib"]
    print("| margin | confident & wrong (held-out halves) | confident & correct |")
    print("|---:|---:|---:|")
    for margin in (int(m) for m in args.margins.split(",")):
        wrong = right = 0
        for held in (0, 1):
            fit = [s for s in calib if quality.fold(s) != held]
            gate = calibration.calibrate(fit, GateConfig.load(Path("/nonexistent")), margin)
            judged = [s for s in calib if quality.fold(s) == held]
            wrong += calibration.confident_wrong(judged, gate)
            right += sum(1 for s in judged if s.label and not s.uncertain(gate))
        print(f"| {margin} | {wrong} | {right} |", flush=True)


if __name__ == "__main__":
    main()
