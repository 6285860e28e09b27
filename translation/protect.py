"""Protect trade terms from the model, and put them back afterwards.

Numbers, prices, units, codes, e-mails, URLs, phone numbers, Incoterms, certifications (CE, RoHS,
ISO 9001…), payment terms (T/T, L/C, PayPal…), shipping terms (LCL, B/L, AWB…) and a booth's
glossary terms are replaced by placeholders `⟦0⟧`, `⟦1⟧`, ... (numbered in order of appearance)
before translation. The bundled models were trained on exactly this form (the corpus goes through
this very function), each placeholder being a single SentencePiece token, so the model moves them
to the right place in the target sentence instead of "translating" 6.80 into 6,80, FOB into 离岸价
or CE into "this".

A span usually comes back as it was; a glossary span carries a fixed rendering per target
language ("明途" for zh, "Brightway" elsewhere).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from translation.numbers import localize

if TYPE_CHECKING:
    from translation.glossary import Glossary

OPEN, CLOSE = "⟦", "⟧"
# The models know ⟦0⟧ … ⟦15⟧ only; spans beyond that stay inline as plain text.
MAX_PLACEHOLDERS = 16

_CURRENCY_CODES = r"USD|EUR|RMB|CNY|GBP|JPY|HKD|AUD|CAD|CHF|SGD|INR|KRW|MXN|BRL|RUB|AED|TWD"
_CURRENCY_SYMBOL = r"US\$|HK\$|NT\$|A\$|C\$|S\$|R\$|\$|€|£|¥|￥|₩|₹|₽"
# Longest first where one unit starts another ("gsm" before "g", "kWh" before "kW", "m²" before
# "m": "300 m²" was kept as "300 m" and a loose "²"). Fabric and
# paper weights ("180 gsm") are written so in every language of the trade: a model that turned
# them into "180克" (plain grams) changed the fact.
_UNITS = (
    r"gsm|GSM|g/m²|g/m2|m²|m³|m2|m3|cm²|cm2|mm|cm|km|mg|kg|mAh|ml|m|g|lbs?|oz|ft|cbm|CBM|kWh|kW|Wh|W|V|Ah"
    r"|Hz|kHz|GHz|°C|℃|HQ|GP|lm|dB|rpm|psi|MPa|Nm|dpi|GB|TB|MB"
)  # not "bar": "2 bar stools" are furniture
_INCOTERMS = r"EXW|FCA|FAS|FOB|CFR|CIF|CPT|CIP|DAP|DPU|DDP|DDU|DAT|CNF|C&F"
# Words a trade chat must never translate, matched case-sensitively as whole ASCII words ("CE",
# never the Spanish "ce"; "REACH", never "reach"). Standards with a number ("ISO 9001", "EN 71",
# "IEC 60598") are one span; codes with a digit (IP65, 3000K, 40HQ) are caught as tokens below.
_STANDARDS = r"(?:ISO|IEC|EN|ASTM|GB|UL|BS|DIN|ANSI|JIS|AS/NZS) ?[A-Z]?\d+(?:[-.:/]\d+)*"
_CERTIFICATIONS = (
    r"CE|RoHS|ROHS|FCC|UL|cUL|ETL|FDA|REACH|GS|SAA|BSCI|SGS|TÜV|TUV|CCC|PSE|KC|CB|EMC|LVD|ErP|ERP"
    r"|BIS|SASO|UKCA|CPSIA|LFGB|FSC|OEKO-TEX|GOTS|GRS|SEDEX|WRAP|HACCP|GMP|BRC|Intertek|CQC|NOM|INMETRO"
    r"|DLC|ENEC|VDE|KEMA|IECEE|EAC|RCM|C-Tick|MSDS|UN38\.3"
)
_PAYMENT_TERMS = (
    r"T/T|TT|L/C|LC|D/P|D/A|O/A|PayPal|Paypal|Western Union|MoneyGram|Alipay|WeChat Pay|Payoneer"
    r"|Trade Assurance"
)
_SHIPPING_TERMS = r"LCL|FCL|B/L|BL|AWB|DHL|FedEx|UPS|TNT|EMS"

# A run of ASCII letters/digits joined by connectors that occur inside codes, dates and numbers
# (BW-P6060, 8539.50.00, 2026-11-21, 1.000,50, 10:30, 20x30cm). A connector only counts when an
# ASCII letter or digit follows it, so the full stop ending "costs 6.80." stays outside.
# "-year", "-layer", "-day" after a number are English words ("a 5-year warranty" is "5年质保"),
# not part of a code: a hyphen followed by a lower-case word does not continue the token.
_WORD_TAIL = r"[A-Za-z0-9]*(?:(?!-[a-z]+(?![A-Za-z0-9]))[-_/.,:][A-Za-z0-9]+)*"
# After a unit or a code: no letter of any Latin language ("40 máquinas" is not "40 m").
_NO_LETTER_AFTER = r"(?![A-Za-z0-9À-ɏ])"
_NUMBER = r"\d+(?:[.,]\d+)*"
_NO_ALNUM_BEFORE = r"(?<![A-Za-z0-9])"
_NO_ALNUM_AFTER = r"(?![A-Za-z0-9])"

_PATTERNS: list[tuple[str, str]] = [
    # User text that already looks like a placeholder must not be confused with ours.
    ("literal", r"⟦[^⟦⟧\s]{0,8}⟧|[⟦⟧]"),
    ("url", r"(?:https?://|www\.)[^\s<>\"'，。！？、；：（）「」]+(?<![.,;:!?)\]'\"])"),
    ("email", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
    # International numbers: digit groups after +CC separated by single spaces or hyphens.
    ("phone", r"\+\d{1,3}(?:[ -]?\(?\d{1,5}\)?){1,5}" + _NO_ALNUM_AFTER + r"(?![.,]\d)"),
    ("standard", rf"{_NO_ALNUM_BEFORE}{_STANDARDS}{_NO_ALNUM_AFTER}"),
    (
        "price",
        rf"(?:(?:{_CURRENCY_SYMBOL})|{_NO_ALNUM_BEFORE}(?:{_CURRENCY_CODES}))"
        rf" ?{_NUMBER}(?:[kKmM]{_NO_ALNUM_AFTER})?{_NO_ALNUM_AFTER}",
    ),
    (
        "token",
        # Any ASCII word containing a digit: numbers, decimals, dates, HS codes, SKUs, attached
        # units (500pcs, 40HQ, 3m); with a percent sign, a currency symbol or a unit of measure
        # ("20 kg", "60x60 cm": one span, as in training). A trailing currency code is a span of
        # its own ("6.80 USD" → "⟦0⟧ ⟦1⟧"), again as the models were trained.
        rf"{_NO_ALNUM_BEFORE}(?:[A-Za-z0-9]+[-_/.,:](?=[A-Za-z0-9]))*[A-Za-z]*\d{_WORD_TAIL}"
        # The symbol is a suffix only when no amount follows it ("30W $3.90" is two spans).
        rf"(?: ?%| ?(?:{_CURRENCY_SYMBOL})(?! ?\d)| (?:{_UNITS}){_NO_LETTER_AFTER})?",
    ),
    ("incoterm", rf"{_NO_ALNUM_BEFORE}(?:{_INCOTERMS}){_NO_ALNUM_AFTER}"),
    (
        "term",
        rf"{_NO_ALNUM_BEFORE}(?:{_CERTIFICATIONS}|{_PAYMENT_TERMS}|{_SHIPPING_TERMS}){_NO_ALNUM_AFTER}",
    ),
    ("currency", rf"{_NO_ALNUM_BEFORE}(?:{_CURRENCY_CODES}){_NO_ALNUM_AFTER}|US\$|HK\$"),
]
_SCANNER = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _PATTERNS))
_FINAL_PUNCTUATION = re.compile(r"[.!?…。！？]+[\"'”’」』）)]*$")
# Models sometimes emit "⟦ 3 ⟧"; accept that spelling when restoring.
PLACEHOLDER_RE = re.compile(r"⟦\s*(\d{1,3})\s*⟧")


def _defuse(text: str) -> str:
    # A user-typed "⟦3⟧" left inline (past the placeholder limit) must not read as ours.
    return text.replace(OPEN, "〚").replace(CLOSE, "〛")


def placeholder(index: int) -> str:
    return f"{OPEN}{index}{CLOSE}"


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    kind: str
    # A glossary term's fixed text per target language; other spans come back as they were.
    renderings: tuple[tuple[str, str], ...] = ()

    def text_for(self, target: str) -> str:
        for lang, text in self.renderings:
            if lang == target:
                return text
        return self.text


@dataclass(frozen=True, slots=True)
class Protected:
    text: str  # with placeholders
    spans: tuple[Span, ...]  # spans[i] is what ⟦i⟧ stands for


@dataclass(slots=True)
class RestoreReport:
    missing: list[int] = field(default_factory=list)
    duplicated: list[int] = field(default_factory=list)
    invented: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.duplicated or self.invented)


def find_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every protected span, in order."""
    return [(m.start(), m.end(), m.lastgroup or "token") for m in _SCANNER.finditer(text)]


def _glossary_spans(
    text: str, glossary: Glossary | None, source: str, targets: tuple[str, ...]
) -> list[tuple[int, int, Span]]:
    if glossary is None:
        return []
    out = []
    for m in glossary.find(text, source):
        renderings = tuple((lang, m.term.rendering(lang)) for lang in targets)
        out.append((m.start, m.end, Span(text[m.start : m.end], "glossary", renderings)))
    return out


def protect(
    text: str,
    limit: int = MAX_PLACEHOLDERS,
    *,
    glossary: Glossary | None = None,
    source: str = "",
    targets: tuple[str, ...] = (),
) -> Protected:
    """`glossary` terms (found in `source` language forms) win over the built-in patterns."""
    found = _glossary_spans(text, glossary, source, targets)
    taken = [(s, e) for s, e, _ in found]
    for start, end, kind in find_spans(text):
        if not any(start < e and s < end for s, e in taken):
            found.append((start, end, Span(text[start:end], kind)))
    found.sort(key=lambda item: item[0])
    if source and targets:
        found = [(start, end, _with_numbers(span, source, targets)) for start, end, span in found]
    parts: list[str] = []
    spans: list[Span] = []
    last = 0
    for start, end, span in found:
        parts.append(text[last:start])
        if len(spans) < limit:
            parts.append(placeholder(len(spans)))
            spans.append(span)
        else:
            parts.append(_defuse(span.text_for(targets[0]) if len(targets) == 1 else span.text))
        last = end
    parts.append(text[last:])
    return Protected("".join(parts), tuple(spans))


def _with_numbers(span: Span, source: str, targets: tuple[str, ...]) -> Span:
    """A number span with its reading for each target whose convention differs (numbers.py)."""
    if span.kind not in ("token", "price"):
        return span
    renderings = tuple((t, r) for t in targets if (r := localize(span.text, source, t)) != span.text)
    return Span(span.text, span.kind, renderings) if renderings else span


def _joiner(target: str, before: str) -> str:
    if not before.strip():
        return ""
    # No spaces in Chinese prose, but "6.80 FOB" still needs one between two ASCII terms.
    return "" if target in {"zh", "ja", "th"} and not before[-1].isascii() else " "


def restore(
    translated: str, spans: tuple[Span, ...] | list[Span], target: str = "en"
) -> tuple[str, RestoreReport]:
    """Put the spans back; repair deterministically when the model lost, repeated or invented one.

    Repairs: a repeated placeholder keeps its first occurrence, an unknown one is dropped, and a
    missing span is appended at the end, in source order, so no number is ever lost.
    """
    report = RestoreReport()
    seen: set[int] = set()

    def substitute(match: re.Match[str]) -> str:
        index = int(match.group(1))
        if index >= len(spans):
            report.invented.append(match.group(0))
            return ""
        if index in seen:
            report.duplicated.append(index)
            return ""
        seen.add(index)
        return spans[index].text_for(target)

    out = PLACEHOLDER_RE.sub(substitute, translated)
    report.missing = [i for i in range(len(spans)) if i not in seen]
    if report.invented or report.duplicated:
        out = re.sub(r"[ \t]{2,}", " ", out).strip()
    if report.missing:
        tail = " ".join(spans[i].text_for(target) for i in report.missing)
        # Before the sentence's final punctuation: "价格是FOB 6.80 USD。", not "价格是FOB 6.80。USD".
        body, end = _split_final_punctuation(out.rstrip())
        out = f"{body}{_joiner(target, body)}{tail}{end}"
    return out, report


def _split_final_punctuation(text: str) -> tuple[str, str]:
    match = _FINAL_PUNCTUATION.search(text)
    return (text[: match.start()], match.group(0)) if match else (text, "")


def renumber(
    text: str, spans: tuple[Span, ...], limit: int = MAX_PLACEHOLDERS
) -> tuple[str, tuple[Span, ...]]:
    """Number one sentence's placeholders from ⟦0⟧, as the models saw them in training.

    Spans past `limit` go back inline: the models have no token for ⟦16⟧.
    """
    local: list[Span] = []

    def substitute(match: re.Match[str]) -> str:
        span = spans[int(match.group(1))]
        if len(local) >= limit:
            return _defuse(span.text)
        local.append(span)
        return placeholder(len(local) - 1)

    return PLACEHOLDER_RE.sub(substitute, text), tuple(local)


def has_words(text: str) -> bool:
    """Whether anything is left for a model to translate once placeholders are taken out."""
    return any(ch.isalpha() for ch in PLACEHOLDER_RE.sub("", text))
