"""Negation (translation/polarity.py): a "not" dropped or added makes a translation uncertain
through the real layer; words that only look negative do not."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.table_engine import table_engine
from translation.confidence import GateConfig, Observation, Thresholds
from translation.engine import Pair
from translation.polarity import flipped, negated
from translation.service import ArgosTranslator


@pytest.mark.parametrize(
    ("source", "output", "src", "tgt"),
    [
        ("220V single phase is possible with no extra cost", "220V monofásico es posible con costo extra", "en", "es"),
        ("This fabric is 100% cotton, it does not shrink after washing.", "这个面料是100%棉，洗后缩水。", "en", "zh"),
        ("y por la noche en WhatsApp.", "and not on WhatsApp.", "es", "en"),
        ("El mango es de bambú, sin pintura.", "The handle is bamboo, natural paint.", "es", "en"),
        ("订单超过5000美元，送到深圳免费。", "El pedido supera 5000 USD, sin envío a Shenzhen.", "zh", "es"),
        ("我们不接受FOB", "We accept FOB", "zh", "en"),
        ("We can't ship before the 20th", "我们20号前可以发货", "en", "zh"),
        ("The price doesn't include the mould", "El precio incluye el molde", "en", "es"),
        ("还没发货", "It has shipped", "zh", "en"),
    ],
)
def test_negation_dropped_or_added(source: str, output: str, src: str, tgt: str) -> None:
    assert flipped(source, output, src, tgt)


@pytest.mark.parametrize(
    ("source", "output", "src", "tgt"),
    [
        ("Can we pay 20% deposit instead of 30%?", "我们可以付20%定金而不是30%吗？", "en", "zh"),
        ("800 is fine", "800没问题", "en", "zh"),
        ("stainless steel 304, very strong", "304不锈钢，非常结实", "en", "zh"),
        ("is the colour different from the sample?", "颜色和样品不一样吗？", "en", "zh"),
        ("能不能做蓝色？有没有现货？", "Can you make it blue? Is there stock?", "zh", "en"),
        ("Model No. 5 is ready", "El modelo No. 5 está listo", "en", "es"),
        ("es de acero, ¿no?", "it's steel, right?", "es", "en"),
        ("it's steel, isn't it?", "是钢的吧？", "en", "zh"),
        ("We do not accept FOB", "No aceptamos FOB", "en", "es"),
        ("No problem, we can do it", "没问题，我们可以做", "en", "zh"),
        ("sin embargo, el precio sube", "however, the price goes up", "es", "en"),
        ("Wir liefern nicht nach Chile.", "We deliver to Chile.", "de", "en"),  # no table for German
    ],
)
def test_negation_kept(source: str, output: str, src: str, tgt: str) -> None:
    assert not flipped(source, output, src, tgt)


def test_languages_without_a_table_are_not_judged() -> None:
    assert negated("nicht", "de") is None
    assert negated("not", "en") is True and negated("不", "zh") is True and negated("no", "es") is True


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.?", max_size=60))
def test_adding_not_flips_a_plain_sentence(text: str) -> None:
    assume(not negated(text, "en"))
    assume(not text.lstrip(" ,.?").startswith(("only", "matter", "doubt", "problem", "worries")))
    assert not flipped(text, text, "en", "en")
    assert flipped(text, "not " + text, "en", "en")


def _observation(flipped_: bool) -> Observation:
    return Observation("en", "es", "src", "out", (), False, False, flipped_)


def test_the_gate_doubts_a_flip_unless_it_is_off() -> None:
    gate = GateConfig(Thresholds())
    verdict = _observation(True).verdict(gate)
    assert verdict.uncertain and verdict.doubts == ("negation",)
    assert not _observation(False).verdict(gate).uncertain
    assert not _observation(True).verdict(GateConfig.off()).uncertain


FLIPPED: dict[Pair, dict[str, str]] = {
    ("en", "es"): {"The zipper can be silver at no extra cost.": "La cremallera puede ser plateada con costo extra."},
    ("es", "en"): {"La cremallera puede ser plateada con costo extra.": "The zipper can be silver at no extra cost."},
}


@pytest.fixture
async def translator() -> AsyncIterator[ArgosTranslator]:
    t = ArgosTranslator(table_engine(FLIPPED), window=0.001, gate=GateConfig(Thresholds()))
    yield t
    await t.aclose()


async def test_a_fluent_sure_flip_arrives_uncertain(translator: ArgosTranslator) -> None:
    """High score, a perfect round trip, every term kept: only the negation changed."""
    result = await translator.translate("The zipper can be silver at no extra cost.", "en", ["es"])
    assert result["es"].text == "La cremallera puede ser plateada con costo extra."
    assert result["es"].uncertain and result["es"].doubts == ("negation",)
