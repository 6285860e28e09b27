"""ArgosTranslator over a fake engine: routing, pivot, cache, and never raising."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from translation.api import PairInfo, Translation, Translator
from translation.confidence import GateConfig
from translation.engine import Pair, plan_threads, route
from translation.fake import FakeEngine
from translation.service import ArgosTranslator, open_translator

PAIRS = {("en", "zh"), ("zh", "en"), ("en", "es"), ("es", "en")}
# These tests are about routing, protection, batching and failures; tests/test_translation_gate.py
# covers the confidence gate.
OFF = GateConfig.off()


@pytest.fixture
async def engine() -> FakeEngine:
    return FakeEngine(PAIRS)


@pytest.fixture
async def translator(engine: FakeEngine) -> AsyncIterator[ArgosTranslator]:
    t = ArgosTranslator(engine, timeout=1.0, window=0.002, gate=OFF)
    yield t
    await t.aclose()


def test_route() -> None:
    assert route(PAIRS, "zh", "en") == [("zh", "en")]
    assert route(PAIRS, "zh", "es") == [("zh", "en"), ("en", "es")]
    assert route(PAIRS, "zh", "fr") is None
    assert route(PAIRS, "en", "en") == []


def test_thread_plan_never_oversubscribes() -> None:
    for workers in (1, 2, 4):
        plan = plan_threads(workers, cores=2)
        assert plan.inter_threads * plan.intra_threads == 2


async def test_is_a_translator(translator: ArgosTranslator) -> None:
    typed: Translator = translator
    assert typed.languages() == ["en", "es", "zh"]
    assert PairInfo("zh", "es", "en", ("argos", "argos")) in typed.pairs()
    assert PairInfo("en", "zh", None, ("argos",)) in typed.pairs()
    assert len(typed.pairs()) == 6
    assert typed.can_translate("zh", "es")
    assert not typed.can_translate("zh", "fr")
    assert not typed.can_translate("en", "en")


async def test_translates_once_per_target(translator: ArgosTranslator, engine: FakeEngine) -> None:
    result = await translator.translate("Hello there.", "en", ["zh", "es", "en", "zh"])
    assert result == {
        "zh": Translation("[zh] Hello there.", True),
        "es": Translation("[es] Hello there.", True),
        "en": Translation("Hello there.", False),
    }
    assert sorted(pair for pair, _ in engine.calls) == [("en", "es"), ("en", "zh")]


async def test_pivot_through_english_reuses_the_english_hop(
    translator: ArgosTranslator, engine: FakeEngine
) -> None:
    result = await translator.translate("你好", "zh", ["en", "es"])
    assert result["en"] == Translation("[en] 你好", True)
    assert result["es"] == Translation("[es] [en] 你好", True)
    assert sorted(pair for pair, _ in engine.calls) == [("en", "es"), ("zh", "en")]


async def test_missing_pair_returns_original(translator: ArgosTranslator) -> None:
    result = await translator.translate("Bonjour", "fr", ["en"])
    assert result == {"en": Translation("Bonjour", False)}
    result = await translator.translate("Hello", "en", ["de"])
    assert result == {"de": Translation("Hello", False)}


async def test_trade_terms_are_protected_and_restored(engine: FakeEngine) -> None:
    seen: list[str] = []

    def rewrite(pair: Pair, sentence: str) -> str:
        seen.append(sentence)
        return "MOQ ⟦0⟧ pieces, price ⟦1⟧ ⟦2⟧ dollars."

    t = ArgosTranslator(FakeEngine(PAIRS, rewrite=rewrite), window=0.001, gate=OFF)
    try:
        result = await t.translate("我们的最小起订量是500件，FOB深圳价格是6.80美元", "zh", ["en"])
        assert seen == ["我们的最小起订量是⟦0⟧件，⟦1⟧深圳价格是⟦2⟧美元"]
        assert result["en"] == Translation("MOQ 500 pieces, price FOB 6.80 dollars.", True)
    finally:
        await t.aclose()


async def test_each_sentence_is_numbered_from_zero_and_reassembled() -> None:
    seen: list[str] = []

    def rewrite(pair: Pair, sentence: str) -> str:
        seen.append(sentence)
        return sentence.upper()

    t = ArgosTranslator(FakeEngine(PAIRS, rewrite=rewrite), window=0.001, gate=OFF)
    try:
        result = await t.translate("Price is 6.80 USD. MOQ is 500.\nThanks!", "en", ["es"])
        assert sorted(seen) == sorted(["Price is ⟦0⟧ ⟦1⟧.", "MOQ is ⟦0⟧.", "Thanks!"])
        assert result["es"].text == "PRICE IS 6.80 USD. MOQ IS 500.\nTHANKS!"
    finally:
        await t.aclose()


async def test_dropped_placeholder_is_repaired(engine: FakeEngine) -> None:
    t = ArgosTranslator(FakeEngine(PAIRS, rewrite=lambda pair, s: "the price"), window=0.001, gate=OFF)
    try:
        result = await t.translate("FOB price 6.80", "en", ["zh"])
        # Repaired, never trusted: a span the model lost makes the translation uncertain.
        assert result["zh"] == Translation("the price FOB 6.80", True, True, ("coverage",))
        assert t.repairs == 1
    finally:
        await t.aclose()


async def test_nothing_to_translate_is_returned_as_is(
    translator: ArgosTranslator, engine: FakeEngine
) -> None:
    for text in ["500", "FOB 6.80 USD", "https://example.com", "  ", "", "!!"]:
        result = await translator.translate(text, "en", ["zh"])
        assert result == {"zh": Translation(text, False)}
    assert engine.calls == []


async def test_cache_hits_skip_the_engine(translator: ArgosTranslator, engine: FakeEngine) -> None:
    first = await translator.translate("hello", "en", ["zh"])
    second = await translator.translate("hello", "en", ["zh"])
    assert first == second
    assert len(engine.calls) == 1
    assert translator.cache.hits == 1


async def test_engine_failure_returns_original_and_is_not_cached() -> None:
    engine = FakeEngine(PAIRS, fail=True)
    t = ArgosTranslator(engine, window=0.001, gate=OFF)
    try:
        assert await t.translate("hello", "en", ["zh", "es"]) == {
            "zh": Translation("hello", False),
            "es": Translation("hello", False),
        }
        assert t.failures == 2
        engine.fail = False
        assert await t.translate("hello", "en", ["zh"]) == {"zh": Translation("[zh] hello", True)}
    finally:
        await t.aclose()


async def test_timeout_returns_original_quickly() -> None:
    t = ArgosTranslator(FakeEngine(PAIRS, delay=0.5), timeout=0.05, window=0.001, gate=OFF)
    try:
        async with asyncio.timeout(0.4):
            result = await t.translate("hello", "en", ["zh"])
        assert result == {"zh": Translation("hello", False)}
    finally:
        await t.aclose()


async def test_pivot_failure_keeps_the_direct_target() -> None:
    def rewrite(pair: Pair, sentence: str) -> str:
        if pair == ("en", "es"):
            raise RuntimeError("es model broken")
        return f"[{pair[1]}] {sentence}"

    t = ArgosTranslator(FakeEngine(PAIRS, rewrite=rewrite), window=0.001, gate=OFF)
    try:
        result = await t.translate("你好", "zh", ["en", "es"])
        assert result == {"en": Translation("[en] 你好", True), "es": Translation("你好", False)}
    finally:
        await t.aclose()


async def test_many_concurrent_messages_are_batched(engine: FakeEngine) -> None:
    t = ArgosTranslator(engine, window=0.01, gate=OFF)
    try:
        results = await asyncio.gather(*(t.translate(f"message {i}", "en", ["zh", "es"]) for i in range(50)))
        assert all(r["zh"].translated and r["es"].translated for r in results)
        assert len(engine.calls) <= 6
    finally:
        await t.aclose()


async def test_detect(translator: ArgosTranslator) -> None:
    assert await translator.detect("我们的最小起订量是500件") == "zh"
    assert await translator.detect("What is your best price for 500 pieces?") == "en"
    assert await translator.detect("¿Cuál es el precio mínimo?") == "es"
    assert await translator.detect("500") is None
    # A language no model reads is not passed off as its neighbour: Portuguese is not Spanish.
    assert await translator.detect("Bom dia, qual é o prazo de entrega para 500 peças?") is None


async def test_aclose_closes_the_engine(engine: FakeEngine) -> None:
    t = ArgosTranslator(engine, gate=OFF)
    await t.translate("hi", "en", ["zh"])
    await t.aclose()
    assert engine.closed


async def test_open_translator_with_no_packages(tmp_path: Path) -> None:
    async with open_translator(tmp_path / "models") as t:
        assert t.languages() == []
        assert await t.translate("hello", "en", ["zh"]) == {"zh": Translation("hello", False)}


async def test_a_corrupt_package_is_skipped_not_fatal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "models" / "en_zh"
    (broken / "model").mkdir(parents=True)
    (broken / "model" / "model.bin").write_bytes(b"not a model")
    (broken / "sentencepiece.model").write_bytes(b"nope")
    (broken / "metadata.json").write_text('{"from_code": "en", "to_code": "zh"}')
    async with open_translator(tmp_path / "models") as t:
        assert t.languages() == []
        assert await t.translate("hello", "en", ["zh"]) == {"zh": Translation("hello", False)}
    assert "cannot load translation package" in caplog.text
