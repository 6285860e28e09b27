"""Trade terms survive translation: protect → (any "translation") → restore."""

from __future__ import annotations

import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from translation.protect import (
    MAX_PLACEHOLDERS,
    Span,
    find_spans,
    has_words,
    placeholder,
    protect,
    renumber,
    restore,
)


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("我们的最小起订量是500件，FOB深圳价格是6.80美元", ["500", "FOB", "6.80"]),
        ("MOQ 500pcs, 20ft or 40HQ, FOB Shenzhen", ["500pcs", "20ft", "40HQ", "FOB"]),
        ("Price US$6.80, $5 or €3,50 each", ["US$6.80", "$5", "€3,50"]),
        ("6.80 USD per piece", ["6.80", "USD"]),
        ("Precio 1.000,50 € y 1,000 unidades", ["1.000,50 €", "1,000"]),
        ("HS code 8539.50.00 for BW-P6060 and A7-X2", ["8539.50.00", "BW-P6060", "A7-X2"]),
        ("15% deposit, ship 2026-11-21 or 21/11/2026", ["15%", "2026-11-21", "21/11/2026"]),
        ("Panel 60x60 cm, 20 kg, 1.5 m, 10kg, 3m", ["60x60 cm", "20 kg", "1.5 m", "10kg", "3m"]),
        # fabric weight is not plain grams; light, noise, speed, pressure, energy as written
        ("towels 600 gsm, 180 g/m², 1200 lm, 35 dB, 3000 rpm, 1.5 kWh", ["600 gsm", "180 g/m²", "1200 lm", "35 dB", "3000 rpm", "1.5 kWh"]),
        ("2 bar stools", ["2"]),  # furniture, not a pressure
        (
            "Mail sales@example.com or see https://example.com/catalog.",
            ["sales@example.com", "https://example.com/catalog"],
        ),
        ("Call +86 755 1234 5678 or www.example.com", ["+86 755 1234 5678", "www.example.com"]),
        (
            "EXW FCA FAS FOB CFR CIF CPT CIP DAP DPU DDP",
            "EXW FCA FAS FOB CFR CIF CPT CIP DAP DPU DDP".split(),
        ),
        ("Precio CIF Valencia: 65.48 EUR", ["CIF", "65.48", "EUR"]),
        ("a FOBBY fob DDPX word", []),
    ],
)
def test_protects_trade_terms(text: str, spans: list[str]) -> None:
    protected = protect(text)
    assert [s.text for s in protected.spans] == spans
    assert restore(protected.text, protected.spans)[0] == text


def test_placeholders_are_numbered_in_order_of_appearance() -> None:
    protected = protect("FOB 6.80 USD, MOQ 500")
    assert protected.text == "⟦0⟧ ⟦1⟧ ⟦2⟧, MOQ ⟦3⟧"


def test_sentence_end_full_stop_is_not_part_of_a_number() -> None:
    assert [s.text for s in protect("It costs 6.80. Then 7.").spans] == ["6.80", "7"]


def test_user_typed_placeholder_is_protected_too() -> None:
    text = "what does ⟦0⟧ mean? and ⟦ alone"
    protected = protect(text)
    assert restore(protected.text, protected.spans)[0] == text


def test_spans_past_the_limit_stay_inline() -> None:
    text = " ".join(str(n) for n in range(20))
    protected = protect(text)
    assert len(protected.spans) == MAX_PLACEHOLDERS
    assert protected.text.endswith("⟦15⟧ 16 17 18 19")
    assert restore(protected.text, protected.spans)[0] == text


def test_restore_repairs_missing_duplicated_and_invented() -> None:
    spans = (Span("500", "token"), Span("FOB", "incoterm"), Span("6.80", "token"))
    out, report = restore("price ⟦1⟧ ⟦1⟧ is ⟦2⟧ ⟦7⟧", spans, "en")
    assert out == "price FOB is 6.80 500"
    assert restore("Price ⟦0⟧ ⟦1⟧?", (*spans, Span("x", "token")), "en")[0] == "Price 500 FOB 6.80 x?"
    assert report.missing == [0]
    assert report.duplicated == [1]
    assert report.invented == ["⟦7⟧"]
    assert not report.clean


def test_restore_appends_without_space_in_chinese() -> None:
    spans = (Span("6.80", "token"), Span("FOB", "incoterm"))
    out, report = restore("价格是⟦0⟧。", spans, "zh")
    assert out == "价格是6.80 FOB。"
    assert report.missing == [1]
    assert restore("价格是。", spans, "zh")[0] == "价格是6.80 FOB。"


def test_restore_accepts_spaced_placeholders() -> None:
    assert restore("price ⟦ 0 ⟧", (Span("6.80", "token"),))[0] == "price 6.80"


def test_renumber_restarts_per_sentence() -> None:
    protected = protect("FOB 5. Price 6.80 USD.")
    second = protected.text.split(". ", 1)[1]
    text, spans = renumber(second, protected.spans)
    assert text == "Price ⟦0⟧ ⟦1⟧."
    assert [s.text for s in spans] == ["6.80", "USD"]


def test_has_words() -> None:
    assert not has_words("⟦0⟧ ⟦1⟧, ⟦2⟧!")
    assert has_words("⟦0⟧ ok")
    assert has_words("好的⟦0⟧")


# --- property-based --------------------------------------------------------------------------

_words = st.sampled_from(
    "the price per piece is please quote for our order we need de precio por pieza pedido mínimo "
    "necesitamos hola gracias 我们 的 价格 是 多少 最小起订量 件 深圳 , . ? ! ： ， 。 ？ ( ) -".split()
)
_numbers = st.one_of(
    st.integers(0, 10**9).map(str),
    st.tuples(st.integers(0, 99999), st.integers(0, 99)).map(lambda t: f"{t[0]}.{t[1]:02d}"),
    st.tuples(st.integers(1, 999), st.integers(0, 999)).map(lambda t: f"{t[0]},{t[1]:03d}"),
    st.tuples(st.integers(1, 999), st.integers(0, 999), st.integers(0, 99)).map(
        lambda t: f"{t[0]}.{t[1]:03d},{t[2]:02d}"
    ),
    st.tuples(st.sampled_from(["US$", "$", "€", "¥", "£"]), st.integers(0, 9999), st.integers(0, 99)).map(
        lambda t: f"{t[0]}{t[1]}.{t[2]:02d}"
    ),
    st.integers(0, 100).map(lambda n: f"{n}%"),
    st.tuples(st.integers(1, 9999), st.sampled_from(["pcs", "ft", "HQ", "kg", "m", "cm", "GP"])).map(
        lambda t: f"{t[0]}{t[1]}"
    ),
    st.tuples(st.integers(1, 999), st.sampled_from(["kg", "cm", "mm", "ft", "gsm", "lm", "kWh", "dB"])).map(
        lambda t: f"{t[0]} {t[1]}"
    ),
)
_codes = st.one_of(
    st.from_regex(r"[A-Z]{1,3}-[A-Z]?[0-9]{1,5}", fullmatch=True),
    st.from_regex(r"[A-Z][0-9]-[A-Z][0-9]", fullmatch=True),
    st.from_regex(r"[0-9]{4}\.[0-9]{2}\.[0-9]{2}", fullmatch=True),
    st.from_regex(r"20[0-9]{2}-[01][0-9]-[0-3][0-9]", fullmatch=True),
    st.from_regex(r"[0-3][0-9]/[01][0-9]/20[0-9]{2}", fullmatch=True),
    st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.(com|cn|es)", fullmatch=True),
    st.from_regex(r"https://[a-z]{1,8}\.com/[a-z0-9]{0,8}", fullmatch=True),
    st.from_regex(r"\+[1-9][0-9]{1,2} [0-9]{3} [0-9]{4} [0-9]{4}", fullmatch=True),
    st.sampled_from(["EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP"]),
)
# The trade terms that must never be translated: certifications and standards, payment and
# shipping terms, technical values and model names.
_terms = st.one_of(
    st.sampled_from(
        "CE RoHS FCC UL ETL FDA REACH GS SAA BSCI SGS TUV CCC PSE KC CB EMC LVD UKCA CPSIA LFGB FSC GOTS "
        "OEKO-TEX T/T TT L/C D/P D/A PayPal LCL FCL B/L AWB DHL FedEx UPS".split()
    ),
    st.sampled_from(["Western Union", "Trade Assurance", "MoneyGram"]),
    st.tuples(st.sampled_from(["ISO", "IEC", "EN", "ASTM"]), st.integers(1, 99999)).map(lambda t: f"{t[0]} {t[1]}"),
    st.tuples(st.integers(1, 9999), st.sampled_from(["K", "W", "V", "Hz", "mAh", "lm", "GP", "HQ"])).map(
        lambda t: f"{t[0]}{t[1]}"
    ),
    st.integers(20, 69).map(lambda n: f"IP{n}"),
    st.from_regex(r"[A-Z]{1,3}[0-9]{2,4}[A-Z]?", fullmatch=True),  # model names: X200, LP-less codes
)
_values = st.one_of(_numbers, _codes, _terms)


@st.composite
def _message_with_value(draw: st.DrawFn) -> tuple[str, str]:
    words = draw(st.lists(_words, max_size=14))
    position = draw(st.integers(0, len(words)))
    value = draw(_values)
    joiner = draw(st.sampled_from([" ", ""]))
    if joiner == "":
        # No spaces (Chinese style): keep ASCII words apart from the value, as a writer would.
        tokens = [*words[:position], f" {value} ", *words[position:]]
    else:
        tokens = [*words[:position], value, *words[position:]]
    return joiner.join(tokens), value


def _fake_translation(protected_text: str, count: int, rng: random.Random) -> str:
    """Reorder everything: the placeholders come back in any order among other words."""
    order = list(range(count))
    rng.shuffle(order)
    filler = ["el", "precio", "es", "价格", ",", "para", "our"]
    out: list[str] = []
    for index in order:
        out.append(rng.choice(filler))
        out.append(placeholder(index))
    out.append(rng.choice(filler))
    return " ".join(out)


@settings(max_examples=400, deadline=None)
@given(_message_with_value(), st.randoms(use_true_random=False))
def test_any_value_survives_a_shuffled_translation(case: tuple[str, str], rng: random.Random) -> None:
    message, value = case
    protected = protect(message)
    assume(len(protected.spans) < MAX_PLACEHOLDERS)
    start = message.index(value)
    # Never cut in two: the value lies inside one protected span.
    assert any(s <= start and start + len(value) <= e for s, e, _ in find_spans(message))
    assert restore(protected.text, protected.spans)[0] == message
    translated = _fake_translation(protected.text, len(protected.spans), rng)
    out, report = restore(translated, protected.spans, "es")
    assert report.clean
    assert value in out


@settings(max_examples=300, deadline=None)
@given(_message_with_value())
def test_any_value_survives_a_translation_that_drops_placeholders(case: tuple[str, str]) -> None:
    message, value = case
    protected = protect(message)
    assume(len(protected.spans) < MAX_PLACEHOLDERS)
    out, _ = restore("nothing left", protected.spans, "en")
    assert value in out


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_identity_round_trip_for_any_text(text: str) -> None:
    protected = protect(text)
    assert restore(protected.text, protected.spans)[0] == text


@settings(max_examples=300, deadline=None)
@given(st.lists(_terms, min_size=1, max_size=6), st.sampled_from([" ", "、", ", ", " y ", "和"]))
def test_every_trade_term_is_one_span_of_its_own(terms: list[str], sep: str) -> None:
    message = "我们有" + sep.join(terms) + "认证" if sep in "、和" else "we have " + sep.join(terms) + " here"
    spans = [s.text for s in protect(message).spans]
    assert spans == terms


@pytest.mark.parametrize(
    "text",
    ["ce que je reach", "el ce de la", "we reach out", "a gs b", "tt", "ups and downs", "cb radio"],
)
def test_common_words_that_look_like_terms_are_left_alone(text: str) -> None:
    assert protect(text).spans == ()
