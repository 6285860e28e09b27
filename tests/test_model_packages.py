"""Argos packages as published, and `boothcast models install --from-index` against a loopback index.

The index server is a real HTTP server on an ephemeral port serving the project's own bundled
packages; the packages built here copy the bundled model into the exact folder layout of a package
from the public Argos index (`translate-en_es-1_0/` with metadata.json, model/, a tokenizer,
stanza/), and translate through the real layer.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.cli import main
from translation.confidence import GateConfig
from translation.engine import CTranslate2Engine
from translation.package_index import parse_index, select
from translation.packages import BUNDLED_DIR, PackageError, human_size, install, list_installed, sha256_file
from translation.service import open_translator
from translation.tokenizers import BPETokenizer

NAMES = {"en": "English", "es": "Spanish", "zh": "Chinese"}
QUESTION = "What is the MOQ?"


def published(
    dest: Path,
    from_code: str,
    to_code: str,
    version: str = "1.0",
    *,
    model_from: str | None = None,
    target_prefix: str | None = None,
    bpe_codes: str | None = None,
) -> Path:
    """An .argosmodel laid out like the public index's (argos-train output), from a bundled model."""
    root = f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    metadata: dict[str, object] = {
        "package_version": version,
        "argos_version": "1.9",
        "from_code": from_code,
        "from_name": NAMES[from_code],
        "to_code": to_code,
        "to_name": NAMES[to_code],
        "package_type": "translate",
        "links": [],
    }
    if target_prefix is not None:
        metadata["target_prefix"] = target_prefix
    source = BUNDLED_DIR / f"{model_from or f'{from_code}_{to_code}'}.argosmodel"
    with zipfile.ZipFile(source) as bundled, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(f"{root}/metadata.json", json.dumps(metadata, indent=4))
        out.writestr(f"{root}/README.md", f"# {NAMES[from_code]} to {NAMES[to_code]}\n")
        for name in bundled.namelist():
            rest = name.partition("/")[2]
            if rest.startswith("model/") or (rest == "sentencepiece.model" and bpe_codes is None):
                out.writestr(f"{root}/{rest}", bundled.read(name))
        if bpe_codes is not None:
            out.writestr(f"{root}/bpe.model", bpe_codes)
        # Published packages carry stanza's sentence splitter; Boothcast splits sentences itself.
        out.writestr(f"{root}/stanza/resources.json", "{}")
        out.writestr(f"{root}/stanza/{from_code}/tokenize/default.pt", b"\x80\x02dummy")
    return dest


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/truncated/"):
            # Promises the whole file, sends half, hangs up: a dropped connection mid-download.
            data = (Path(self.directory) / self.path.removeprefix("/truncated/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@contextlib.contextmanager
def serving(directory: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: _Handler(*a, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    for archive in BUNDLED_DIR.glob("*.argosmodel"):
        shutil.copy(archive, site / archive.name)
    return site


def entry(
    base: str, code: str, version: str = "1.0", link: str | None = None, **extra: object
) -> dict[str, object]:
    from_code, to_code = code.split("_")
    return {
        "package_version": version,
        "argos_version": "1.9",
        "from_code": from_code,
        "from_name": NAMES.get(from_code, from_code),
        "to_code": to_code,
        "to_name": NAMES.get(to_code, to_code),
        "type": "translate",
        "links": [f"{base}/{link or f'{code}.argosmodel'}"],
        **extra,
    }


def write_index(site: Path, entries: list[dict[str, object]]) -> None:
    (site / "index.json").write_text(json.dumps(entries), encoding="utf-8")


def run_install(data: Path, *args: str) -> None:
    assert main(["--data-dir", str(data), "models", "install", *args]) == 0


def nothing_installed(data: Path) -> None:
    assert list_installed(data / "models") == []
    # No staging or download folders left beside the packages either.
    assert [p.name for p in data.glob(".*")] == []


async def spanish(models: Path, text: str = QUESTION) -> str:
    async with open_translator(models, gate=GateConfig.off()) as translator:
        result = (await translator.translate(text, "en", ["es"]))["es"]
    assert result.translated
    return result.text


async def test_install_by_language_from_the_index(
    tmp_path: Path, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving(site) as base:
        sums = {
            code: sha256_file(site / f"{code}.argosmodel") for code in ("en_es", "es_en", "en_zh", "zh_en")
        }
        write_index(
            site,
            [
                # An older en_es whose file is gone: picking it instead of 1.0 would fail the install.
                entry(base, "en_es", "0.9", link="gone.argosmodel", sha256="0" * 64),
                *(entry(base, code, sha256=digest) for code, digest in sums.items()),
                entry(base, "de_en", link="gone.argosmodel"),
                {"type": "sbd", "from_code": "en", "links": [f"{base}/gone"]},
            ],
        )
        run_install(tmp_path / "data", "--from-index", f"{base}/index.json", "en", "es")
    out, err = capsys.readouterr()
    installed = list_installed(tmp_path / "data" / "models")
    assert [(p.code, p.version, p.sha256) for p in installed] == [
        ("en_es", "1.0", sums["en_es"]),
        ("es_en", "1.0", sums["es_en"]),
    ]
    # Not a terminal: one line per package, no progress redraws.
    assert [line.split()[:2] for line in err.splitlines()] == [["en_es", "1.0"], ["es_en", "1.0"]]
    assert "installed en_es 1.0" in out and "\r" not in err
    assert "pedido mínimo" in await spanish(tmp_path / "data" / "models")
    # Running it again downloads nothing.
    with serving(site) as base:
        write_index(site, [entry(base, "en_es", sha256=sums["en_es"])])
        run_install(tmp_path / "data", "--from-index", f"{base}/index.json", "en", "es")
    assert "en_es 1.0 is already installed" in capsys.readouterr().out


def test_a_checksum_mismatch_installs_nothing(
    tmp_path: Path, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving(site) as base:
        good = sha256_file(site / "en_es.argosmodel")
        write_index(site, [entry(base, "en_es", sha256=good), entry(base, "es_en", sha256="ab" * 32)])
        with pytest.raises(SystemExit) as exit_:
            run_install(tmp_path / "data", "--from-index", f"{base}/index.json", "en", "es")
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"checksum mismatch for es_en 1.0: expected {'ab' * 32}" in err and "nothing was installed" in err
    nothing_installed(tmp_path / "data")  # en_es was fine, but it is all or nothing


@pytest.mark.parametrize(
    ("link", "message"), [("gone.argosmodel", "404"), ("truncated/en_es.argosmodel", "cut short at")]
)
def test_a_missing_or_cut_short_download_installs_nothing(
    tmp_path: Path, site: Path, capsys: pytest.CaptureFixture[str], link: str, message: str
) -> None:
    with serving(site) as base:
        write_index(site, [entry(base, "en_es", link=link, sha256=sha256_file(site / "en_es.argosmodel"))])
        with pytest.raises(SystemExit):
            run_install(tmp_path / "data", "--from-index", f"{base}/index.json", "en", "es")
    err = capsys.readouterr().err
    assert "download failed" in err and message in err
    nothing_installed(tmp_path / "data")


def test_checksum_from_the_operator_or_a_sidecar(
    tmp_path: Path, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = sha256_file(site / "en_es.argosmodel")
    with serving(site) as base:
        # The public index has no checksum field.
        write_index(site, [entry(base, "en_es")])
        with pytest.raises(SystemExit):
            run_install(tmp_path / "a", "--from-index", f"{base}/index.json", "en", "es")
        assert "no checksum for en_es 1.0" in capsys.readouterr().err
        nothing_installed(tmp_path / "a")
        with pytest.raises(SystemExit):
            run_install(
                tmp_path / "a",
                "--from-index",
                f"{base}/index.json",
                "--sha256",
                f"en_es={'0' * 64}",
                "en",
                "es",
            )
        assert "checksum mismatch" in capsys.readouterr().err
        nothing_installed(tmp_path / "a")
        run_install(
            tmp_path / "a", "--from-index", f"{base}/index.json", "--sha256", f"en_es={digest}", "en", "es"
        )
        (site / "en_es.argosmodel.sha256").write_text(f"{digest}  en_es.argosmodel\n", encoding="ascii")
        run_install(tmp_path / "b", "--from-index", f"{base}/index.json", "en", "es")
    assert [p.sha256 for p in list_installed(tmp_path / "a" / "models")] == [digest]
    assert [p.sha256 for p in list_installed(tmp_path / "b" / "models")] == [digest]


async def test_a_published_layout_package_installs_and_translates(tmp_path: Path) -> None:
    models = tmp_path / "models"
    archive = published(tmp_path / "translate-en_es-1_0.argosmodel", "en", "es")
    package = install(str(archive), models)
    assert (package.code, package.version, package.tokenizer) == ("en_es", "1.0", "sentencepiece")
    assert (models / "en_es" / "stanza" / "resources.json").is_file()  # kept for argos/LibreTranslate
    assert "pedido mínimo" in await spanish(models)


async def test_a_target_prefix_is_forced_and_dropped(tmp_path: Path) -> None:
    install(str(published(tmp_path / "a.argosmodel", "en", "es")), tmp_path / "plain")
    plain = await spanish(tmp_path / "plain")
    assert plain.startswith("¿")
    # A prefix the model knows ("▁¿" is what it writes first anyway): forced, then dropped.
    install(str(published(tmp_path / "b.argosmodel", "en", "es", target_prefix="▁¿")), tmp_path / "known")
    assert await spanish(tmp_path / "known") == plain.removeprefix("¿").strip()
    # `__es__`, as multilingual packages use, is not in this model's vocabulary: CTranslate2 makes it
    # <unk> and replace_unknowns swaps in a source word, which must not reach the reader.
    install(
        str(published(tmp_path / "c.argosmodel", "en", "es", target_prefix="__es__")), tmp_path / "unknown"
    )
    text = await spanish(tmp_path / "unknown")
    assert "__es__" not in text and not text.startswith("What")


async def test_the_newest_version_of_a_pair_is_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models = tmp_path / "data" / "models"
    install(str(published(tmp_path / "v1.argosmodel", "en", "es", "1.0")), models)
    install(str(published(tmp_path / "v11.argosmodel", "en", "es", "1.1")), models)
    with pytest.raises(PackageError, match=r"en_es 1.1 is installed, newer than 1.0"):
        install(str(published(tmp_path / "v1.argosmodel", "en", "es", "1.0")), models)
    # A folder copied in from an argos install, older and holding a model that writes Chinese: it
    # sorts after `en_es`, so "last one wins" would pick it.
    with zipfile.ZipFile(published(tmp_path / "old.argosmodel", "en", "es", "0.9", model_from="en_zh")) as z:
        z.extractall(models)
    assert sorted((p.path.name, p.version) for p in list_installed(models)) == [
        ("en_es", "1.1"),
        ("translate-en_es-0_9", "0.9"),
    ]
    assert "pedido mínimo" in await spanish(models)
    assert main(["--data-dir", str(tmp_path / "data"), "models", "list"]) == 0
    rows = [line.split()[:3] for line in capsys.readouterr().out.splitlines()[1:]]
    assert sorted(rows) == [["en_es", "0.9", "no"], ["en_es", "1.1", "yes"]]


def test_index_selection_takes_the_newest_per_pair() -> None:
    entries = parse_index(
        json.dumps(
            [entry("http://x", "en_de", v) for v in ("1.0", "1.10", "1.9")] + [entry("http://x", "de_fr")]
        ).encode()
    )
    assert [(e.code, e.version) for e in select(entries, ["en", "de"])] == [("en_de", "1.10")]
    with pytest.raises(PackageError, match="not JSON"):
        parse_index(b"<html>")


BPE_CODES = "#version: 0.2\nt h\nth e</w>\ni s</w>\nM O\nMO Q</w>\nW h\nWh a\nWha t</w>\n"


def test_a_bpe_package_tokenizes_as_argos_does(tmp_path: Path) -> None:
    from argostranslate.tokenizer import BPETokenizer as ArgosBPE

    package = install(
        str(published(tmp_path / "bpe.argosmodel", "en", "es", bpe_codes=BPE_CODES)), tmp_path / "m"
    )
    assert package.tokenizer == "bpe"
    ours = BPETokenizer(package.path / "bpe.model", "en", "es", None)
    theirs = ArgosBPE(package.path / "bpe.model", "en", "es")
    for sentence in (QUESTION, "The MOQ is 500 pcs & the price < $2.", "¿Cuál es el pedido mínimo?"):
        assert ours.encode(sentence) == theirs.encode(sentence)
        assert ours.decode(ours.encode(sentence)) == theirs.decode(theirs.encode(sentence))
    assert "th@@" not in ours.encode("the") and ours.encode("What") == ["What"]
    # The engine picks the BPE tokenizer from the package. This model was trained on SentencePiece
    # pieces, so its output here means nothing: only that the path runs end to end.
    engine = CTranslate2Engine([package])
    try:
        [hypothesis] = engine.translate_batch(("en", "es"), [QUESTION])
        assert isinstance(hypothesis.text, str) and hypothesis.unknown > 0
    finally:
        engine.close()


def test_progress_on_a_terminal_shows_bytes_of_total(tmp_path: Path, site: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    digest = sha256_file(site / "en_es.argosmodel")
    master, slave = pty.openpty()
    with serving(site) as base:
        write_index(site, [entry(base, "en_es", sha256=digest)])
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "server",
                "--data-dir",
                str(tmp_path / "data"),
                "models",
                "install",
                "--from-index",
                f"{base}/index.json",
                "en",
                "es",
            ],
            stdout=subprocess.PIPE,
            stderr=slave,
            timeout=120,
            check=False,
        )
    os.close(slave)
    drawn = b""
    with contextlib.suppress(OSError):  # EIO once the terminal's other end is closed
        while chunk := os.read(master, 65536):
            drawn += chunk
    os.close(master)
    assert done.returncode == 0, drawn
    screen = drawn.decode()
    size = human_size((site / "en_es.argosmodel").stat().st_size)
    assert f"\r  en_es 1.0  {size} of {size}" in screen  # redrawn in place, the last time complete
    assert f"en_es 1.0  {size}, sha256 ok" in screen


def test_several_files_in_one_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = published(tmp_path / "translate-en_es-1_0.argosmodel", "en", "es")
    b = published(tmp_path / "translate-es_en-1_0.argosmodel", "es", "en")
    with pytest.raises(SystemExit):
        run_install(tmp_path / "data", str(a), str(b), "--sha256", sha256_file(a))
    assert "--sha256 HEX takes a single FILE_OR_URL" in capsys.readouterr().err
    nothing_installed(tmp_path / "data")
    run_install(tmp_path / "data", str(a), str(b))
    assert [p.code for p in list_installed(tmp_path / "data" / "models")] == ["en_es", "es_en"]
