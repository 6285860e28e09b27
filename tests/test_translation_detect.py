"""Offline language guess for senders whose language is unknown."""

from __future__ import annotations

import pytest

from translation.detect import detect_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("我们的最小起订量是500件，FOB深圳价格是6.80美元", "zh"),
        ("这个多少钱？", "zh"),
        ("この商品の価格はいくらですか", "ja"),
        ("가격이 얼마예요?", "ko"),
        ("Какая минимальная партия?", "ru"),
        ("ما هو السعر؟", "ar"),
        ("What is your best price for 500 pieces FOB Shenzhen?", "en"),
        ("Can you send me the catalog please", "en"),
        ("¿Cuál es el pedido mínimo para BW-P6060?", "es"),
        ("Necesitamos 500 piezas de los paneles", "es"),
        ("Quel est le prix pour 500 pièces ?", "fr"),
    ],
)
def test_detects(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "500", "BW-P6060 FOB 6.80 USD", "https://example.com", "ok"])
def test_unsure_is_none(text: str) -> None:
    assert detect_language(text) is None


def test_candidates_restrict_the_answer() -> None:
    assert detect_language("Quel est le prix pour 500 pièces ?", {"en", "zh", "es"}) != "fr"
    assert detect_language("这个多少钱", {"en", "es"}) is None
