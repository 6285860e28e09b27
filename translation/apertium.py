"""Apertium, a rule-based engine from Debian (`apertium-eng-spa`), run as separate programs.

Apertium is GPL, so it is never linked or imported: each pair is one long-lived pipeline of
Apertium's own programs, built from the pair's mode file with every stage in null-flush mode
(`-z`), so one pipeline answers request after request without re-loading its dictionaries (a
fresh `apertium eng-spa` costs ~0.7 s to start; a flushed request a few milliseconds).

What it gives the confidence gate: no probabilities, but it marks every word it does not know
(`*word`), could not generate (`#word`) or could not transfer (`@word`); those marks count as
unknown pieces, and the round trip through the reverse pipeline does the rest.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

from translation.engine import Hypothesis, Pair

log = logging.getLogger(__name__)

MODES_DIR = Path("/usr/share/apertium/modes")
# Our language codes → Apertium's mode names.
MODES: dict[Pair, str] = {("en", "es"): "eng-spa", ("es", "en"): "spa-eng"}
# Apertium programs that take `-z` (null flush). Every stage of a mode file is one of these.
_FLUSHABLE = (
    "lt-proc", "apertium-tagger", "apertium-pretransfer", "apertium-transfer", "lrx-proc",
    "apertium-interchunk", "apertium-postchunk", "cg-proc", "apertium-posttransfer",
)  # fmt: skip
# Characters Apertium's stream format reserves; `apertium-destxt` escapes the same set.
_RESERVED = re.compile(r"([\\\[\]^$/@<>{}])")
# The rules put a space before a final stop now and then ("días ."); a reader never wants one.
_SPACE_BEFORE_STOP = re.compile(r" ([.,;:!?])(?=\s|$)")
_CHUNK_BYTES = 16_384  # requests written before reading answers: far below any pipe buffer


class ApertiumUnavailable(RuntimeError):
    pass


def available_pairs(modes_dir: Path = MODES_DIR) -> set[Pair]:
    """The pairs whose mode file is installed, when the Apertium programs are on PATH."""
    if shutil.which("lt-proc") is None:
        return set()
    return {pair for pair, mode in MODES.items() if (modes_dir / f"{mode}.mode").is_file()}


def pipeline_command(mode_file: Path) -> str:
    """The mode's pipeline with every stage flushing on NUL, for `sh -c`."""
    text = mode_file.read_text(encoding="utf-8").strip()
    stages = []
    for stage in text.split("|"):
        words = shlex.split(stage.replace("$1", "-g").replace("$2", ""))
        if not words or words[0] not in _FLUSHABLE:
            raise ApertiumUnavailable(f"{mode_file.name}: unexpected stage {stage.strip()!r}")
        stages.append(shlex.join([words[0], "-z", *words[1:]]))
    return " | ".join(stages)


def deformat(sentence: str) -> bytes:
    """Plain text → one Apertium stream request (what `apertium-destxt` would write), NUL-ended."""
    flat = " ".join(sentence.split())
    return (_RESERVED.sub(r"\\\1", flat) + "[][\n]").encode("utf-8") + b"\0"


def reformat(stream: str) -> tuple[str, int]:
    """An answer → (plain text, number of words Apertium marked as unknown or failed)."""
    out: list[str] = []
    marks = 0
    i, n = 0, len(stream)
    while i < n:
        c = stream[i]
        if c == "\\" and i + 1 < n:  # an escaped character stands for itself
            out.append(stream[i + 1])
            i += 2
        elif c == "[":  # a superblank: formatting (our line end) carried through untouched
            end = i + 1
            while end < n and stream[end] != "]":
                end += 2 if stream[end] == "\\" else 1
            out.append(re.sub(r"\\(.)", r"\1", stream[i + 1 : end]))
            i = end + 1
        elif c in "*#@" and i + 1 < n and stream[i + 1].isalnum() and (i == 0 or not stream[i - 1].isalnum()):
            marks += 1  # `*word`: unknown; `#word`: not generated; `@word`: not transferred
            i += 1
        else:
            out.append(c)
            i += 1
    text = _SPACE_BEFORE_STOP.sub(r"\1", " ".join("".join(out).split()))
    return text, marks


class _Pipeline:
    """One pair's running pipeline; requests are serialised (one reader, one writer)."""

    def __init__(self, mode_file: Path) -> None:
        self.command = pipeline_command(mode_file)
        self.lock = threading.Lock()
        self.proc: subprocess.Popen[bytes] | None = None

    def _ensure(self) -> subprocess.Popen[bytes]:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                ["sh", "-c", self.command],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # one signal stops every stage
            )
        return self.proc

    def translate(self, sentences: Sequence[str]) -> list[tuple[str, int]]:
        with self.lock:
            try:
                return self._translate(sentences)
            except (OSError, EOFError) as e:
                # A dead stage: restart on the next call; this batch falls back to the original.
                self.stop()
                raise ApertiumUnavailable(f"apertium pipeline failed: {e}") from e

    def _translate(self, sentences: Sequence[str]) -> list[tuple[str, int]]:
        proc = self._ensure()
        assert proc.stdin is not None and proc.stdout is not None
        out: list[tuple[str, int]] = []
        buffer = b""
        i = 0
        while i < len(sentences):
            chunk: list[bytes] = []
            size = 0
            while i < len(sentences) and (not chunk or size < _CHUNK_BYTES):
                request = deformat(sentences[i])
                chunk.append(request)
                size += len(request)
                i += 1
            proc.stdin.write(b"".join(chunk))
            proc.stdin.flush()
            answers: list[bytes] = []
            while len(answers) < len(chunk):
                while b"\0" not in buffer:
                    data = os.read(proc.stdout.fileno(), 65536)  # what is there, without waiting for more
                    if not data:
                        raise EOFError("apertium closed its output")
                    buffer += data
                answer, buffer = buffer.split(b"\0", 1)
                answers.append(answer)
            out.extend(reformat(a.decode("utf-8", "replace")) for a in answers)
        return out

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=2)
        if proc.stdout is not None:
            proc.stdout.close()


class ApertiumEngine:
    """A `BatchEngine` over the installed Apertium pairs (see `MODES`)."""

    def __init__(self, pairs: set[Pair] | None = None, modes_dir: Path = MODES_DIR) -> None:
        wanted = available_pairs(modes_dir) if pairs is None else pairs & available_pairs(modes_dir)
        self._pipelines = {pair: _Pipeline(modes_dir / f"{MODES[pair]}.mode") for pair in wanted}

    def pairs(self) -> set[Pair]:
        return set(self._pipelines)

    def translate_batch(self, pair: Pair, sentences: Sequence[str]) -> list[Hypothesis]:
        pipeline = self._pipelines.get(pair)
        if pipeline is None:
            raise KeyError(f"no apertium pair for {pair[0]}→{pair[1]}")
        if not sentences:
            return []
        return [Hypothesis(text, 0.0, marks, 0.0, scored=False) for text, marks in pipeline.translate(sentences)]

    def close(self) -> None:
        for pipeline in self._pipelines.values():
            pipeline.stop()
