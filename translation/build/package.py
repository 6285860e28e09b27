"""Write Argos Translate packages (``.argosmodel``) for the trained directions.

A package is a zip whose single top-level folder holds ``metadata.json``, ``model/`` (the
CTranslate2 int8 model), ``sentencepiece.model``, ``README.md`` and ``minisbd/sbd.onnx``.

The ``minisbd/`` model is a tiny *rule-based* ONNX graph in the format the ``minisbd`` package
loads (inputs ``units`` int64 [B,T] and ``features`` float32 [B,T,F]; output logits [B,T,5]; the
vocabulary/config travel in the model's metadata). Because argostranslate finds an ``.onnx`` file in
``<package>/minisbd/`` it never downloads a MiniSBD model. Rule: a sentence ends after ``. ! ? …``
when followed by whitespace or the end of the text, and after ``。 ！ ？ ；`` always.

The zip is written with fixed timestamps and sorted entries so rebuilding gives identical bytes
for identical inputs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np

NAMES = {"en": "English", "zh": "Chinese", "es": "Spanish"}
PACKAGE_VERSION = "1.0"
ARGOS_VERSION = "1.9"

WESTERN_TERMINATORS = [".", "!", "?", "…"]
CJK_TERMINATORS = ["。", "！", "？", "；"]
SPACE = " "


def build_sbd_onnx(path: Path, lang: str) -> None:
    """Build the rule-based sentence splitter in MiniSBD's ONNX format."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    id2unit = ["<PAD>", "<UNK>", SPACE, *WESTERN_TERMINATORS, *CJK_TERMINATORS]
    unit2id = {u: i for i, u in enumerate(id2unit)}
    n = len(id2unit)
    west = np.zeros(n, dtype=np.float32)
    cjk = np.zeros(n, dtype=np.float32)
    blank = np.zeros(n, dtype=np.float32)
    for u in WESTERN_TERMINATORS:
        west[unit2id[u]] = 1.0
    for u in CJK_TERMINATORS:
        cjk[unit2id[u]] = 1.0
    blank[unit2id["<PAD>"]] = 1.0
    blank[unit2id[SPACE]] = 1.0
    # logits = s * W + b where s = 1 at a sentence end: class 2 (sentence end) wins, else class 0.
    w = np.array([0.0, 0.0, 1.0, 0.0, 0.0], dtype=np.float32)
    b = np.array([0.5, 0.0, 0.0, -1.0, -1.0], dtype=np.float32)
    inits = [
        numpy_helper.from_array(west, "west"),
        numpy_helper.from_array(cjk, "cjk"),
        numpy_helper.from_array(blank, "blank"),
        numpy_helper.from_array(w, "w"),
        numpy_helper.from_array(b, "b"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "one"),
        numpy_helper.from_array(np.array([0], dtype=np.int64), "zero"),
        numpy_helper.from_array(np.array([2**62], dtype=np.int64), "big"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "axis2"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "fzero"),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "fone"),
    ]
    nodes = [
        helper.make_node("Gather", ["west", "units"], ["is_west"]),
        helper.make_node("Gather", ["cjk", "units"], ["is_cjk"]),
        helper.make_node("Gather", ["blank", "units"], ["is_blank"]),
        # next_blank[:, t] = is_blank[:, t + 1], and 1 after the last position
        helper.make_node("Slice", ["is_blank", "one", "big", "one"], ["shifted"]),
        helper.make_node("Slice", ["is_blank", "zero", "one", "one"], ["first_col"]),
        helper.make_node("Mul", ["first_col", "fzero"], ["zcol"]),
        helper.make_node("Add", ["zcol", "fone"], ["ones_col"]),
        helper.make_node("Concat", ["shifted", "ones_col"], ["next_blank"], axis=1),
        helper.make_node("Mul", ["is_west", "next_blank"], ["west_end"]),
        helper.make_node("Add", ["west_end", "is_cjk"], ["s"]),
        helper.make_node("Unsqueeze", ["s", "axis2"], ["s3"]),
        helper.make_node("Mul", ["s3", "w"], ["sw"]),
        helper.make_node("Add", ["sw", "b"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        "rule_sbd",
        [
            helper.make_tensor_value_info("units", TensorProto.INT64, ["batch", "time"]),
            helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", "time", "feats"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "time", 5])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="boothcast")
    model.ir_version = 8
    vocab_state = {"lang": lang, "idx": 0, "cutoff": 0, "lower": False, "_unit2id": unit2id, "_id2unit": id2unit}
    config = {"feat_funcs": [], "max_seqlen": 1000, "skip_newline": False, "no_ssplit": False,
              "batch_size": 1, "use_dictionary": False, "num_dict_feat": 0}
    helper.set_model_props(model, {
        "lang_code": lang,
        "config": json.dumps(config),
        "vocab": json.dumps(vocab_state, ensure_ascii=False),
        "lexicon": "null",
        "description": "Boothcast rule-based sentence splitter (no learned weights)",
    })
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(model.SerializeToString())


def _readme(src: str, tgt: str, report: dict[str, object]) -> str:
    return (
        f"# Boothcast bundled model {NAMES[src]} → {NAMES[tgt]}\n\n"
        "A small Transformer trained only on Boothcast's own trade-fair chat corpus "
        "(translation/build/ in the Boothcast repository): hand-written live-room and inquiry chat "
        "plus templates over the demo fair's products. It is a narrow-domain model: it knows "
        "buyer/supplier chat and translates general text badly. Boothcast's confidence gate marks "
        "its doubtful translations uncertain.\n\n"
        "Protected spans are expected as placeholders ⟦0⟧..⟦15⟧ numbered in source order; "
        "they are copied to the output.\n\n"
        f"Free-text dev chrF: {report.get('dev_chrf')}; template held-out exact match "
        f"(CTranslate2 int8, beam 4): {report.get('ct2_int8_beam4_test_exact')}\n"
    )


def write_package(src: str, tgt: str, model_dir: Path, spm_model: Path, out_file: Path,
                  staging: Path, report: dict[str, object]) -> None:
    name = f"translate-{src}_{tgt}-{PACKAGE_VERSION.replace('.', '_')}"
    root = staging / name
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copytree(model_dir, root / "model")
    shutil.copy(spm_model, root / "sentencepiece.model")
    build_sbd_onnx(root / "minisbd" / "sbd.onnx", src)
    metadata = {
        "package_version": PACKAGE_VERSION,
        "argos_version": ARGOS_VERSION,
        "from_code": src,
        "from_name": NAMES[src],
        "to_code": tgt,
        "to_name": NAMES[tgt],
        "package_type": "translate",
        "type": "translate",
        "code": f"{src}_{tgt}",
        "links": [],
        "dependencies": [],
        "languages": [],
    }
    (root / "metadata.json").write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (root / "README.md").write_text(_readme(src, tgt, report), encoding="utf-8")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_file.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(str(path.relative_to(staging)), date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes(), compresslevel=9)
    tmp.replace(out_file)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=Path, required=True, help="dir with <src>_<tgt>/model and report.json")
    ap.add_argument("--spm", type=Path, required=True)
    ap.add_argument("--data", type=Path, required=True, help="corpus dir (for the held-out test sets)")
    ap.add_argument("--out", type=Path, required=True, help="translation/bundled")
    ap.add_argument("--staging", type=Path, required=True)
    ap.add_argument("--directions", default="en_zh,zh_en,en_es,es_en")
    args = ap.parse_args(argv)
    (args.out / "heldout").mkdir(parents=True, exist_ok=True)
    for d in args.directions.split(","):
        src, tgt = d.split("_")
        report_path = args.models / d / "report.json"
        report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else {}
        out_file = args.out / f"{d}.argosmodel"
        write_package(src, tgt, args.models / d / "model", args.spm, out_file, args.staging, report)
        shutil.copy(args.data / f"{d}.test.tsv", args.out / "heldout" / f"{d}.tsv")
        print(f"{out_file}: {out_file.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
