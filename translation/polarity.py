"""Negation: an output that says "not" where its source does not, or drops the source's "not".

A small model keeps the numbers and flips the sense. People reading calibration outputs found
"220V single phase is possible with no extra cost" → "…es posible con costo extra", "it does not
shrink after washing" → "洗后缩水" (it shrinks), "y por la noche en WhatsApp" → "and not on
WhatsApp": every number and term kept, so coverage and the lexicon saw nothing wrong.

Each language's explicit negation markers are listed (en, zh, es). A translation has *flipped*
when exactly one of the source and the output has any. Words that hold a marker without negating
are masked first: 不锈钢 (stainless), 非常 (very), 是不是 and other A-not-A questions, 不过 (but),
"No. 5", "not only", "sin embargo" (however), tag questions ("…, isn't it?", "…, ¿no?"). A pair
with a language outside the tables is never judged here. This is a fixed rule, not fitted: it
marks a doubt, and the reader sees the original first.
"""

from __future__ import annotations

import re

from translation.protect import PLACEHOLDER_RE

_EN_NOT = re.compile(
    r"\b(?:not|no|never|none|nothing|nobody|neither|nor|without|cannot|non)\b"
    r"|\b\w+n't\b|\b(?:dont|doesnt|didnt|cant|wont|isnt|arent|wasnt|werent|havent|hasnt|shouldnt|couldnt)\b"
    r"|\b\w+-free\b|\bfree of\b|\binstead of\b|\brather than\b"
)
_EN_MASK = re.compile(
    r"\bno\.?\s*(?=\d|#)"  # "No. 5": a number
    r"|\bnot only\b|\bno matter\b|\bno doubt\b|\bno problem\b|\bno worries\b"
    r"|,\s*\w+n't\s+\w+\s*\?"  # a tag question: "…, isn't it?"
)
_ES_NOT = re.compile(
    r"\b(?:no|nunca|jamás|ni|sin|nada|nadie|ningún|ninguno|ninguna|tampoco)\b|\blibres? de\b"
    r"|\ben (?:vez|lugar) de\b"
)
_ES_MASK = re.compile(
    r"\bno\.?\s*(?=\d|#)|\bsin embargo\b|\bno solo\b|\bno sólo\b|\bno importa\b"
    r"|\bno hay problema\b|\bsin problemas?\b|\bno se preocupe\b|\bno te preocupes\b"
    r"|,?\s*¿?\s*no\s*\?"  # a tag question: "…, ¿no?"
)
_ZH_NOT = re.compile("不|没|未|勿|无|毫无|并非")
_ZH_MASK = re.compile(
    r"(.)[不没]\1"  # A-not-A questions: 是不是, 能不能, 有没有, 可不可(以)
    "|不锈钢|不同|不一样|不过|没问题|别担心|差不多|不少|不错|不好意思|对不起|不客气|不用谢|不断|不久|不仅|不但|不管|要不|不然|"
    "不得不|了不起|忍不住|没关系|未来|无论|无线|无缝|无刷|无人机|无纺布|非常"
)
_TABLES = {"en": (_EN_MASK, _EN_NOT), "es": (_ES_MASK, _ES_NOT), "zh": (_ZH_MASK, _ZH_NOT)}


def negated(text: str, lang: str) -> bool | None:
    """Whether `text` has an explicit negation; None for a language without a table."""
    table = _TABLES.get(lang)
    if table is None:
        return None
    mask, markers = table
    bare = PLACEHOLDER_RE.sub(" # ", text)
    if lang != "zh":
        bare = bare.casefold().replace("’", "'")
    return markers.search(mask.sub(" ", bare)) is not None


def flipped(source: str, output: str, source_lang: str, target_lang: str) -> bool:
    """Whether one of `source` and `output` negates and the other does not."""
    src, out = negated(source, source_lang), negated(output, target_lang)
    return src is not None and out is not None and src != out
