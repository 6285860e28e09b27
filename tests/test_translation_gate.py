"""The confidence gate: a doubtful translation is delivered marked `uncertain`, a sure one is not.

A dictionary engine plays the model: it knows a few sentences in both directions (so round trips
agree), and each test breaks one signal at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from translation.confidence import GateConfig, Observation, Signals, Thresholds, judge, leftover, repeated
from translation.engine import Hypothesis, Pair
from translation.fake import FakeEngine
from translation.glossary import Glossary, GlossaryTerm
from translation.service import ArgosTranslator

PAIRS = {("en", "zh"), ("zh", "en"), ("en", "es"), ("es", "en")}
GATE = GateConfig(Thresholds(min_score=-0.5, min_roundtrip=60.0))

DICTIONARY: dict[Pair, dict[str, str]] = {
    ("en", "zh"): {
        "The MOQ is ⟦0⟧ pieces.": "最小起订量是⟦0⟧件。",
        "Can you send samples?": "可以寄样品吗？",
        "We have ⟦0⟧ and ⟦1⟧ certificates.": "我们有⟦0⟧和⟦1⟧认证。",
    },
    ("zh", "en"): {
        "最小起订量是⟦0⟧件。": "The MOQ is ⟦0⟧ pieces.",
        "可以寄样品吗？": "Can you send samples?",
        "我们有⟦0⟧和⟦1⟧认证。": "We have ⟦0⟧ and ⟦1⟧ certificates.",
        "⟦0⟧的灯很好。": "⟦0⟧ lamps are good.",
    },
    ("en", "es"): {
        "The MOQ is ⟦0⟧ pieces.": "El pedido mínimo es de ⟦0⟧ piezas.",
        "Can you send samples?": "¿Pueden enviar muestras?",
        "⟦0⟧ lamps are good.": "Las lámparas ⟦0⟧ son buenas.",
    },
    ("es", "en"): {
        "El pedido mínimo es de ⟦0⟧ piezas.": "The MOQ is ⟦0⟧ pieces.",
        "¿Pueden enviar muestras?": "Can you send samples?",
        "Las lámparas ⟦0⟧ son buenas.": "⟦0⟧ lamps are good.",
    },
}


class DictionaryEngine(FakeEngine):
    """Known sentences translate (and round-trip) exactly; `overrides` break one on purpose."""

    def __init__(self) -> None:
        self.overrides: dict[tuple[Pair, str], Hypothesis] = {}
        super().__init__(PAIRS, rewrite=self._lookup)

    def _lookup(self, pair: Pair, sentence: str) -> Hypothesis:
        if (pair, sentence) in self.overrides:
            return self.overrides[(pair, sentence)]
        return Hypothesis(DICTIONARY[pair].get(sentence, "something else entirely"), -0.05)


@pytest.fixture
def engine() -> DictionaryEngine:
    return DictionaryEngine()


@pytest.fixture
async def translator(engine: DictionaryEngine) -> AsyncIterator[ArgosTranslator]:
    t = ArgosTranslator(engine, window=0.001, gate=GATE)
    yield t
    await t.aclose()


async def test_a_sure_translation_is_not_uncertain(translator: ArgosTranslator) -> None:
    result = await translator.translate("The MOQ is 500 pieces.", "en", ["zh", "es"])
    assert result["zh"].text == "最小起订量是500件。"
    assert not result["zh"].uncertain and not result["es"].uncertain
    assert translator.uncertain == 0


async def test_a_low_model_score_is_uncertain(translator: ArgosTranslator, engine: DictionaryEngine) -> None:
    engine.overrides[(("en", "zh"), "Can you send samples?")] = Hypothesis("可以寄样品吗？", -1.7)
    result = await translator.translate("Can you send samples?", "en", ["zh"])
    assert result["zh"].translated and result["zh"].uncertain
    assert result["zh"].doubts == ("low_score",)


async def test_a_round_trip_that_disagrees_is_uncertain(
    translator: ArgosTranslator, engine: DictionaryEngine
) -> None:
    # Fluent and sure of itself, but it lost the samples: back in English it reads otherwise.
    engine.overrides[(("en", "zh"), "Can you send samples?")] = Hypothesis("我们的最优惠价格是多少？", -0.01)
    engine.overrides[(("zh", "en"), "我们的最优惠价格是多少？")] = Hypothesis("What is our best price?", -0.01)
    result = await translator.translate("Can you send samples?", "en", ["zh"])
    assert result["zh"].text == "我们的最优惠价格是多少？"
    assert result["zh"].uncertain
    assert "round_trip" in result["zh"].doubts


async def test_a_pivot_is_judged_on_both_hops(translator: ArgosTranslator, engine: DictionaryEngine) -> None:
    result = await translator.translate("最小起订量是500件。", "zh", ["es"])
    assert result["es"].text == "El pedido mínimo es de 500 piezas." and not result["es"].uncertain
    engine.overrides[(("en", "es"), "Can you send samples?")] = Hypothesis("¿Pueden enviar muestras?", -2.0)
    result = await translator.translate("可以寄样品吗？", "zh", ["en", "es"])
    assert not result["en"].uncertain
    assert result["es"].uncertain and result["es"].doubts == ("low_score",)


async def test_words_the_model_never_saw_are_uncertain(
    translator: ArgosTranslator, engine: DictionaryEngine
) -> None:
    engine.overrides[(("en", "zh"), "Can you send samples?")] = Hypothesis("可以寄样品吗？", -0.01, unknown=2)
    result = await translator.translate("Can you send samples?", "en", ["zh"])
    assert result["zh"].uncertain and "unknown_words" in result["zh"].doubts


async def test_a_lost_or_invented_figure_is_uncertain(
    translator: ArgosTranslator, engine: DictionaryEngine
) -> None:
    engine.overrides[(("en", "zh"), "The MOQ is ⟦0⟧ pieces.")] = Hypothesis("最小起订量是件。", -0.01)
    lost = await translator.translate("The MOQ is 500 pieces.", "en", ["zh"])
    assert lost["zh"].text == "最小起订量是件500。"  # repaired, so the figure is still there...
    assert lost["zh"].uncertain and "coverage" in lost["zh"].doubts  # ...but never trusted
    engine.overrides[(("en", "es"), "The MOQ is ⟦0⟧ pieces.")] = Hypothesis(
        "El pedido mínimo es de ⟦0⟧ piezas por 30 días.", -0.01
    )
    invented = await translator.translate("The MOQ is 500 pieces.", "en", ["es"])
    assert invented["es"].uncertain and "invented_number" in invented["es"].doubts


async def test_cached_translations_keep_their_verdict(
    translator: ArgosTranslator, engine: DictionaryEngine
) -> None:
    engine.overrides[(("en", "zh"), "Can you send samples?")] = Hypothesis("可以寄样品吗？", -1.7)
    first = await translator.translate("Can you send samples?", "en", ["zh"])
    calls = len(engine.calls)
    second = await translator.translate("Can you send samples?", "en", ["zh"])
    assert second == first and second["zh"].uncertain
    assert len(engine.calls) == calls


async def test_the_observer_sees_the_raw_signals(translator: ArgosTranslator) -> None:
    seen: list[Observation] = []
    translator.observer = seen.append
    await translator.translate("可以寄样品吗？", "zh", ["es"])
    (obs,) = seen
    assert [hop for hop, _ in obs.hops] == [("zh", "en"), ("en", "es")]
    assert all(sig.roundtrip == 100.0 for _, sig in obs.hops)
    assert not obs.verdict(GATE).uncertain
    strict = GateConfig(Thresholds(), {("zh", "es"): Thresholds(min_score=-0.01)})
    assert obs.verdict(strict).doubts == ("low_score",)  # the pivot route's own thresholds


async def test_glossary_terms_survive_both_directions_and_version_the_cache(engine: DictionaryEngine) -> None:
    t = ArgosTranslator(engine, window=0.001, gate=GATE)
    try:
        v1 = Glossary.of("7:1", [GlossaryTerm("Brightway", {"zh": "明途"})])
        to_en = await t.translate("明途的灯很好。", "zh", ["en", "es"], v1)
        assert to_en["en"].text == "Brightway lamps are good."
        assert to_en["es"].text == "Las lámparas Brightway son buenas."
        v2 = Glossary.of("7:2", [GlossaryTerm("Brightway", {"zh": "明途", "en": "BrightWay Lighting"})])
        again = await t.translate("明途的灯很好。", "zh", ["en"], v2)
        assert again["en"].text == "BrightWay Lighting lamps are good."  # not the cached v1 answer
    finally:
        await t.aclose()


def test_judge_lists_every_doubt() -> None:
    t = Thresholds(min_score=-0.5, min_roundtrip=60.0)
    sure = Signals(score=-0.1, roundtrip=90.0)
    assert not judge(sure, t).uncertain
    bad = Signals(score=-0.9, unknown=1, roundtrip=10.0, length_ratio=5.0, repeated=True, leftover=True, coverage=False)
    assert judge(bad, t).doubts == (
        "coverage", "unknown_words", "low_score", "round_trip", "length", "repetition", "untranslated",
    )  # fmt: skip


def test_shape_signals() -> None:
    assert repeated("你好，你好，你好，你好", "你好", "zh")
    assert not repeated("最小起订量是⟦0⟧件。", "The MOQ is ⟦0⟧ pieces.", "zh")
    assert repeated("the price the price the price", "el precio", "en")
    # a content word said again a few words on is a stutter, unless the source says it again too
    assert repeated("the fabric is 100% cotton, ⟦1⟧ gsm cotton", "面料是100%纯棉，⟦1⟧", "en")
    assert repeated("Sí, muestras muestras gratis", "Yes, free samples", "es")
    assert not repeated("24 piezas por caja, caja ⟦1⟧", "24 pcs per carton, carton ⟦1⟧", "es")
    assert not repeated("ok, we can do it, ok", "好的，可以做，好的", "en")  # no content word
    assert not repeated("the cotton is soft and thick, like all our cotton", "棉又软又厚", "en")  # far apart
    assert leftover("El 面板灯 es bueno", "面板灯很好", "zh", "es")
    assert leftover("这个 panel is good", "this panel is good", "en", "zh")
    assert not leftover("这个LED面板灯很好", "this LED panel is good", "en", "zh")
    assert leftover("the panel is good", "the panel is good", "en", "es")


def test_gate_config_round_trips_through_json(tmp_path: Path) -> None:
    gate = GateConfig(Thresholds(min_score=-0.4), {("en", "zh"): Thresholds(min_roundtrip=70.0)})
    path = tmp_path / "gate.json"
    path.write_text(gate.to_json(), encoding="utf-8")
    loaded = GateConfig.load(path)
    assert loaded.for_pair("en", "zh").min_roundtrip == 70.0
    assert loaded.for_pair("es", "en").min_score == -0.4
    assert GateConfig.load(tmp_path / "missing.json") == GateConfig()
