"""Model management: install from a file or URL, checksums, safe unpacking, remove, bundled."""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import stat
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.cli_models import add_models_commands
from server.settings import Settings
from translation.packages import (
    PackageError,
    install,
    install_bundled,
    list_installed,
    remove,
    sha256_file,
)


def make_package(
    path: Path,
    from_code: str = "en",
    to_code: str = "zh",
    version: str = "1.0",
    *,
    root: str | None = None,
    extra: dict[str, bytes] | None = None,
    skip: tuple[str, ...] = (),
) -> Path:
    root = root or f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    files = {
        "metadata.json": json.dumps(
            {"from_code": from_code, "to_code": to_code, "package_version": version}
        ).encode(),
        "model/model.bin": b"weights " + version.encode(),
        "model/config.json": b"{}",
        "sentencepiece.model": b"spm",
        "minisbd/model.onnx": b"sbd",
    }
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            if name not in skip:
                z.writestr(f"{root}/{name}", data)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


@pytest.fixture
def models(tmp_path: Path) -> Path:
    return tmp_path / "data" / "models"


def test_install_list_remove(tmp_path: Path, models: Path) -> None:
    archive = make_package(tmp_path / "en_zh.argosmodel")
    package = install(str(archive), models)
    assert (package.code, package.version, package.sha256) == ("en_zh", "1.0", sha256_file(archive))
    assert (models / "en_zh" / "model" / "model.bin").is_file()
    [listed] = list_installed(models)
    assert listed.code == "en_zh" and listed.size > 0 and listed.sha256 == package.sha256
    assert "en_zh 1.0" in str(listed)
    # No leftovers beside the packages: argos would treat any folder there as a package.
    assert sorted(p.name for p in models.parent.iterdir()) == ["models"]
    assert remove("en_zh", models).code == "en_zh"
    assert list_installed(models) == []
    with pytest.raises(PackageError):
        remove("en_zh", models)


def test_reinstall_replaces(tmp_path: Path, models: Path) -> None:
    install(str(make_package(tmp_path / "a.argosmodel", version="1.0")), models)
    install(str(make_package(tmp_path / "b.argosmodel", version="1.1")), models)
    [listed] = list_installed(models)
    assert listed.version == "1.1"


def test_checksum_is_verified(tmp_path: Path, models: Path) -> None:
    archive = make_package(tmp_path / "en_zh.argosmodel")
    with pytest.raises(PackageError, match="checksum mismatch"):
        install(str(archive), models, expected_sha256="0" * 64)
    assert list_installed(models) == []
    assert install(str(archive), models, expected_sha256=sha256_file(archive).upper()).code == "en_zh"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"extra": {"../evil.txt": b"x"}}, "unsafe path"),
        ({"extra": {"/etc/evil": b"x"}}, "unsafe path"),
        ({"extra": {"other/file": b"x"}}, "one top-level folder"),
        ({"skip": ("metadata.json",)}, "missing metadata.json"),
        ({"skip": ("model/model.bin",)}, "missing model/model.bin"),
        ({"from_code": "../x", "root": "pkg"}, "from_code"),
    ],
)
def test_unsafe_or_malformed_archives_are_refused(
    tmp_path: Path, models: Path, kwargs: dict[str, object], message: str
) -> None:
    archive = make_package(tmp_path / "bad.argosmodel", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(PackageError, match=message):
        install(str(archive), models)
    assert not (tmp_path / "evil.txt").exists()
    assert list_installed(models) == []


def test_symlinks_are_refused(tmp_path: Path, models: Path) -> None:
    archive = make_package(tmp_path / "link.argosmodel")
    with zipfile.ZipFile(archive, "a") as z:
        info = zipfile.ZipInfo("translate-en_zh-1_0/model/link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")
    with pytest.raises(PackageError, match="symbolic link"):
        install(str(archive), models)


def test_not_a_zip(tmp_path: Path, models: Path) -> None:
    bogus = tmp_path / "bogus.argosmodel"
    bogus.write_bytes(b"not a zip")
    with pytest.raises(PackageError, match="not a zip"):
        install(str(bogus), models)
    with pytest.raises(PackageError, match="no such file"):
        install(str(tmp_path / "missing.argosmodel"), models)


@contextlib.contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_install_from_url_with_progress(tmp_path: Path, models: Path) -> None:
    served = tmp_path / "www"
    served.mkdir()
    archive = make_package(served / "es_en.argosmodel", "es", "en")
    seen: list[tuple[int, int | None]] = []
    with serve_directory(served) as base:
        package = install(
            f"{base}/es_en.argosmodel",
            models,
            expected_sha256=sha256_file(archive),
            progress=lambda d, t: seen.append((d, t)),
        )
        with pytest.raises(PackageError, match="download failed"):
            install(f"{base}/missing.argosmodel", models)
        with pytest.raises(PackageError, match="checksum mismatch"):
            install(f"{base}/es_en.argosmodel", models, expected_sha256="ab" * 32)
    assert package.code == "es_en"
    assert seen and seen[-1] == (archive.stat().st_size, archive.stat().st_size)


def test_install_bundled_is_idempotent_and_respects_operator_installs(tmp_path: Path, models: Path) -> None:
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    make_package(bundled / "en_zh.argosmodel", "en", "zh")
    make_package(bundled / "zh_en.argosmodel", "zh", "en")
    assert sorted(p.code for p in install_bundled(models, bundled)) == ["en_zh", "zh_en"]
    assert install_bundled(models, bundled) == []
    # A newer bundled build upgrades what was bundled...
    make_package(bundled / "en_zh.argosmodel", "en", "zh", "1.1")
    assert [p.code for p in install_bundled(models, bundled)] == ["en_zh"]
    # ...but never what the operator installed.
    install(str(make_package(tmp_path / "mine.argosmodel", "zh", "en", "9.0")), models)
    make_package(bundled / "zh_en.argosmodel", "zh", "en", "1.2")
    assert install_bundled(models, bundled) == []
    assert {p.code: p.version for p in list_installed(models)} == {"en_zh": "1.1", "zh_en": "9.0"}


def _cli(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="boothcast")
    add_models_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_cli_models(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    archive = make_package(tmp_path / "en_es.argosmodel", "en", "es")

    args = _cli(["models", "list"])
    args.func(args, settings)
    assert "no models installed" in capsys.readouterr().out

    args = _cli(["models", "install", str(archive), "--sha256", sha256_file(archive)])
    args.func(args, settings)
    out = capsys.readouterr().out
    assert "installed en_es" in out and sha256_file(archive) in out

    args = _cli(["models", "list"])
    args.func(args, settings)
    assert "en_es" in capsys.readouterr().out

    args = _cli(["models", "install", str(archive), "--sha256", "0" * 64])
    with pytest.raises(SystemExit):
        args.func(args, settings)
    assert "checksum mismatch" in capsys.readouterr().err

    args = _cli(["models", "remove", "en_es"])
    args.func(args, settings)
    assert "removed en_es" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        args.func(args, settings)
