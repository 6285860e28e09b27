"""The pages' catch-up by seq (web/static/chat.js `SeqCatchUp`), run under Node's test runner.

No browser: the class is plain logic over a fetch function and timers (mocked in the tests), so
Node 20 (which `scripts/test` installs for the web's libraries) runs it in well under a second.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

WEB_TESTS = Path(__file__).resolve().parent / "web"


def test_seq_catch_up_in_node() -> None:
    node = shutil.which("node")
    assert node, "Node 20 is needed (scripts/test installs it)"
    files = sorted(str(p) for p in WEB_TESTS.glob("*.test.mjs"))
    assert files
    run = subprocess.run([node, "--test", *files], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
