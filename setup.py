"""Puts the web pages into the wheel: everything else about the package is in pyproject.toml.

`web/` is not a Python package, and the two client libraries come from `web/node_modules` (npm),
so setuptools' package-data cannot reach them. This build step copies `web/*.html`,
`web/static/**` and exactly the vendored files that `server/pages.py` serves (its `VENDOR`
table, read here without importing aiohttp) into `server/webroot/` in the wheel, keeping the
`web/` layout, so `Settings.web_dir` can point there and `server/pages.py` needs no second path.

An editable install (`pip install -e .`, scripts/install) copies nothing: it serves `web/` itself.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
WEB = ROOT / "web"
PACKAGED = Path("server", "webroot")  # relative to the build dir; server/settings.py looks here


def vendor_files() -> list[Path]:
    """`web/node_modules/<package>/<file>` for every entry of server/pages.py's VENDOR."""
    tree = ast.parse((ROOT / "server" / "pages.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["VENDOR"]:
            table: dict[str, tuple[str, str]] = ast.literal_eval(node.value)
            return [Path("node_modules", package, name) for package, name in table.values()]
    raise SystemExit("setup.py: no VENDOR table in server/pages.py")


def web_files() -> list[Path]:
    """Every file of `web/` the server serves, relative to `web/`."""
    files = sorted(p.relative_to(WEB) for p in WEB.glob("*.html"))
    files += sorted(
        p.relative_to(WEB)
        for p in (WEB / "static").rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(WEB).parts)
    )
    files += vendor_files()
    missing = [str(f) for f in files if not (WEB / f).is_file()]
    if missing:
        # A wheel without them serves 404s for the pages (issue 11): refuse to build one.
        raise SystemExit(
            "setup.py: missing web files " + ", ".join(missing) + " (run `npm ci` in web/ first)"
        )
    return files


class BuildPyWithWeb(build_py):  # type: ignore[misc]  # setuptools ships no types for it
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for rel in web_files():
            dest = Path(self.build_lib) / PACKAGED / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(WEB / rel, dest)


setup(cmdclass={"build_py": BuildPyWithWeb})
