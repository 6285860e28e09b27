"""Lexical coverage: content words of the source whose translation is missing from the output.

A small model that has not seen a phrase tends to drop it and stay fluent ("beech wood" → "木材",
"5% off" → "一个5%"); the score and the round trip often agree with the fluent output. A bilingual
lexicon derived from the hand-written corpus (`translation/build/lexicon.py`) knows, for each
source unit that the corpus translates consistently, the target units that stand for it. A source
unit none of whose alternatives is in the output was probably dropped; the gate counts them
(`Signals.dropped`).

Units are the same at build and at run time, so they live here:

- English and Spanish (and any Latin-script word, in any language): case-folded, accents
  stripped, cut to a prefix of `STEM` characters, so "samples"/"sample" and
  "muestras"/"muestra" are one unit; stop words and words under 3 letters are not units;
- Chinese: runs of Han characters give 2- and 3-grams as source units (the lexicon keeps only the
  ones the corpus translates consistently, so word-crossing n-grams drop out), and 1- to 3-grams
  as target units.

Placeholders (numbers, terms, glossary entries) are not units: their coverage is checked exactly
elsewhere.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from translation.protect import PLACEHOLDER_RE

LEXICON_DIR = Path(__file__).resolve().parent / "bundled" / "lexicon"
STEM = 5
_HAN_LANGS = {"zh"}
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z]+")
_MARKS = re.compile(r"[\u0300-\u036f]")  # combining accents, once decomposed

# Function words carry no fact a reader could miss; negations and quantity words are kept.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        """a an the and or but if so as at by for from in into of on to up with about than then
        this that these those there here it its it's is are was were be been being am do does did
        done have has had having will would shall should can could may might must i me my we us our
        you your he him his she her they them their what which who whom whose when where why how
        all any each some such very too also just only again more most much many own same other
        per via pls please thanks thank hello dear sir madam ok okay yes yeah
        hey let lets get got make made go going want like well now one ones""".split()
    ),
    "es": frozenset(
        """el la los las un una unos unas lo al del de en con por para sin sobre entre hasta desde
        y e o u pero si que como cuando donde quien cual cuales cuanto este esta estos estas ese
        esa esos esas aquel eso esto es son era eran ser sido estar esta estan estamos hay ha han
        he hemos haber tiene tienen tenemos tengo yo tu usted ustedes nosotros nos les le se me te
        mi mis su sus nuestro nuestra nuestros nuestras vuestro muy mas tambien ya solo hola
        gracias favor por bueno vale pues entonces aqui alli ahi todo toda todos todas cada otro
        otra otros otras mismo misma puede pueden podemos puedo hacer hace hacemos""".split()
    ),
}


def fold(word: str) -> str:
    """Case-folded, accents stripped (ñ → n): "Envío" and "envio" are the same unit."""
    folded = word.casefold()
    if folded.isascii():
        return folded
    return _MARKS.sub("", unicodedata.normalize("NFKD", folded))


def _latin_units(text: str, lang: str) -> list[str]:
    stop = STOP_WORDS.get(lang, frozenset())
    return [w[:STEM] for w in _LATIN.findall(fold(text)) if len(w) >= 3 and w not in stop]


def _han_grams(text: str, sizes: Iterable[int]) -> list[str]:
    out: list[str] = []
    for run in _HAN_RUN.findall(text):
        for n in sizes:
            out.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return out


def source_units(text: str, lang: str) -> list[str]:
    """Every candidate source unit (build time: the lexicon keeps the consistent ones)."""
    bare = PLACEHOLDER_RE.sub(" ", text)
    if lang in _HAN_LANGS:
        return _han_grams(bare, (2, 3)) + _latin_units(bare, lang)
    return _latin_units(bare, lang)


def target_units(text: str, lang: str) -> set[str]:
    bare = PLACEHOLDER_RE.sub(" ", text)
    units = set(_latin_units(bare, lang))
    if lang in _HAN_LANGS:
        units.update(_han_grams(bare, (1, 2, 3)))
    return units


@dataclass(frozen=True)
class Lexicon:
    """Per direction, source unit → the target units any of which accounts for it."""

    entries: Mapping[tuple[str, str], Mapping[str, frozenset[str]]] = field(default_factory=dict)

    def pairs(self) -> set[tuple[str, str]]:
        return set(self.entries)

    def found(self, text: str, source: str, target: str) -> list[str]:
        """The source's lexicon units, in order, not overlapping (Chinese: longest match first)."""
        table = self.entries.get((source, target))
        if not table:
            return []
        bare = PLACEHOLDER_RE.sub(" ", text)
        out: list[str] = []
        if source in _HAN_LANGS:
            for run in _HAN_RUN.findall(bare):
                i = 0
                while i < len(run) - 1:
                    size = next((n for n in (3, 2) if i + n <= len(run) and run[i : i + n] in table), 0)
                    if size:
                        out.append(run[i : i + size])
                    i += size or 1
        out.extend(u for u in _latin_units(bare, source) if u in table)
        return out

    def missing(self, text: str, output: str, source: str, target: str) -> list[str]:
        """Source units none of whose translations is in the output."""
        table = self.entries.get((source, target))
        units = self.found(text, source, target)
        if not table or not units:
            return []
        have = target_units(output, target)
        seen: set[str] = set()
        out = []
        for unit in units:
            if unit not in seen and not (table[unit] & have):
                out.append(unit)
            seen.add(unit)
        return out

    def dropped(self, text: str, output: str, source: str, target: str) -> int:
        return len(self.missing(text, output, source, target))

    @classmethod
    def load(cls, directory: Path = LEXICON_DIR) -> Lexicon:
        """Every `<src>_<tgt>.json` in `directory`; an empty lexicon (no signal) when there is none."""
        entries: dict[tuple[str, str], dict[str, frozenset[str]]] = {}
        for path in sorted(directory.glob("*_*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            source, target = path.stem.split("_", 1)
            table = data.get("units") if isinstance(data, dict) else None
            if isinstance(table, dict):
                entries[(source, target)] = {
                    unit: frozenset(alts) for unit, alts in table.items() if isinstance(alts, list) and alts
                }
        return cls(entries)
