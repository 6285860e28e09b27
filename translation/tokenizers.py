"""The two tokenizers published Argos packages use, applied exactly as argos-translate applies them.

`sentencepiece.model` (most packages, and ours) or, in older OPUS-MT based ones, `bpe.model`:
subword-nmt codes over Moses-tokenized text, `@@ ` marking a word that continues. The BPE path
reuses argos' own `apply_bpe` and the same sacremoses calls, so a package tokenizes here the way
it was trained and the way argos would run it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

from translation.packages import InstalledPackage


class Tokenizer(Protocol):
    def encode(self, sentence: str) -> list[str]: ...

    def decode(self, pieces: list[str]) -> str: ...

    def unknown(self, pieces: list[str]) -> int:
        """How many pieces the model's vocabulary does not have."""
        ...


class SentencePieceTokenizer:
    def __init__(self, model_file: Path) -> None:
        import sentencepiece

        self._sp = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
        self._unk = self._sp.unk_id()

    def encode(self, sentence: str) -> list[str]:
        return list(self._sp.encode(sentence, out_type=str))

    def decode(self, pieces: list[str]) -> str:
        return str(self._sp.decode(pieces)).strip()

    def unknown(self, pieces: list[str]) -> int:
        return sum(1 for piece in pieces if self._sp.piece_to_id(piece) == self._unk)


def source_vocabulary(model_dir: Path) -> set[str] | None:
    """The model's source tokens (CTranslate2 writes JSON since 3.0, plain text before)."""
    for name in ("shared_vocabulary", "source_vocabulary"):
        if (model_dir / f"{name}.json").is_file():
            return set(json.loads((model_dir / f"{name}.json").read_text(encoding="utf-8")))
        if (model_dir / f"{name}.txt").is_file():
            return set((model_dir / f"{name}.txt").read_text(encoding="utf-8").splitlines())
    return None


class BPETokenizer:
    def __init__(self, codes_file: Path, from_code: str, to_code: str, vocabulary: set[str] | None) -> None:
        from argostranslate.apply_bpe import BPE  # pure Python; importing it touches no argos settings
        from sacremoses.normalize import MosesPunctNormalizer
        from sacremoses.tokenize import MosesDetokenizer, MosesTokenizer

        self._normalizer = MosesPunctNormalizer(from_code)
        self._tokenizer = MosesTokenizer(from_code)
        self._detokenizer = MosesDetokenizer(to_code)
        with codes_file.open(encoding="utf-8") as codes:
            self._bpe: Any = BPE(codes)
        self._vocabulary = vocabulary

    def encode(self, sentence: str) -> list[str]:
        tokenized = " ".join(self._tokenizer.tokenize(self._normalizer.normalize(sentence)))
        return list(self._bpe.segment_tokens(tokenized.strip("\r\n ").split(" ")))

    def decode(self, pieces: list[str]) -> str:
        return str(self._detokenizer.detokenize(" ".join(pieces).replace("@@ ", "").split(" "))).strip()

    def unknown(self, pieces: list[str]) -> int:
        if self._vocabulary is None:
            return 0
        return sum(1 for piece in pieces if piece not in self._vocabulary)


def open_tokenizer(package: InstalledPackage) -> Tokenizer:
    if package.tokenizer == "bpe":
        vocabulary = source_vocabulary(package.path / "model")
        return BPETokenizer(package.path / "bpe.model", package.from_code, package.to_code, vocabulary)
    if package.tokenizer == "sentencepiece":
        return SentencePieceTokenizer(package.path / "sentencepiece.model")
    raise FileNotFoundError(f"{package.path} has neither sentencepiece.model nor bpe.model")
