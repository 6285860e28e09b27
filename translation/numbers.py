"""Numbers written the way the reader's language writes them.

Protected numbers come back exactly as typed, which is right for codes and wrong for amounts:
"2.000 unidades" is two thousand to a Spanish buyer and two to an English one, "5,000 pcs" five
thousand to an English buyer and five to a Spanish one, "2,95 USD" a price in Madrid and an odd
string in Shenzhen. A wrong quantity or price is the mistake a reader must never get from a
translation, so a number whose meaning in the writer's language is clear is rewritten in the
reader's convention:

- decimal comma languages (es): `1.234,56`, thousands with a dot;
- decimal point languages (en, zh): `1,234.56`, thousands with a comma.

Spanish readers get no thousands separator at all ("5000", "12000"): in Spain and most of Latin
America a dot groups thousands, in Mexico and Central America a comma does, so either one
misleads somebody, and no separator misleads nobody. Their decimals keep the point ("3.20"):
Mexico writes it so, and nowhere can a point before one or two digits group thousands.

Only what is unambiguous in the writer's convention is rewritten; the rest comes back as typed:
- from Spanish, `5.000` and `1.200.000` (thousands), `2,95` and `1.234,56` (decimals), but not
  `1,500` (a thousand and a half in Mexico, one and a half in Spain);
- from English or Chinese, the thousands of `5,000` and `1,234.56`, but not `1,234.567` (three
  decimals after a point read as thousands in Spain).
Codes that contain such runs (HS `8539.50.00`, dates, model names) do not match: a number here
is a whole run of digits and separators with nothing but separators inside.
"""

from __future__ import annotations

import re

_DECIMAL_COMMA = frozenset({"es", "pt", "fr", "de", "it", "nl", "ru", "tr", "id", "vi"})
_DECIMAL_POINT = frozenset({"en", "zh", "ja", "ko", "th", "ms", "hi"})
# A run of digits and single separators, not inside a code (no letter, digit or separator right
# before it, no digit or separator-and-digit right after it); a unit may follow ("1.500kg").
_RUN = re.compile(r"(?<![0-9A-Za-z.,])\d+(?:[.,]\d+)*(?![0-9]|[.,]\d)")


def _convention(lang: str) -> str | None:
    base = lang.split("-")[0].split("_")[0].lower()
    if base in _DECIMAL_COMMA:
        return "comma"
    if base in _DECIMAL_POINT:
        return "point"
    return None


def _parse(run: str, convention: str) -> tuple[str, str] | None:
    """(integer digits, fraction digits) of `run` read in `convention`; None if not clear."""
    group, decimal = (".", ",") if convention == "comma" else (",", ".")
    whole, sep, fraction = run.partition(decimal)
    if decimal in fraction or group in fraction:
        return None
    parts = whole.split(group)
    if len(parts) > 1 and not (
        1 <= len(parts[0]) <= 3 and parts[0][0] != "0" and all(len(p) == 3 for p in parts[1:])
    ):
        return None  # not thousands groups ("0.105" is a Mexican decimal, not 105)
    if not sep:
        if len(parts) == 1:
            return None  # a plain integer: the same everywhere
        return "".join(parts), ""
    if convention == "comma" and len(parts) == 1 and len(fraction) == 3:
        return None  # "1,500": Mexico's thousand and a half, Spain's one and a half
    return "".join(parts), fraction


def _render(integer: str, fraction: str, convention: str) -> str | None:
    if convention == "point":
        head = f"{int(integer):,}" if integer.isdigit() and not integer.startswith("0") else integer
        return f"{head}.{fraction}" if fraction else head
    if len(fraction) == 3 and integer != "0":
        return None  # "1234.567" would read as a thousands group to part of the Spanish world
    return f"{integer}.{fraction}" if fraction else integer


def localize(text: str, source: str, target: str) -> str:
    """`text` (a protected span) with each clear number in `target`'s convention."""
    src, dst = _convention(source), _convention(target)
    if src is None or dst is None or src == dst:
        return text

    def rewrite(match: re.Match[str]) -> str:
        run = match.group(0)
        parsed = _parse(run, src)
        if parsed is None:
            return run
        rendered = _render(*parsed, dst)
        return run if rendered is None else rendered

    return _RUN.sub(rewrite, text)
