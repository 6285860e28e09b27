"""Numbers in the reader's convention (translation/numbers.py): clear ones rewritten, the rest as typed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from translation.confidence import invented_digits
from translation.numbers import localize
from translation.protect import protect, restore


@pytest.mark.parametrize(
    ("text", "source", "target", "expected"),
    [
        ("2.000", "es", "en", "2,000"),
        ("1.200.000", "es", "zh", "1,200,000"),
        ("2,95", "es", "en", "2.95"),
        ("1.234,56", "es", "en", "1,234.56"),
        ("1,5 horas", "es", "en", "1.5 horas"),
        ("1.500kg", "es", "en", "1,500kg"),
        ("5,000", "en", "es", "5000"),
        ("1,234.56", "zh", "es", "1234.56"),
        ("USD 3.20", "en", "es", "USD 3.20"),  # a point before 1-2 digits misleads no Spanish reader
        ("0.105", "en", "es", "0.105"),
        ("1,234.567", "en", "es", "1,234.567"),
        # Unclear in the writer's convention or the reader's: as typed.
        ("1,500", "es", "en", "1,500"),  # Mexico's 1500, Spain's 1.5
        ("3.20", "es", "en", "3.20"),  # a Mexican decimal point
        ("USD 0.105", "es", "en", "USD 0.105"),  # no thousands group starts with 0
        ("1.234", "en", "es", "1.234"),
        ("1,5", "en", "es", "1,5"),
        # Codes, dates and plain integers: never numbers to rewrite.
        ("8539.50.00", "es", "en", "8539.50.00"),
        ("10.04.2026", "es", "en", "10.04.2026"),
        ("192.168.1.10", "en", "es", "192.168.1.10"),
        ("BW-P6060", "en", "es", "BW-P6060"),
        ("A1.000", "es", "en", "A1.000"),
        ("5000", "es", "en", "5000"),
        # Same convention, or a language with none known: unchanged.
        ("5,000", "en", "zh", "5,000"),
        ("2.000", "es", "xx", "2.000"),
    ],
)
def test_localize(text: str, source: str, target: str, expected: str) -> None:
    assert localize(text, source, target) == expected


@given(st.integers(min_value=1000, max_value=10**12))
def test_a_grouped_integer_keeps_its_value_both_ways(n: int) -> None:
    english = f"{n:,}"
    spanish = english.replace(",", ".")
    assert localize(english, "en", "es") == str(n)
    assert localize(spanish, "es", "en") == english
    assert localize(spanish, "es", "zh") == english


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=99), st.booleans())
def test_a_short_decimal_keeps_its_value_both_ways(whole: int, cents: int, two: bool) -> None:
    fraction = f"{cents:02d}" if two else str(cents % 10)
    english = f"{whole:,}.{fraction}"
    assert localize(english, "en", "es") == f"{whole}.{fraction}"  # the grouping goes, the point stays
    spanish = f"{whole:,}".replace(",", ".") + f",{fraction}"
    assert localize(spanish, "es", "en") == english


def test_spans_carry_each_readers_form_and_restore_picks_it() -> None:
    protected = protect("Necesitamos 2.000 unidades a 2,95 USD, HS 8539.50.00", source="es", targets=("en", "zh"))
    assert [s.text for s in protected.spans] == ["2.000", "2,95", "USD", "8539.50.00"]
    assert restore(protected.text, protected.spans, "en")[0] == "Necesitamos 2,000 unidades a 2.95 USD, HS 8539.50.00"
    # Without languages (the identity round trip), nothing is rewritten.
    plain = protect("Necesitamos 2.000 unidades")
    assert restore(plain.text, plain.spans)[0] == "Necesitamos 2.000 unidades"


def test_a_rewritten_number_is_not_an_invented_one() -> None:
    assert not invented_digits("We need 2,000 units at 2.95 USD", "Necesitamos 2.000 unidades a 2,95 USD")
    assert not invented_digits("MOQ 5000 pcs", "MOQ 5,000 pcs")
    assert invented_digits("MOQ 3000 pcs", "MOQ 5,000 pcs")
