"""Each page asks for all of its modules at once (scripts/modulepreload.py): its preload list
matches what its entry module imports, however deep, so no module waits for its importer."""

from __future__ import annotations

import subprocess
import sys

from tests.support import ROOT


def test_every_page_preloads_exactly_the_modules_it_imports() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "modulepreload.py"), "--check"],
                            capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    booth = (ROOT / "web" / "booth.html").read_text()
    # Deep ones too: booth.js → booth_inquiry.js → typed_numbers.js.
    assert '<link rel="modulepreload" href="/static/typed_numbers.js">' in booth
    assert '<link rel="modulepreload" href="/vendor/uPlot.esm.js">' in (ROOT / "web" / "console.html").read_text()
