"""`boothcast models list | install FILE_OR_URL... | install --from-index URL LANG... | install-bundled | remove`."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from server.settings import Settings
from translation.package_index import IndexEntry, fetch_index, install_entries, plan, select
from translation.packages import (
    InstalledPackage,
    PackageError,
    Progress,
    human_size,
    install,
    install_bundled,
    list_installed,
    newest_per_pair,
    remove,
)

_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
_CODE_HEX = re.compile(r"^([a-z]{2,3}_[a-z]{2,3})=([0-9a-fA-F]{64})$")

INSTALL_HELP = """examples:
  boothcast models install translate-de_en-1_9.argosmodel --sha256 HEX
  boothcast models install a.argosmodel b.argosmodel
  boothcast models install --from-index https://example.org/index.json en de pt

A package is an Argos Translate .argosmodel exactly as the Argos index publishes it: one folder
with metadata.json, model/ (CTranslate2), sentencepiece.model or bpe.model, and a stanza/ or
minisbd/ sentence splitter (kept, not used). A target_prefix in metadata.json is honoured. One
version per pair is kept: installing a newer one replaces the old, an older one is refused.

--from-index reads an Argos-format index (a JSON list of packages with from_code, to_code,
package_version, links), picks the newest package of every pair whose both languages are given
(add en: pairs without a direct package pivot through English), downloads them all, checks each
sha256 and only then installs them; a failed check or download installs nothing. The sha256 comes
from the index entry (sha256 or checksum), else --sha256 CODE=HEX, else a LINK.sha256 sidecar;
without one the package is refused. This command is the only part of Boothcast that uses the
network, and only when you run it.
"""


def add_models_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    models = subparsers.add_parser(
        "models",
        help="list, install and remove translation models",
        description="Translation models (Argos Translate .argosmodel packages, as the Argos index publishes them) "
        "in DATA_DIR/models. `models install --help` covers installing from an Argos package index.",
    )
    sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    p = sub.add_parser("list", help="installed models: pair, version, in use, tokenizer, size, sha256")
    p.set_defaults(func=cmd_models_list)
    p = sub.add_parser(
        "install",
        help="install .argosmodel files or URLs, or the packages of an Argos index for some languages",
        description="Install Argos Translate packages into DATA_DIR/models.",
        epilog=INSTALL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "sources", nargs="+", metavar="FILE_OR_URL|LANG", help="packages, or languages with --from-index"
    )
    p.add_argument("--from-index", metavar="URL", help="an Argos-format package index (index.json)")
    p.add_argument(
        "--sha256",
        action="append",
        default=[],
        metavar="[CODE=]HEX",
        help="required checksum: HEX for a single FILE_OR_URL; CODE=HEX (e.g. en_de=...) per pair with --from-index",
    )
    p.set_defaults(func=cmd_models_install)
    p = sub.add_parser("install-bundled", help="install (or upgrade) the models that ship with Boothcast")
    p.set_defaults(func=cmd_models_install_bundled)
    p = sub.add_parser("remove", help="remove an installed model, e.g. en_zh")
    p.add_argument("code", metavar="CODE", help="FROM_TO language codes, e.g. en_zh")
    p.set_defaults(func=cmd_models_remove)


def cmd_models_list(args: argparse.Namespace, settings: Settings) -> None:
    packages = list_installed(settings.data_dir / "models")
    if not packages:
        print(f"no models installed in {settings.data_dir / 'models'}")
        return
    used = {p.path for p in newest_per_pair(packages)}
    print(f"{'pair':<8} {'version':<10} {'used':<5} {'tokenizer':<14} {'size':>10}  sha256")
    for p in packages:
        # Only the newest version of a pair translates; older ones are folders copied in by hand.
        mark = "yes" if p.path in used else "no"
        tokenizer = p.tokenizer + (f" +{p.target_prefix}" if p.target_prefix else "")
        print(
            f"{p.code:<8} {p.version or '-':<10} {mark:<5} {tokenizer:<14} {human_size(p.size):>10}  {p.sha256 or '-'}"
        )


class _ProgressPrinter:
    """Bytes of total on one self-overwriting terminal line; in a log, one line per package."""

    def __init__(self) -> None:
        self._tty = sys.stderr.isatty()
        self._last_draw = 0.0
        self._drawn = False

    def for_package(self, label: str) -> Progress:
        def draw(done: int, total: int | None) -> None:
            now = time.monotonic()
            if self._tty and (now - self._last_draw >= 0.1 or done == total):
                of = f" of {human_size(total)}" if total else ""
                print(f"\r  {label}  {human_size(done)}{of}   ", end="", file=sys.stderr, flush=True)
                self._last_draw = now
                self._drawn = True

        return draw

    def done(self, label: str, size: int) -> None:
        self.clear()
        print(f"  {label}  {human_size(size)}, sha256 ok", file=sys.stderr, flush=True)

    def clear(self) -> None:
        if self._drawn:
            print(file=sys.stderr)
            self._drawn = False


def _fail(err: PackageError, progress: _ProgressPrinter) -> SystemExit:
    progress.clear()
    print(f"boothcast: {err}", file=sys.stderr)
    return SystemExit(2)


def _installed(package: InstalledPackage) -> None:
    print(
        f"installed {package.code} {package.version or '-'} ({human_size(package.size)}) sha256 {package.sha256}"
    )


def cmd_models_install(args: argparse.Namespace, settings: Settings) -> None:
    models = settings.data_dir / "models"
    progress = _ProgressPrinter()
    per_pair: dict[str, str] = {}
    single: str | None = None
    for value in args.sha256:
        if match := _CODE_HEX.match(value.strip()):
            per_pair[match.group(1)] = match.group(2).lower()
        elif _HEX.match(value.strip()) and single is None:
            single = value.strip()
        else:
            raise _fail(PackageError(f"--sha256 {value!r}: expected 64 hex digits or CODE=HEX"), progress)
    if args.from_index:
        if single is not None:
            raise _fail(PackageError("with --from-index, give checksums as --sha256 CODE=HEX"), progress)
        _install_from_index(args.from_index, args.sources, per_pair, models, progress)
        return
    if per_pair or (single is not None and len(args.sources) > 1):
        raise _fail(
            PackageError("--sha256 HEX takes a single FILE_OR_URL; CODE=HEX goes with --from-index"), progress
        )
    for source in args.sources:
        print(f"installing {source}", flush=True)
        try:
            package = install(source, models, expected_sha256=single, progress=progress.for_package(source))
        except PackageError as err:
            raise _fail(err, progress) from err
        progress.clear()
        _installed(package)


def _install_from_index(
    url: str, languages: list[str], checksums: dict[str, str], models: Path, progress: _ProgressPrinter
) -> None:
    try:
        wanted = select(fetch_index(url), languages)
        if not wanted:
            raise PackageError(f"the index has no package between any two of: {' '.join(languages)}")
        todo = plan(wanted, models)
        for have in todo.current:
            print(f"{have.code} {have.version or '-'} is already installed")
        label = {e.code: f"{e.code} {e.version}" for e in todo.install}

        def on_progress(entry: IndexEntry) -> Progress:
            return progress.for_package(label[entry.code])

        installed = install_entries(
            todo.install,
            models,
            checksums=checksums,
            progress=on_progress,
            done=lambda entry, size: progress.done(label[entry.code], size),
        )
    except PackageError as err:
        raise _fail(err, progress) from err
    for package in installed:
        _installed(package)


def cmd_models_install_bundled(args: argparse.Namespace, settings: Settings) -> None:
    # Idempotent, so a deployment's one-shot `models` service can run it at every start.
    changed = install_bundled(settings.data_dir / "models")
    for package in changed:
        print(f"installed {package.code} {package.version or ''}".rstrip())
    print(f"bundled models are up to date in {settings.data_dir / 'models'}")


def cmd_models_remove(args: argparse.Namespace, settings: Settings) -> None:
    try:
        package = remove(args.code, settings.data_dir / "models")
    except PackageError as err:
        print(f"boothcast: {err}", file=sys.stderr)
        raise SystemExit(2) from err
    print(f"removed {package.code} {package.version}".rstrip())
