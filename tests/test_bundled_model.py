"""The bundled translation packages (translation/bundled/*.argosmodel).

1. Each package, unzipped to a temp dir and loaded with ctranslate2 + sentencepiece directly,
   reaches `MIN_EXACT` exact match on its template held-out set (translation/bundled/heldout/*.tsv;
   a guard against a broken build: the committed models score 0.81-0.93; their free-text quality
   is measured by bench/translate/quality.py), decoding
   greedily as Boothcast's engine does. (argostranslate.translate() itself uses beam 4 with length
   penalty 0.2; that scores ~1-1.5 points lower on zh_en/es_en and is not asserted here.)
2. argostranslate itself installs the packages and translates with no network access: a child
   process with HOME/XDG_*/ARGOS_PACKAGES_DIR pointing at temp dirs and sockets disabled.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from translation.engine import DEFAULT_BEAM

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "translation" / "bundled"
DIRECTIONS = ("en_zh", "zh_en", "en_es", "es_en")
# The template split (sentences like the training templates) guards against a broken build. Stage 5
# moved the models toward free text: on the held-out free text every direction gained (correct
# +0.2 to +5.9 points, bench/RESULTS.md), on this split en_es went 0.890 -> 0.862 and zh_en
# 0.921 -> 0.887. What readers see is the free text, so the floor moved, not the models. Stage 6
# again (its corpus half again as large, all free text): en_es 0.862 -> 0.805 here, while on the
# 1,072 calibration messages every direction but zh->en (-0.2) gained 0.5-2.3 points of "correct".
MIN_EXACT = 0.80


def _unzip(package: Path, dest: Path) -> Path:
    with zipfile.ZipFile(package) as zf:
        tops = {name.split("/", 1)[0] for name in zf.namelist()}
        assert len(tops) == 1, f"{package.name}: expected one top-level folder, got {tops}"
        zf.extractall(dest)
    return dest / tops.pop()


def _read_heldout(direction: str) -> list[tuple[str, str]]:
    lines = (BUNDLED / "heldout" / f"{direction}.tsv").read_text(encoding="utf-8").splitlines()
    pairs = [tuple(line.split("\t")) for line in lines if line]
    assert all(len(p) == 2 for p in pairs)
    return [(p[0], p[1]) for p in pairs]


def exact_match(
    package_dir: Path, pairs: list[tuple[str, str]], beam_size: int
) -> tuple[float, list[tuple[str, str, str]]]:
    import ctranslate2
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(package_dir / "sentencepiece.model"))
    translator = ctranslate2.Translator(str(package_dir / "model"), device="cpu", compute_type="int8")
    tokens = [sp.encode(src, out_type=str) for src, _ in pairs]
    results = translator.translate_batch(
        tokens,
        beam_size=beam_size,
        max_batch_size=64,
        max_decoding_length=256,
        replace_unknowns=True,
    )
    misses: list[tuple[str, str, str]] = []
    hits = 0
    for (src, ref), res in zip(pairs, results, strict=True):
        hyp = sp.decode(res.hypotheses[0])
        if hyp == ref:
            hits += 1
        else:
            misses.append((src, ref, hyp))
    return hits / len(pairs), misses


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_heldout_exact_match(direction: str, tmp_path: Path) -> None:
    package_dir = _unzip(BUNDLED / f"{direction}.argosmodel", tmp_path)
    meta = json.loads((package_dir / "metadata.json").read_text(encoding="utf-8"))
    src, tgt = direction.split("_")
    assert (meta["from_code"], meta["to_code"], meta["package_type"]) == (src, tgt, "translate")
    assert any((package_dir / "minisbd").glob("*.onnx"))
    pairs = _read_heldout(direction)
    assert len(pairs) >= 200
    # The beam Boothcast's engine (translation/engine.py) runs the models with.
    acc, misses = exact_match(package_dir, pairs, DEFAULT_BEAM)
    examples = "\n".join(f"  {s!r}\n    ref {r!r}\n    hyp {h!r}" for s, r, h in misses[:10])
    assert acc >= MIN_EXACT, f"{direction}: exact match {acc:.3f} < {MIN_EXACT}\n{examples}"


def test_exact_match_can_fail(tmp_path: Path) -> None:
    """The metric is not vacuous: wrong references score 0."""
    package_dir = _unzip(BUNDLED / "en_zh.argosmodel", tmp_path)
    pairs = [(src, ref + "X") for src, ref in _read_heldout("en_zh")[:20]]
    acc, _ = exact_match(package_dir, pairs, 1)
    assert acc == 0.0


_OFFLINE_SCRIPT = r"""
import json, socket, sys

def _no_network(*args, **kwargs):
    raise OSError("network disabled in this test")

socket.socket.connect = _no_network
socket.socket.connect_ex = _no_network
socket.create_connection = _no_network
socket.getaddrinfo = _no_network

import argostranslate.package
import argostranslate.settings
import argostranslate.translate

for path in sys.argv[1:]:
    argostranslate.package.install_from_path(path)

cases = [
    ("en", "zh", "Hello! Can you do ⟦0⟧ pieces at ⟦1⟧ ⟦2⟧?"),
    ("zh", "en", "你好！最小起订量是多少？"),
    ("en", "es", "What is the lead time for the LED panel light?"),
    ("es", "en", "¿Tienen la certificación CE?"),
    ("zh", "es", "谢谢！"),
]
out = {f"{s}_{t}": argostranslate.translate.translate(q, s, t) for s, t, q in cases}
out["_packages"] = sorted(str(p) for p in argostranslate.package.get_installed_packages())
out["_data_dir"] = str(argostranslate.settings.data_dir)
print(json.dumps(out, ensure_ascii=False))
"""


def test_argostranslate_offline(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGOS_", "XDG_"))}
    home = tmp_path / "home"
    for d in ("home", "data", "config", "cache", "packages"):
        (tmp_path / d).mkdir()
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        ARGOS_PACKAGES_DIR=str(tmp_path / "packages"),
        ARGOS_DEVICE_TYPE="cpu",
    )
    packages = [str(BUNDLED / f"{d}.argosmodel") for d in DIRECTIONS]
    proc = subprocess.run(
        [sys.executable, "-c", _OFFLINE_SCRIPT, *packages],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    for key in ("en_zh", "zh_en", "en_es", "es_en", "zh_es"):
        assert isinstance(out[key], str) and out[key].strip(), (key, out)
    assert len(out["_packages"]) == 4
    # Nothing was downloaded: no MiniSBD model cache, no package index.
    downloaded = [p for p in tmp_path.rglob("*") if p.suffix in (".onnx", ".argosmodel") or p.name == "index.json"]
    downloaded = [p for p in downloaded if "packages" not in p.relative_to(tmp_path).parts[:1]]
    assert downloaded == [], downloaded
