"""Installed translation packages: list, install (file or URL), remove, install the bundled ones.

A package is an argos `.argosmodel` zip holding one folder with `metadata.json`, `model/` (a
CTranslate2 model), a tokenizer (`sentencepiece.model`, else a subword-nmt `bpe.model`, the order
argos itself checks) and optionally a sentence splitter (`minisbd/` or the `stanza/` of published
packages; Boothcast splits sentences itself, so it is kept but never read). It is unpacked into
`{packages_dir}/{from}_{to}/`, so the same directory is also a valid `ARGOS_PACKAGES_DIR` for argos
and LibreTranslate. One version per pair: the newest `package_version` wins, and a folder copied in
from elsewhere that holds an older one is ignored. No network is touched except an explicit
install URL (and `translation.package_index`).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import shutil
import stat
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.version import InvalidVersion, Version

BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"
RECEIPT = ".boothcast.json"  # what we installed and from which archive (checksum)
_CODE = re.compile(r"^[a-z]{2,3}$")
_MAX_UNPACKED = 4 * 1024**3  # refuse zip bombs
_CHUNK = 1 << 20
TOKENIZERS = {"sentencepiece.model": "sentencepiece", "bpe.model": "bpe"}  # argos' order of preference

Progress = Callable[[int, int | None], None]  # (bytes done, total or None when unknown)


class PackageError(Exception):
    """A package cannot be installed or found; the message is meant for the operator."""


@dataclass(frozen=True, slots=True)
class InstalledPackage:
    from_code: str
    to_code: str
    version: str
    path: Path
    size: int  # bytes on disk
    sha256: str | None  # of the archive it was installed from, when known
    target_prefix: str
    bundled: bool = False  # installed by install_bundled, so a newer bundled build may replace it
    tokenizer: str = "sentencepiece"  # or "bpe" (Moses + subword-nmt); "none": the engine logs and skips it

    @property
    def code(self) -> str:
        return f"{self.from_code}_{self.to_code}"

    @property
    def version_key(self) -> Version:
        return version_key(self.version)

    def __str__(self) -> str:
        checksum = f"sha256 {self.sha256}" if self.sha256 else "sha256 unknown"
        return f"{self.code} {self.version or '-'} ({human_size(self.size)}, {checksum})"


def human_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def version_key(version: str) -> Version:
    """Orders `package_version`s as argos does (PEP 440); an unreadable one sorts first."""
    try:
        return Version(version)
    except InvalidVersion:
        return Version("0")


def newest_per_pair(packages: list[InstalledPackage]) -> list[InstalledPackage]:
    """The package that serves each pair: the newest version; on a tie, our own `{from}_{to}` folder."""
    best: dict[str, InstalledPackage] = {}
    for package in packages:
        current = best.get(package.code)
        rank = (package.version_key, package.path.name == package.code)
        if current is None or rank > (current.version_key, current.path.name == current.code):
            best[package.code] = package
    return sorted(best.values(), key=lambda p: p.code)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def read_package(path: Path) -> InstalledPackage:
    metadata = json.loads((path / "metadata.json").read_text(encoding="utf-8"))
    receipt_path = path / RECEIPT
    receipt = json.loads(receipt_path.read_text(encoding="utf-8")) if receipt_path.exists() else {}
    return InstalledPackage(
        from_code=str(metadata["from_code"]),
        to_code=str(metadata["to_code"]),
        version=str(metadata.get("package_version", "")),
        path=path,
        size=_dir_size(path),
        sha256=receipt.get("sha256"),
        bundled=bool(receipt.get("bundled", False)),
        target_prefix=str(metadata.get("target_prefix", "")),
        tokenizer=next((kind for name, kind in TOKENIZERS.items() if (path / name).is_file()), "none"),
    )


def list_installed(packages_dir: Path) -> list[InstalledPackage]:
    if not packages_dir.is_dir():
        return []
    found: list[InstalledPackage] = []
    for child in sorted(packages_dir.iterdir()):
        if child.is_dir() and (child / "metadata.json").is_file() and (child / "model").is_dir():
            try:
                found.append(read_package(child))
            except (OSError, ValueError, KeyError):
                continue  # a half-written or foreign folder must not stop the server
    return found


def _check_layout(archive: zipfile.ZipFile) -> tuple[str, dict[str, object]]:
    """The single top-level folder and its metadata; raises PackageError on anything unsafe."""
    roots: set[str] = set()
    total = 0
    for info in archive.infolist():
        name = PurePosixPath(info.filename)
        if (
            info.filename.startswith(("/", "\\"))
            or ".." in name.parts
            or "\\" in info.filename
            or ":" in name.parts[0]
        ):
            raise PackageError(f"unsafe path in archive: {info.filename!r}")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise PackageError(f"symbolic link in archive: {info.filename!r}")
        roots.add(name.parts[0])
        total += info.file_size
    if total > _MAX_UNPACKED:
        raise PackageError("archive unpacks to more than 4 GB")
    if len(roots) != 1:
        raise PackageError(f"expected one top-level folder, found {sorted(roots)}")
    root = roots.pop()
    names = set(archive.namelist())
    for required in ("metadata.json", "model/model.bin"):
        if f"{root}/{required}" not in names:
            raise PackageError(f"missing {required} in package")
    if not any(f"{root}/{name}" in names for name in TOKENIZERS):
        raise PackageError("missing tokenizer in package: neither sentencepiece.model nor bpe.model")
    try:
        metadata = json.loads(archive.read(f"{root}/metadata.json"))
    except ValueError as exc:
        raise PackageError(f"metadata.json is not JSON: {exc}") from exc
    if not isinstance(metadata, dict):
        raise PackageError("metadata.json must be an object")
    for key in ("from_code", "to_code"):
        if not _CODE.match(str(metadata.get(key, ""))):
            raise PackageError(f"metadata.json has no valid {key}")
    return root, metadata


def install_file(
    archive_path: Path,
    packages_dir: Path,
    *,
    sha256: str | None = None,
    expected: str | None = None,
    bundled: bool = False,
) -> InstalledPackage:
    """Install (or replace) a package from a local `.argosmodel` file.

    `expected` is the checksum the caller requires; `sha256` a checksum already computed.
    """
    digest = sha256 or sha256_file(archive_path)
    if expected is not None and digest.lower() != expected.strip().lower():
        raise PackageError(f"checksum mismatch: expected {expected}, got {digest}")
    if not zipfile.is_zipfile(archive_path):
        raise PackageError(f"{archive_path} is not a zip archive")
    packages_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive_path) as archive:
        root, metadata = _check_layout(archive)
        code = f"{metadata['from_code']}_{metadata['to_code']}"
        version = str(metadata.get("package_version", ""))
        newer = [
            p for p in list_installed(packages_dir) if p.code == code and p.version_key > version_key(version)
        ]
        if newer:
            raise PackageError(
                f"{code} {newer[0].version} is installed, newer than {version or 'this one'}; "
                f"run `boothcast models remove {code}` first to go back"
            )
        # Unpack beside the packages dir, not inside it: argos treats every folder there as a package.
        staging = Path(tempfile.mkdtemp(prefix=".install-", dir=packages_dir.parent))
        try:
            archive.extractall(staging)
            unpacked = staging / root
            (unpacked / RECEIPT).write_text(
                json.dumps({"sha256": digest, "source": archive_path.name, "bundled": bundled}),
                encoding="utf-8",
            )
            final = packages_dir / code
            if final.exists():
                # Moved aside rather than deleted first, so there is no moment without the pair.
                final.rename(staging / ".replaced")
            unpacked.rename(final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return read_package(final)


def download(url: str, dest: Path, progress: Progress | None = None, timeout: float = 30.0) -> str:
    """Stream `url` into `dest`; returns the sha256 of what was written."""
    if not url.startswith(("http://", "https://")):
        raise PackageError("only http(s) URLs can be installed")
    digest = hashlib.sha256()
    done = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, dest.open("wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    except (OSError, http.client.HTTPException) as exc:  # IncompleteRead is not an OSError
        raise PackageError(f"download failed: {exc} ({url})") from exc
    if total is not None and done != total:
        raise PackageError(f"download failed: cut short at {done} of {total} bytes ({url})")
    return digest.hexdigest()


def install(
    source: str, packages_dir: Path, *, expected_sha256: str | None = None, progress: Progress | None = None
) -> InstalledPackage:
    """Install from a file path or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        with tempfile.TemporaryDirectory(prefix=".download-", dir=_ensure(packages_dir.parent)) as tmp:
            path = Path(tmp) / "package.argosmodel"
            digest = download(source, path, progress)
            return install_file(path, packages_dir, sha256=digest, expected=expected_sha256)
    path = Path(source).expanduser()
    if not path.is_file():
        raise PackageError(f"no such file: {source}")
    if progress is not None:
        size = path.stat().st_size
        progress(size, size)
    return install_file(path, packages_dir, expected=expected_sha256)


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove(code: str, packages_dir: Path) -> InstalledPackage:
    """Remove the package `from_to` (e.g. `en_zh`)."""
    for package in list_installed(packages_dir):
        if package.code == code:
            shutil.rmtree(package.path)
            return package
    raise PackageError(f"no installed package {code!r}")


def bundled_archives(bundled_dir: Path = BUNDLED_DIR) -> list[Path]:
    return sorted(bundled_dir.glob("*.argosmodel")) if bundled_dir.is_dir() else []


def archive_code(archive_path: Path) -> str:
    with zipfile.ZipFile(archive_path) as archive:
        _, metadata = _check_layout(archive)
    return f"{metadata['from_code']}_{metadata['to_code']}"


def install_bundled(packages_dir: Path, bundled_dir: Path = BUNDLED_DIR) -> list[InstalledPackage]:
    """Install the bundled packages; idempotent (by checksum).

    A pair the operator installed from elsewhere is left alone; one that came from an older
    bundled archive is upgraded.
    """
    installed = {p.code: p for p in list_installed(packages_dir)}
    changed: list[InstalledPackage] = []
    for archive in bundled_archives(bundled_dir):
        current = installed.get(archive_code(archive))
        if current is not None and not current.bundled:
            continue
        digest = sha256_file(archive)
        if current is not None and current.sha256 == digest:
            continue
        changed.append(install_file(archive, packages_dir, sha256=digest, bundled=True))
    return changed
