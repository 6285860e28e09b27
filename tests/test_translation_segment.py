"""Messages are split into single sentences, the unit the models were trained on."""

from __future__ import annotations

import pytest

from translation.protect import protect
from translation.segment import join_sentences, split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Hello. How are you? Fine!", ["Hello.", "How are you?", "Fine!"]),
        ("你好。价格是多少？好的！", ["你好。", "价格是多少？", "好的！"]),
        ("¿Cuál es el precio? Gracias.", ["¿Cuál es el precio?", "Gracias."]),
        ("One line\nsecond line", ["One line", "second line"]),
        ("Mr. Li will call, e.g. tomorrow. OK", ["Mr. Li will call, e.g. tomorrow.", "OK"]),
        ("Wait... really?!", ["Wait...", "really?!"]),
        ("no punctuation at all", ["no punctuation at all"]),
        ("", []),
    ],
)
def test_split(text: str, sentences: list[str]) -> None:
    assert [s.text for s in split_sentences(text)] == sentences


def test_decimals_and_urls_do_not_split_once_protected() -> None:
    protected = protect("The price is 65.48 USD. See www.example.com. Thanks")
    assert [s.text for s in split_sentences(protected.text)] == [
        "The price is ⟦0⟧ ⟦1⟧.",
        "See ⟦2⟧.",
        "Thanks",
    ]


def test_join_keeps_line_breaks_and_uses_no_space_in_chinese() -> None:
    segments = split_sentences("Hi. Price?\nThanks")
    assert join_sentences(["A.", "B?", "C"], segments, "en") == "A. B?\nC"
    assert join_sentences(["甲。", "乙？", "丙"], segments, "zh") == "甲。乙？\n丙"


def test_join_adds_spaces_between_sentences_translated_from_chinese() -> None:
    segments = split_sentences("你好。价格是多少？谢谢")
    assert (
        join_sentences(["Hello.", "What is the price?", "Thanks"], segments, "en")
        == "Hello. What is the price? Thanks"
    )
