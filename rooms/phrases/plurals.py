"""CLDR plural categories of whole numbers, for the languages of the phrase catalogue.

Only the integer rules matter: quick-phrase quantities and day counts are whole numbers. Rules
from CLDR 44 (`plurals.xml`), operand `n` = `i` for integers; `zero` (Arabic 0) never occurs
because every count is at least 1, so it is left out.
"""

from __future__ import annotations

from collections.abc import Callable

Rule = Callable[[int], str]


def _one_other(n: int) -> str:
    return "one" if n == 1 else "other"


def _romance(n: int) -> str:
    # es, pt, fr: "1 000 000 de piezas" -- a multiple of a million takes "de" (CLDR `many`).
    if n == 1:
        return "one"
    if n != 0 and n % 1_000_000 == 0:
        return "many"
    return "other"


def _russian(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return "one"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "few"
    return "many"


def _arabic(n: int) -> str:
    if n == 1:
        return "one"
    if n == 2:
        return "two"
    if 3 <= n % 100 <= 10:
        return "few"
    if 11 <= n % 100 <= 99:
        return "many"
    return "other"


def _invariant(n: int) -> str:
    return "other"


RULES: dict[str, Rule] = {
    "en": _one_other,
    "de": _one_other,
    "es": _romance,
    "pt": _romance,
    "fr": _romance,
    "ru": _russian,
    "ar": _arabic,
    # No plural inflection of nouns after a number (tr has CLDR `one` for verbs, not for units).
    "zh": _invariant,
    "zh-Hant": _invariant,
    "ja": _invariant,
    "ko": _invariant,
    "vi": _invariant,
    "tr": _invariant,
    "id": _invariant,
}

# The categories a whole number of at least 1 can fall into, per language.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "en": ("one", "other"),
    "de": ("one", "other"),
    "es": ("one", "many", "other"),
    "pt": ("one", "many", "other"),
    "fr": ("one", "many", "other"),
    "ru": ("one", "few", "many"),
    "ar": ("one", "two", "few", "many", "other"),
    "zh": ("other",),
    "zh-Hant": ("other",),
    "ja": ("other",),
    "ko": ("other",),
    "vi": ("other",),
    "tr": ("other",),
    "id": ("other",),
}


def category(lang: str, n: int) -> str:
    return RULES.get(lang, _one_other)(n)
