"""`boothcast models list | install FILE_OR_URL [--sha256 HEX] | remove CODE`."""

from __future__ import annotations

import argparse
import sys
import time

from server.settings import Settings
from translation.packages import PackageError, human_size, install, list_installed, remove


def add_models_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    models = subparsers.add_parser(
        "models",
        help="list, install and remove translation models",
        description="Translation models (argos .argosmodel packages) in DATA_DIR/models.",
    )
    sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    p = sub.add_parser("list", help="installed models: pair, version, size, sha256")
    p.set_defaults(func=cmd_models_list)
    p = sub.add_parser("install", help="install a .argosmodel from a file or an http(s) URL")
    p.add_argument("source", metavar="FILE_OR_URL")
    p.add_argument("--sha256", metavar="HEX", help="refuse the package unless its checksum matches")
    p.set_defaults(func=cmd_models_install)
    p = sub.add_parser("remove", help="remove an installed model, e.g. en_zh")
    p.add_argument("code", metavar="CODE", help="FROM_TO language codes, e.g. en_zh")
    p.set_defaults(func=cmd_models_remove)


def cmd_models_list(args: argparse.Namespace, settings: Settings) -> None:
    packages = list_installed(settings.data_dir / "models")
    if not packages:
        print(f"no models installed in {settings.data_dir / 'models'}")
        return
    print(f"{'pair':<8} {'version':<10} {'size':>10}  sha256")
    for p in packages:
        print(f"{p.code:<8} {p.version or '-':<10} {human_size(p.size):>10}  {p.sha256 or '-'}")


class _ProgressPrinter:
    """One self-overwriting line on a terminal; a line per 10% when piped into a log."""

    def __init__(self) -> None:
        self._tty = sys.stderr.isatty()
        self._last_step = -1
        self._last_draw = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        if total:
            step = done * 10 // total
            line = f"  {done * 100 // total:3d}%  {human_size(done)} of {human_size(total)}"
        else:
            step = done // (10 * 1024 * 1024)
            line = f"  {human_size(done)}"
        now = time.monotonic()
        if self._tty:
            if now - self._last_draw >= 0.1 or done == total:
                print(f"\r{line}   ", end="", file=sys.stderr, flush=True)
                self._last_draw = now
        elif step != self._last_step:
            print(line, file=sys.stderr, flush=True)
        self._last_step = step

    def finish(self) -> None:
        if self._tty:
            print(file=sys.stderr)


def cmd_models_install(args: argparse.Namespace, settings: Settings) -> None:
    progress = _ProgressPrinter()
    print(f"installing {args.source}", flush=True)
    try:
        package = install(
            args.source, settings.data_dir / "models", expected_sha256=args.sha256, progress=progress
        )
    except PackageError as err:
        progress.finish()
        print(f"boothcast: {err}", file=sys.stderr)
        raise SystemExit(2) from err
    progress.finish()
    print(f"installed {package.code} {package.version or ''} ({human_size(package.size)})")
    print(f"sha256 {package.sha256}")


def cmd_models_remove(args: argparse.Namespace, settings: Settings) -> None:
    try:
        package = remove(args.code, settings.data_dir / "models")
    except PackageError as err:
        print(f"boothcast: {err}", file=sys.stderr)
        raise SystemExit(2) from err
    print(f"removed {package.code} {package.version}".rstrip())
