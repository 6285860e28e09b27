"""Install packages from an Argos-format package index (`boothcast models install --from-index`).

The index is the JSON list argos-translate reads (`argospm-index/index.json`): one object per
package with `from_code`, `to_code`, `package_version`, `links` and more. It carries no checksum,
so each package's sha256 comes from, in order: the entry itself (`sha256`, or `checksum` as
`sha256:HEX`), the operator (`--sha256 CODE=HEX`), or a sidecar `LINK.sha256` next to the file
(`sha256sum` format). A package with none of these is refused. Everything is downloaded and
verified before anything is installed, so a failed or cut-short download leaves nothing behind.

This is the only network use in Boothcast, and only when an operator runs the command.
"""

from __future__ import annotations

import http.client
import json
import re
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from translation.packages import (
    InstalledPackage,
    PackageError,
    Progress,
    archive_code,
    download,
    install_file,
    list_installed,
    newest_per_pair,
    version_key,
)

_CODE = re.compile(r"^[a-z]{2,3}$")
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
_MAX_INDEX = 16 * 1024 * 1024  # the public index is ~100 KB


@dataclass(frozen=True, slots=True)
class IndexEntry:
    from_code: str
    to_code: str
    version: str
    links: tuple[str, ...]
    sha256: str | None

    @property
    def code(self) -> str:
        return f"{self.from_code}_{self.to_code}"


def _checksum(entry: Mapping[str, object]) -> str | None:
    for key in ("sha256", "checksum"):
        value = entry.get(key)
        if isinstance(value, str):
            value = value.removeprefix("sha256:").strip()
            if not _HEX.match(value):
                raise PackageError(f"index entry has a malformed {key}: {value!r}")
            return value.lower()
    return None


def parse_index(data: bytes) -> list[IndexEntry]:
    try:
        raw = json.loads(data)
    except ValueError as exc:
        raise PackageError(f"the index is not JSON: {exc}") from exc
    if not isinstance(raw, list):
        raise PackageError("the index must be a JSON list of packages")
    entries: list[IndexEntry] = []
    for item in raw:
        # Other package types (sbd, …) and entries this code cannot use are skipped, not fatal.
        if not isinstance(item, dict) or item.get("type", "translate") != "translate":
            continue
        from_code, to_code = item.get("from_code"), item.get("to_code")
        links = item.get("links")
        if not (isinstance(from_code, str) and _CODE.match(from_code)):
            continue
        if not (isinstance(to_code, str) and _CODE.match(to_code)) or not isinstance(links, list):
            continue
        urls = tuple(u for u in links if isinstance(u, str) and u.startswith(("http://", "https://")))
        if urls:
            version = str(item.get("package_version", ""))
            entries.append(IndexEntry(from_code, to_code, version, urls, _checksum(item)))
    return entries


def fetch_index(url: str, timeout: float = 30.0) -> list[IndexEntry]:
    if not url.startswith(("http://", "https://")):
        raise PackageError("the index must be an http(s) URL")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read(_MAX_INDEX + 1)
    except (OSError, http.client.HTTPException) as exc:
        raise PackageError(f"cannot read the index {url}: {exc}") from exc
    if len(data) > _MAX_INDEX:
        raise PackageError(f"the index {url} is larger than 16 MB")
    return parse_index(data)


def select(entries: Iterable[IndexEntry], languages: Iterable[str]) -> list[IndexEntry]:
    """The newest package of every pair whose both languages were asked for."""
    wanted = set(languages)
    best: dict[str, IndexEntry] = {}
    for entry in entries:
        if entry.from_code in wanted and entry.to_code in wanted:
            current = best.get(entry.code)
            if current is None or version_key(entry.version) > version_key(current.version):
                best[entry.code] = entry
    return sorted(best.values(), key=lambda e: e.code)


def _sidecar(link: str, timeout: float) -> str | None:
    try:
        with urllib.request.urlopen(f"{link}.sha256", timeout=timeout) as response:
            text = response.read(4096).decode("ascii", "replace")
    except (OSError, http.client.HTTPException):
        return None
    first = text.split()[0] if text.split() else ""
    return first.lower() if _HEX.match(first) else None


def expected_checksum(entry: IndexEntry, given: Mapping[str, str], timeout: float = 30.0) -> str:
    if entry.sha256:
        return entry.sha256
    if entry.code in given:
        return given[entry.code].strip().lower()
    for link in entry.links:
        if found := _sidecar(link, timeout):
            return found
    raise PackageError(
        f"no checksum for {entry.code} {entry.version}: the index has none and there is no "
        f"{entry.links[0]}.sha256; pass --sha256 {entry.code}=HEX"
    )


@dataclass(frozen=True, slots=True)
class Plan:
    install: list[IndexEntry]
    current: list[InstalledPackage]  # pairs already installed at the same or a newer version


def plan(entries: list[IndexEntry], packages_dir: Path) -> Plan:
    installed = {p.code: p for p in newest_per_pair(list_installed(packages_dir))}
    todo, current = [], []
    for entry in entries:
        have = installed.get(entry.code)
        if have is not None and have.version_key >= version_key(entry.version):
            current.append(have)
        else:
            todo.append(entry)
    return Plan(todo, current)


def install_entries(
    entries: list[IndexEntry],
    packages_dir: Path,
    *,
    checksums: Mapping[str, str] | None = None,
    progress: Callable[[IndexEntry], Progress] | None = None,
    done: Callable[[IndexEntry, int], None] | None = None,
    timeout: float = 30.0,
) -> list[InstalledPackage]:
    """Download and verify every entry, then install them all; any failure installs none."""
    given = dict(checksums or {})
    packages_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=packages_dir.parent) as tmp:
        ready: list[tuple[Path, str]] = []
        for entry in entries:
            expected = expected_checksum(entry, given, timeout)
            path = Path(tmp) / f"{entry.code}.argosmodel"
            errors: list[str] = []
            for link in entry.links:  # argos tries the mirrors in order too
                try:
                    digest = download(link, path, progress(entry) if progress else None, timeout)
                    break
                except PackageError as exc:
                    errors.append(str(exc))
            else:
                raise PackageError("; ".join(errors))
            if digest != expected:
                raise PackageError(
                    f"checksum mismatch for {entry.code} {entry.version}: expected {expected}, "
                    f"got {digest}; nothing was installed"
                )
            try:
                archive_code(path)  # a bad layout found now, before any pair is replaced
            except zipfile.BadZipFile as exc:
                raise PackageError(f"{entry.code} {entry.version} is not a zip archive") from exc
            if done is not None:
                done(entry, path.stat().st_size)
            ready.append((path, digest))
        return [install_file(path, packages_dir, sha256=digest) for path, digest in ready]
