"""The quick-phrase catalogue: loading, checking a phrase's parameters, rendering it per language.

A quick phrase is rendered for each reader from the team's own template in the reader's
language, so it is exact where machine translation is weakest (numbers, units, Incoterms). The
data lives beside this module (`catalogue.json`, `units.json`); nothing here does I/O after the
first load.

Numbers are written plainly with ASCII digits and never grouped: "12000", not "12,000" or
"12.000", which readers on either side of the decimal-comma line would misread. Prices use the
reader's decimal mark ("6.80" in English, "6,80" in German); with no grouping, neither mark can be
taken for a thousands separator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, Literal

from rooms.errors import BadRequest
from rooms.languages import UI_LANGUAGES
from rooms.phrases.plurals import category

Role = Literal["buyer", "supplier"]

LANGUAGES: tuple[str, ...] = UI_LANGUAGES  # every phrase is written in every interface language
# The same lists as the inquiry form (web/static/trade.js, server/schemas.py); a test keeps them equal.
CURRENCIES: tuple[str, ...] = (
    "USD", "EUR", "GBP", "CNY", "JPY", "HKD", "AUD", "CAD", "CHF", "INR", "BRL", "MXN", "AED",
)  # fmt: skip
INCOTERMS: tuple[str, ...] = ("EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP")
KINDS: tuple[str, ...] = ("quantity", "unit", "price", "currency", "days", "incoterm", "port", "product")

MAX_QUANTITY = 10_000_000
MAX_DAYS = 365
MAX_PRICE = Decimal("10000000")
PRICE_PLACES = 4
PORT_MAX = 60

_DECIMAL_COMMA = frozenset({"es", "pt", "fr", "de", "ru", "tr", "id", "vi"})
# Counters attach to the number in these scripts: "30天", "30日", "30일".
_NO_SPACE = frozenset({"zh", "zh-Hant", "ja", "ko"})
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_PORT = re.compile(r"^[\w .,'()/-]+$")
_PRICE = re.compile(r"^\d{1,8}(\.\d{1,4})?$")
_DATA = Path(__file__).parent


@dataclass(frozen=True, slots=True)
class Phrase:
    id: str
    role: Role
    params: tuple[str, ...]
    text: Mapping[str, str]
    common: bool = False


@dataclass(frozen=True, slots=True)
class StoredPhrase:
    """A sent phrase as the message keeps it: checked params, and the product's names then."""

    id: str
    params: dict[str, Any]
    product_names: dict[str, str] = field(default_factory=dict)  # "" = the supplier's own

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"params": self.params}
        if self.product_names:
            out["product_names"] = self.product_names
        return out

    @classmethod
    def from_json(cls, phrase_id: str, data: Mapping[str, Any]) -> StoredPhrase:
        return cls(phrase_id, dict(data.get("params") or {}), dict(data.get("product_names") or {}))


def reader_language(lang: str) -> str:
    """The catalogue language a reader gets: theirs, its base language, or English."""
    if lang in LANGUAGES:
        return lang
    base, _, region = lang.partition("-")
    if base == "zh" and region.upper() in ("HANT", "TW", "HK", "MO"):
        return "zh-Hant"
    return base if base in LANGUAGES else "en"


def format_price(price: str, lang: str) -> str:
    return price.replace(".", ",") if lang in _DECIMAL_COMMA else price


class Catalogue:
    def __init__(self, phrases: list[Phrase], units: dict[str, dict[str, dict[str, str]]],
                 day: dict[str, dict[str, str]]) -> None:  # fmt: skip
        self.phrases = {p.id: p for p in phrases}
        self.units = units
        self.day = day
        # Every form of every unit in every language → its code: a unit typed in a buyer's
        # language ("peças", "القطعة") is read back as the same unit in the supplier's.
        self._unit_by_word: dict[str, str] = {}
        for code, by_lang in units.items():
            for forms in by_lang.values():
                for word in forms.values():
                    self._unit_by_word.setdefault(_unit_key(word), code)
            self._unit_by_word.setdefault(_unit_key(code), code)

    def unit_code(self, word: str) -> str | None:
        """The unit `word` names in any language and form ("peças", "Stück", "القطعة"), or None."""
        key = _unit_key(word)
        code = self._unit_by_word.get(key)
        if code is None and key.startswith("ال"):  # Arabic's definite article: "the piece"
            code = self._unit_by_word.get(key[2:])
        return code

    def unit_for(self, code: str, lang: str, quantity: int | None) -> str:
        """`code` as a reader of `lang` names it: the plural for `quantity`, or the form after "per"."""
        lang = reader_language(lang)
        forms = self.units.get(code, {}).get(lang) or {"other": code}
        if quantity is None:
            return forms.get("per") or forms.get("one") or forms["other"]
        return _form(forms, category(lang, quantity))

    # --- checking -----------------------------------------------------------------------------

    def access_phrase(self, phrase_id: str) -> Phrase:
        phrase = self.phrases.get(phrase_id)
        if phrase is None:
            raise BadRequest(f"phrase.id: no quick phrase {phrase_id[:64]!r}; see GET /api/phrases")
        return phrase

    def check_params(self, phrase: Phrase, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The phrase's params, checked and in canonical form. `product` is only checked to be an
        id here: whether it is a product of the booth is the caller's question."""
        unknown = sorted(set(raw) - set(phrase.params))
        if unknown:
            raise BadRequest(f"phrase.params: {phrase.id} takes no {', '.join(unknown)[:120]}")
        missing = [name for name in phrase.params if name not in raw]
        if missing:
            raise BadRequest(f"phrase.params: {phrase.id} needs {', '.join(missing)}")
        return {name: self._check(name, raw[name]) for name in phrase.params}

    def _check(self, kind: str, value: Any) -> Any:
        where = f"phrase.params.{kind}"
        if kind in ("quantity", "days", "product"):
            top = {"quantity": MAX_QUANTITY, "days": MAX_DAYS, "product": 2**31 - 1}[kind]
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
                raise BadRequest(f"{where}: a whole number from 1 to {top}")
            return value
        if not isinstance(value, str):
            raise BadRequest(f"{where}: must be text")
        if kind == "price":
            return _check_price(value.strip(), where)
        if kind == "unit":
            if value not in self.units:
                raise BadRequest(f"{where}: one of {', '.join(self.units)}")
            return value
        if kind == "currency":
            if value not in CURRENCIES:
                raise BadRequest(f"{where}: one of {', '.join(CURRENCIES)}")
            return value
        if kind == "incoterm":
            if value not in INCOTERMS:
                raise BadRequest(f"{where}: one of {', '.join(INCOTERMS)} (Incoterms 2020)")
            return value
        port = " ".join(value.split())
        if not value.isprintable() or not 1 <= len(port) <= PORT_MAX or not _PORT.match(port) or "_" in port:
            raise BadRequest(f"{where}: a place name of 1 to {PORT_MAX} letters, digits, spaces and .,'()/-")
        return port

    # --- rendering ----------------------------------------------------------------------------

    def render(self, stored: StoredPhrase, lang: str) -> str:
        """The phrase exactly as a reader of `lang` reads it."""
        lang = reader_language(lang)
        phrase = self.phrases.get(stored.id)
        if phrase is None:  # a phrase retired from the catalogue: its id is all that is left
            return stored.id
        params = stored.params
        values: dict[str, str] = {}
        for name in phrase.params:
            value = params.get(name)
            if name == "unit":
                quantity = int(params["quantity"]) if "quantity" in params else None
                values[name] = self.unit_for(str(value), lang, quantity)
            elif name == "days":
                forms = self.day[lang]
                sep = "" if lang in _NO_SPACE else " "
                values[name] = f"{int(value or 0)}{sep}{_form(forms, category(lang, int(value or 0)))}"
            elif name == "price":
                values[name] = format_price(str(value), lang)
            elif name == "product":
                names = stored.product_names
                values[name] = names.get(lang) or names.get("") or f"#{value}"
            else:
                values[name] = str(value)
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), phrase.text[lang])

    def public(self) -> dict[str, Any]:
        """`GET /api/phrases`: every phrase with its templates, and the fixed lists."""
        return {
            "languages": list(LANGUAGES),
            "phrases": [
                {
                    "id": p.id,
                    "role": p.role,
                    "common": p.common,
                    "params": [{"name": name, "kind": name} for name in p.params],
                    "text": dict(p.text),
                }
                for p in self.phrases.values()
            ],
            "units": {code: forms for code, forms in self.units.items()},
            "currencies": list(CURRENCIES),
            "incoterms": list(INCOTERMS),
            "limits": {
                "quantity": MAX_QUANTITY,
                "days": MAX_DAYS,
                "price": str(MAX_PRICE),
                "price_places": PRICE_PLACES,
                "port": PORT_MAX,
            },
        }


def _unit_key(word: str) -> str:
    return word.strip().casefold().removesuffix(".")


def _form(forms: Mapping[str, str], cat: str) -> str:
    return forms.get(cat) or forms["other"]


def _check_price(text: str, where: str) -> str:
    if not _PRICE.match(text):
        raise BadRequest(
            f"{where}: a decimal amount with a point and at most {PRICE_PLACES} decimals, like 6.80"
        )
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadRequest(f"{where}: not a number") from None
    if not Decimal(0) < value <= MAX_PRICE:
        raise BadRequest(f"{where}: more than 0 and at most {MAX_PRICE}")
    # Two decimals at least ("6.80"), more only when given and not zero ("0.125").
    v = value.normalize()
    exp = v.as_tuple().exponent
    return format(v.quantize(Decimal("0.01")) if isinstance(exp, int) and exp > -2 else v, "f")


@cache
def catalogue() -> Catalogue:
    data = json.loads((_DATA / "catalogue.json").read_text("utf-8"))
    units = json.loads((_DATA / "units.json").read_text("utf-8"))
    phrases = [
        Phrase(p["id"], p["role"], tuple(p["params"]), dict(p["text"]), bool(p.get("common", False)))
        for p in data["phrases"]
    ]
    return Catalogue(phrases, units["units"], units["day"])
