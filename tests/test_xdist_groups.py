"""The suite's worker grouping works: every browser test runs on one xdist worker, in turn.

tests/conftest.py marks each test with an `xdist_group` and scripts/test runs `--dist loadgroup`.
pytest-xdist applies a group by rewriting a pytest internal (the item's `_nodeid`); when pytest
stopped reading it (9.2), grouping silently stopped, several Chromiums ran at once on two cores,
and pages stalled past their waits in CI. This runs a small suite through the same hook on three
workers and fails loudly if the browser tests spread.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BROWSER_TEST = """
import os, pathlib, time
import pytest
pytestmark = pytest.mark.browser
def test_{n}() -> None:
    time.sleep(0.3)
    pathlib.Path("{out}").joinpath("browser_{n}").write_text(os.environ["PYTEST_XDIST_WORKER"])
"""

PLAIN_TEST = """
import os, pathlib, time
def test_{n}() -> None:
    time.sleep(0.3)
    pathlib.Path("{out}").joinpath("plain_{n}").write_text(os.environ["PYTEST_XDIST_WORKER"])
"""


def test_browser_tests_share_one_worker(tmp_path: Path) -> None:
    suite, out = tmp_path / "suite", tmp_path / "out"
    suite.mkdir()
    out.mkdir()
    # The suite's own grouping hook, nothing else of its conftest.
    (suite / "conftest.py").write_text(
        "import pytest\n"
        "from tests.conftest import pytest_collection_modifyitems  # noqa: F401\n"
        "def pytest_configure(config):\n"
        "    config.addinivalue_line('markers', 'browser: a Chromium test')\n"
    )
    for n in range(6):
        (suite / f"test_browser_{n}.py").write_text(BROWSER_TEST.format(n=n, out=out))
        (suite / f"test_plain_{n}.py").write_text(PLAIN_TEST.format(n=n, out=out))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "3", "--dist", "loadgroup",
         "--rootdir", str(suite), "-c", os.devnull, str(suite)],
        cwd=suite, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    browser = {p.read_text() for p in out.glob("browser_*")}
    plain = {p.read_text() for p in out.glob("plain_*")}
    assert len(list(out.glob("browser_*"))) == 6 and len(list(out.glob("plain_*"))) == 6
    assert len(browser) == 1, f"the browser tests ran on workers {sorted(browser)}: xdist grouping is broken"
    assert len(plain | browser) > 1  # the rest still spreads
