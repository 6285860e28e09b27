"""Split a chat message into single sentences, the unit the models were trained on.

Runs on protected text: numbers, URLs and e-mails are already placeholders, so a full stop inside
65.48 or www.example.com can no longer be mistaken for the end of a sentence. No network
sentence splitter (argos' MiniSBD would try to download one) and no spaCy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ABBREVIATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "approx",
        "no",
        "nr",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "sr",
        "sra",
        "srta",
        "ud",
        "uds",
        "aprox",
        "pág",
        "tel",
        "fig",
        "ref",
        "pcs",
        "qty",
    }
)
# Latin terminators need a space (or the end) after them; CJK ones end a sentence on their own.
_BOUNDARY = re.compile(r"(?:[.!?…]+[\"'”’)\]]*(?=\s|$)|[。！？!?]+[”’」』）)]*)(\s*)")
_LINE_BREAK = re.compile(r"(\s*\n\s*)")


@dataclass(frozen=True, slots=True)
class Segment:
    text: str  # one sentence, stripped
    gap: str  # the whitespace that followed it in the message


def _ends_with_abbreviation(text: str) -> bool:
    word = re.split(r"\s", text.rstrip(".").strip())[-1].lower() if text.strip() else ""
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha() and word.isascii())


_TERMINATORS = ".!?…。！？\n"
_TRAILING = " \t.!?…。！？\"'”’)]」』）"


def split_sentences(text: str) -> list[Segment]:
    body = text.rstrip(_TRAILING)
    if body and not any(ch in _TERMINATORS for ch in body) and "\n" not in text:
        # Most chat messages are one sentence: skip the general scan.
        return [Segment(text.strip(), "")]
    segments: list[Segment] = []
    for line_part in _LINE_BREAK.split(text):
        if not line_part:
            continue
        if _LINE_BREAK.fullmatch(line_part):
            if segments:
                last = segments[-1]
                segments[-1] = Segment(last.text, last.gap + line_part)
            else:
                segments.append(Segment("", line_part))
            continue
        start = 0
        pending = ""
        for match in _BOUNDARY.finditer(line_part):
            end = match.end(0) - len(match.group(1))
            piece = pending + line_part[start:end]
            if (
                match.group(0).startswith(".")
                and _ends_with_abbreviation(piece)
                and match.end(0) < len(line_part)
            ):
                pending = piece + match.group(1)
                start = match.end(0)
                continue
            if piece.strip():
                segments.append(Segment(piece.strip(), match.group(1)))
            pending = ""
            start = match.end(0)
        rest = pending + line_part[start:]
        if rest.strip():
            segments.append(Segment(rest.strip(), ""))
    return segments


def join_sentences(sentences: list[str], segments: list[Segment], target: str) -> str:
    """Reassemble, keeping line breaks; a plain space between sentences except in CJK targets.

    The source's own spacing does not carry over: "你好。谢谢！" has none, its English must.
    """
    space = "" if target in {"zh", "ja"} else " "
    out: list[str] = []
    for i, (sentence, segment) in enumerate(zip(sentences, segments, strict=True)):
        out.append(sentence)
        if "\n" in segment.gap:
            out.append(segment.gap)
        elif i < len(sentences) - 1 and sentence:
            out.append(space)
    return "".join(out)
