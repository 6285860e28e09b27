"""The quick-phrase catalogue as data: complete in every language, same placeholders everywhere,
every unit in every plural category, and exact rendering (no I/O)."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from rooms.errors import BadRequest
from rooms.leads import STATUSES
from rooms.phrases import CURRENCIES, INCOTERMS, LANGUAGES, StoredPhrase, catalogue
from rooms.phrases.catalogue import KINDS, MAX_DAYS, MAX_QUANTITY
from rooms.phrases.plurals import CATEGORIES, category
from server import schemas

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
WEB = Path(__file__).resolve().parent.parent / "web" / "static"
# A whole number (at least 1) in each category each language has.
SAMPLES = {
    "one": [1, 21, 101],
    "two": [2],
    "few": [2, 3, 22, 103],
    "many": [5, 11, 1_000_000],
    "other": [7, 100],
}


def _numbers_in(lang: str, cat: str) -> list[int]:
    found = [n for n in range(1, 2000) if category(lang, n) == cat][:5]
    if cat == "many" and lang in ("es", "pt", "fr"):
        found = [1_000_000, 3_000_000]
    return found


def test_at_least_forty_phrases_for_both_sides() -> None:
    phrases = list(catalogue().phrases.values())
    assert len(phrases) >= 40
    roles = [p.role for p in phrases]
    assert roles.count("buyer") >= 15 and roles.count("supplier") >= 15
    assert len({p.id for p in phrases}) == len(phrases)
    assert any(p.common for p in phrases if p.role == "buyer")
    assert any(p.common for p in phrases if p.role == "supplier")


def test_every_phrase_in_every_language_with_the_same_placeholders() -> None:
    for p in catalogue().phrases.values():
        assert set(p.text) == set(LANGUAGES), (p.id, set(LANGUAGES) ^ set(p.text))
        assert set(p.params) <= set(KINDS), p.id
        for lang, template in p.text.items():
            assert template.strip() == template and template, (p.id, lang)
            found = PLACEHOLDER.findall(template)
            # Each param exactly once, nothing else in braces.
            assert sorted(found) == sorted(p.params), (p.id, lang, found)
        # A unit agrees with a quantity; without one it is a price's "per unit".
        if "unit" in p.params and "quantity" not in p.params:
            assert "price" in p.params, p.id


def test_every_unit_has_every_plural_form_of_every_language() -> None:
    cat = catalogue()
    assert {"piece", "set", "pair", "carton", "meter", "sqm", "kilogram", "ton", "liter"} <= set(cat.units)
    for unit, per_lang in [*cat.units.items(), ("day", cat.day)]:
        assert set(per_lang) == set(LANGUAGES), unit
        for lang in LANGUAGES:
            forms = per_lang[lang]
            for c in CATEGORIES[lang]:
                assert forms.get(c, "").strip(), (unit, lang, c)
            assert set(forms) <= {*CATEGORIES[lang], "other", "per"}, (unit, lang, set(forms))


def test_plural_rules_follow_cldr() -> None:
    ru = {
        1: "one",
        2: "few",
        4: "few",
        5: "many",
        11: "many",
        12: "many",
        21: "one",
        22: "few",
        111: "many",
        1001: "one",
    }
    ar = {
        1: "one",
        2: "two",
        3: "few",
        10: "few",
        11: "many",
        99: "many",
        100: "other",
        102: "other",
        103: "few",
    }
    es = {1: "one", 2: "other", 1_000: "other", 1_000_000: "many", 2_000_000: "many", 1_000_001: "other"}
    for lang, table in (("ru", ru), ("ar", ar), ("es", es), ("fr", es), ("pt", es)):
        for n, want in table.items():
            assert category(lang, n) == want, (lang, n)
    for lang in ("zh", "zh-Hant", "ja", "ko", "vi", "id", "tr"):
        assert {category(lang, n) for n in (1, 2, 5, 21)} == {"other"}


def _values(kind: str, n: int, unit: str) -> typing.Any:
    return {"quantity": n, "unit": unit, "price": "1250.50", "currency": "EUR", "days": max(1, min(n, MAX_DAYS)),
            "incoterm": "CIF", "port": "Hamburg", "product": 7}[kind]  # fmt: skip


def test_every_phrase_renders_in_every_language_with_every_unit_and_category() -> None:
    cat = catalogue()
    names = {"": "LED-Panel", "zh": "LED面板灯"}
    for p in cat.phrases.values():
        units = list(cat.units) if "unit" in p.params else ["piece"]
        for lang in LANGUAGES:
            for c in CATEGORIES[lang]:
                for n in _numbers_in(lang, c)[:2]:
                    for unit in units:
                        params = {k: _values(k, n, unit) for k in p.params}
                        text = cat.render(StoredPhrase(p.id, params, names), lang)
                        assert "{" not in text and "}" not in text, (p.id, lang, text)
                        if "quantity" in p.params:
                            assert str(n) in text
                            assert cat.units[unit][lang].get(c, cat.units[unit][lang]["other"]) in text, (
                                p.id, lang, n, unit, text)  # fmt: skip
                        if "price" in p.params:
                            assert (
                                "1250,50"
                                if lang in ("de", "es", "fr", "pt", "ru", "tr", "id", "vi")
                                else "1250.50"
                            ) in text
                        if "product" in p.params:
                            assert ("LED面板灯" if lang == "zh" else "LED-Panel") in text


def test_exact_renderings_a_reader_gets() -> None:
    cat = catalogue()
    q = StoredPhrase(
        "b.price_incoterm", {"incoterm": "FOB", "port": "Shenzhen", "quantity": 22, "unit": "carton"}
    )
    assert cat.render(q, "en") == "What is your FOB Shenzhen price for 22 cartons?"
    assert cat.render(q, "ru") == "Какая цена FOB Shenzhen, если количество — 22 коробки?"
    assert cat.render(q, "zh") == "22箱的FOB Shenzhen价格是多少？"
    assert cat.render(q, "ar") == "ما سعركم FOB Shenzhen لكمية 22 كرتونة؟"
    a = StoredPhrase("s.price", {"price": "0.125", "currency": "USD", "unit": "piece"})
    assert cat.render(a, "de") == "Der Preis beträgt 0,125 USD pro Stück."
    assert cat.render(a, "ru") == "Цена — 0,125 USD за штуку."
    assert cat.render(a, "ja") == "価格は1個あたり0.125 USDです。"
    d = StoredPhrase("s.lead_time", {"days": 21})
    assert cat.render(d, "ru") == "Срок поставки — 21 день."
    assert cat.render(d, "ko") == "납기는 21일입니다."
    assert cat.render(StoredPhrase("s.moq", {"quantity": 1_000_000, "unit": "piece"}), "es") == (
        "Nuestro pedido mínimo es de 1000000 de piezas."
    )
    # An unknown reader language reads its base language, else English.
    assert cat.render(d, "pt-BR") == cat.render(d, "pt") and cat.render(d, "it") == cat.render(d, "en")
    assert cat.render(d, "zh-TW") == cat.render(d, "zh-Hant")


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"quantity": 0, "unit": "piece"}, "quantity"),
        ({"quantity": MAX_QUANTITY + 1, "unit": "piece"}, "quantity"),
        ({"quantity": 5.5, "unit": "piece"}, "quantity"),
        ({"quantity": True, "unit": "piece"}, "quantity"),
        ({"quantity": "500", "unit": "piece"}, "quantity"),
        ({"quantity": 500, "unit": "furlong"}, "unit"),
        ({"quantity": 500}, "needs unit"),
        ({"quantity": 500, "unit": "piece", "port": "Rotterdam"}, "takes no port"),
    ],
)
def test_params_are_checked(params: dict[str, typing.Any], fragment: str) -> None:
    cat = catalogue()
    with pytest.raises(BadRequest, match=fragment):
        cat.check_params(cat.access_phrase("s.moq"), params)


def test_price_currency_incoterm_port_are_checked() -> None:
    cat = catalogue()
    p = cat.access_phrase("s.price_incoterm")
    good = {
        "price": " 6.8 ",
        "currency": "USD",
        "unit": "piece",
        "incoterm": "FOB",
        "port": "  Ho Chi  Minh City ",
    }
    checked = cat.check_params(p, good)
    assert checked["price"] == "6.80" and checked["port"] == "Ho Chi Minh City"
    for key, bad in [("price", "0"), ("price", "-1"), ("price", "1,5"), ("price", "1e3"), ("price", "99999999.5"),
                     ("price", "1.23456"), ("price", 6.8), ("currency", "usd"), ("currency", "XYZ"),
                     ("incoterm", "FOB "), ("incoterm", "DDU"), ("port", ""), ("port", "x" * 61),
                     ("port", "Rotterdam\n"), ("port", "<b>"), ("port", "{unit}")]:  # fmt: skip
        with pytest.raises(BadRequest):
            cat.check_params(p, {**good, key: bad})
    with pytest.raises(BadRequest, match="no quick phrase"):
        cat.access_phrase("s.nope")


def test_the_fixed_lists_are_the_projects_own() -> None:
    trade = (WEB / "trade.js").read_text("utf-8")
    for name, ours in (("CURRENCIES", CURRENCIES), ("INCOTERMS", INCOTERMS)):
        m = re.search(rf"export const {name} = \[([^\]]*)\]", trade)
        assert m is not None
        assert tuple(re.findall(r"'([A-Z]{3})'", m.group(1))) == ours
    incoterm = typing.get_type_hints(schemas.InquirySubmit)["incoterm"]
    literal = next(a for a in typing.get_args(incoterm) if typing.get_origin(a) is typing.Literal)
    assert typing.get_args(literal) == INCOTERMS
    # The pages' lead statuses are the domain's one list (rooms/leads.py), in its order.
    m = re.search(r"export const LEAD_STATUSES = \[([^\]]*)\]", trade)
    assert m is not None
    assert tuple(re.findall(r"'([a-z]+)'", m.group(1))) == STATUSES


def test_public_catalogue_shape() -> None:
    out = catalogue().public()
    assert out["languages"] == list(LANGUAGES)
    p = next(p for p in out["phrases"] if p["id"] == "b.price_qty")
    assert p["role"] == "buyer" and p["params"] == [
        {"name": "quantity", "kind": "quantity"},
        {"name": "unit", "kind": "unit"},
    ]
    assert p["text"]["de"] == "Welchen Preis bieten Sie für {quantity} {unit}?"
    assert out["units"]["piece"]["ru"]["few"] == "штуки" and out["incoterms"] == list(INCOTERMS)
