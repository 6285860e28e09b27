"""Each page's <link rel="modulepreload"> list: every module its entry module imports, however deep.

Without the list, a browser learns of a module only once the module importing it has arrived,
so a booth page's modules came in four waves, one round trip each: 1.3 s of a 4.8 s first load
on a 400 kbit/s, 400 ms phone link (bench/pageload). With it, all of them are asked for as soon
as the HTML is read. There is no build step (web/README.md), so the list lives in each HTML file
and this script keeps it in step with the imports:

    python3 scripts/modulepreload.py           # rewrite the lists in web/*.html
    python3 scripts/modulepreload.py --check   # exit 1, naming the pages that are out of step

Static imports only (`import … from './x.js'`, `export … from`, `import '/vendor/y.js'`): a
dynamic import() is loaded when needed on purpose (the live module, another language's words).
"""

from __future__ import annotations

import argparse
import posixpath
import re
import sys
from pathlib import Path

WEB = Path(__file__).resolve().parent.parent / "web"
IMPORT = re.compile(r"""^\s*(?:import|export)\s+(?:[^'";]*?\s+from\s+)?['"]((?:\./|\.\./|/)[^'"]+)['"]""", re.M)
ENTRY = re.compile(r'^(\s*)<script type="module" src="(/static/[^"]+)"></script>\n', re.M)
PRELOAD = re.compile(r'^\s*<link rel="modulepreload" href="[^"]+">\n', re.M)


def _url_of(importer: str, spec: str) -> str:
    return spec if spec.startswith("/") else posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))


def _file_of(url: str) -> Path | None:
    if url.startswith("/static/"):
        return WEB / "static" / url.removeprefix("/static/")
    return None  # /vendor/: a library's own file, its imports (if any) are its own business


def imported(entry: str) -> list[str]:
    """The URLs `entry` (a /static/ URL) imports, directly or not, in the order first reached."""
    seen: list[str] = []
    todo = [entry]
    while todo:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.append(url)
        file = _file_of(url)
        if file is not None:
            todo.extend(_url_of(url, m.group(1)) for m in IMPORT.finditer(file.read_text()))
    return seen[1:]


def with_preloads(html: str) -> str:
    """`html` with the preload list of its entry module right after the module's script tag (the
    entry itself is asked for first: the others would otherwise queue ahead of it)."""
    html = PRELOAD.sub("", html)
    entry = ENTRY.search(html)
    if entry is None:
        return html
    indent, src = entry.group(1), entry.group(2)
    links = "".join(f'{indent}<link rel="modulepreload" href="{url}">\n' for url in imported(src))
    return html[: entry.end()] + links + html[entry.end() :]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 if a page is out of step")
    args = ap.parse_args()
    stale = []
    for page in sorted(WEB.glob("*.html")):
        text = page.read_text()
        wanted = with_preloads(text)
        if wanted != text:
            stale.append(page.name)
            if not args.check:
                page.write_text(wanted)
    if stale and args.check:
        print(f"modulepreload lists out of step in {', '.join(stale)}: run python3 scripts/modulepreload.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
