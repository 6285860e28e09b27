"""Choose the lexicon's `--cover` without looking at the test split: two-fold cross-validation.

    .venv/bin/python bench/translate/lexicon_cv.py [--covers 0.95,0.9,0.85,0.8]

For each `cover`, the gate's lexicons are rebuilt (translation/build/lexicon.py, written to
translation/bundled/lexicon/), the held-out calibration split is translated with every signal
collected, and the split is cut in two halves: the gate is fitted on one half with
`calibration.calibrate` and judged on the other, then the other way round. The figure that decides is
the confident-and-wrong count summed over both held-out halves (ties: more confident-and-correct).
The test split is never translated here. The script leaves the lexicons of the last cover tried:
rebuild them with the chosen one (`translation/build/lexicon.py --cover X`), then
`quality.py --calibrate`.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT, Path(__file__).parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from calibration import COLLECT, calibrate, confident_wrong  # noqa: E402
from quality import Scored, fold, load_items, translate_all  # noqa: E402

from translation.confidence import GateConfig  # noqa: E402
from translation.service import open_translator  # noqa: E402


async def _scored_calibration() -> list[Scored]:
    items = [i for i in load_items() if i.split == "calib"]
    packages = Path(tempfile.mkdtemp(prefix="boothcast-lexcv-"))
    async with open_translator(packages, bundled=True, timeout=30.0, gate=COLLECT) as tr:
        return await translate_all(tr, items)  # type: ignore[arg-type]


def _held_out(scored: list[Scored]) -> tuple[int, int]:
    wrong = right = 0
    for held in (0, 1):
        fit = [s for s in scored if fold(s) != held]
        judged = [s for s in scored if fold(s) == held]
        gate = calibrate(fit, GateConfig.load(Path("/nonexistent")))
        wrong += confident_wrong(judged, gate)
        right += sum(1 for s in judged if s.correct and not s.uncertain(gate))
    return wrong, right


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--covers", default="0.95,0.9,0.85,0.8")
    args = ap.parse_args()
    print("| cover | confident & wrong (held-out halves) | confident & correct |")
    print("|---:|---:|---:|")
    for cover in args.covers.split(","):
        subprocess.run([sys.executable, str(ROOT / "translation/build/lexicon.py"), "--cover", cover],
                       check=True, capture_output=True)  # fmt: skip
        wrong, right = _held_out(asyncio.run(_scored_calibration()))
        print(f"| {cover} | {wrong} | {right} |", flush=True)


if __name__ == "__main__":
    main()
