"""Who does what (translation/pronouns.py): a person swapped, or dropped into English, makes a
translation uncertain through the real layer; pro-drop and look-alike words do not."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.table_engine import table_engine
from translation.confidence import GateConfig, Observation, Thresholds
from translation.engine import Pair
from translation.pronouns import persons, shifted
from translation.service import ArgosTranslator


@pytest.mark.parametrize(
    ("source", "output", "src", "tgt"),
    [
        # the forwarder's warehouse became the buyer's
        ("我们在深圳有货代，你们能送到他们仓库吗？", "We have a forwarder in Shenzhen, can you deliver to our warehouse?", "zh", "en"),
        ("感谢来自墨西哥的Carlos加入我们！", "Thank you for Carlos from Mexico!", "zh", "en"),  # "joining us" lost
        ("we can ship on Friday", "你们周五可以发货", "en", "zh"),  # we -> you
        ("Can they pay by L/C?", "¿Podemos pagar con L/C? Nosotros sí.", "en", "es"),
        ("si yo aumento la cantidad, ¿bajan el precio?", "if you increase the quantity, will the price go down?", "es", "en"),
    ],
)
def test_people_changed(source: str, output: str, src: str, tgt: str) -> None:
    assert shifted(source, output, src, tgt)


@pytest.mark.parametrize(
    ("source", "output", "src", "tgt"),
    [
        ("我们在深圳有货代，你们能送到他们仓库吗？", "We have a forwarder in Shenzhen, can you deliver to their warehouse?", "zh", "en"),
        ("Can you send me a sample?", "能寄个样品吗？", "en", "zh"),  # Chinese leaves the subject out
        ("We have CE and RoHS.", "Tenemos CE y RoHS.", "en", "es"),  # so does Spanish
        ("Tenemos stock.", "We have stock.", "es", "en"),  # the person is in the verb
        ("其他颜色有吗？迷你款呢？", "Other colours? And the mini one?", "zh", "en"),  # not 他, not 你
        ("Ship to the US by sea.", "海运到美国。", "en", "zh"),  # a country
        ("Wir haben CE.", "We have CE.", "de", "en"),  # no table for German: not judged
        ("你好，欢迎来到直播间！", "Hello, welcome to the live room!", "zh", "en"),  # a greeting, not "you"
        ("交期太长了，能15天吗？", "The lead time is too long, can you do 15 days?", "zh", "en"),  # pro-drop
        ("¿Pueden enviar muestras?", "Can you send samples?", "es", "en"),  # "pueden" says who
    ],
)
def test_people_kept(source: str, output: str, src: str, tgt: str) -> None:
    assert not shifted(source, output, src, tgt)


def test_persons_read_pronouns_only() -> None:
    assert persons("我们和你们，还有他们", "zh") == {"1p", "2", "3p"}
    assert persons("我觉得您说得对", "zh") == {"1s", "2"}
    assert persons("Our price, your logo, their port", "en") == {"1p", "2", "3p"}
    assert persons("nuestro precio, ¿y usted?", "es") == {"1p", "2"}
    assert persons("⟦0⟧ pieces", "en") == frozenset()
    assert persons("你好！您好，你们好", "zh") == frozenset()  # greetings
    assert persons("anything", "xx") is None


LANG = st.sampled_from(["en", "zh", "es"])


@given(st.text(max_size=80), LANG)
def test_a_text_never_shifts_from_itself(text: str, lang: str) -> None:
    assert not shifted(text, text, lang, lang)


@given(st.text(max_size=80), st.text(max_size=80), LANG, LANG)
def test_shifted_means_different_people(source: str, output: str, src: str, tgt: str) -> None:
    if shifted(source, output, src, tgt):
        assert persons(source, src) != persons(output, tgt)


def _observation(shifted_: bool) -> Observation:
    return Observation("zh", "en", "src", "out", (), False, shifted_)


def test_the_gate_doubts_a_shift_unless_it_is_off() -> None:
    gate = GateConfig(Thresholds())
    verdict = _observation(True).verdict(gate)
    assert verdict.uncertain and "pronouns" in verdict.doubts
    assert not _observation(False).verdict(gate).uncertain
    assert not _observation(True).verdict(GateConfig.off()).uncertain


SWAPPED: dict[Pair, dict[str, str]] = {
    ("zh", "en"): {"你们能送到他们仓库吗？": "Can you deliver to our warehouse?"},
    ("en", "zh"): {"Can you deliver to our warehouse?": "你们能送到他们仓库吗？"},  # a perfect round trip
}


@pytest.fixture
async def translator() -> AsyncIterator[ArgosTranslator]:
    t = ArgosTranslator(table_engine(SWAPPED), window=0.001, gate=GateConfig(Thresholds()))
    yield t
    await t.aclose()


async def test_a_fluent_sure_swap_arrives_uncertain(translator: ArgosTranslator) -> None:
    """High score, perfect round trip, every span kept: only the people changed."""
    result = await translator.translate("你们能送到他们仓库吗？", "zh", ["en"])
    assert result["en"].text == "Can you deliver to our warehouse?"
    assert result["en"].uncertain and result["en"].doubts == ("pronouns",)
