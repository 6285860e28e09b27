"""Apertium (Debian's apertium-eng-spa) as the engine of a pair: real pipelines, never linked.

`scripts/install --dev` installs it; these tests run it for real.
"""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from server.settings import Settings
from tests.conftest import serve_fair
from tests.support import Server
from translation.apertium import ApertiumEngine, available_pairs, deformat, reformat
from translation.composite import parse_choice
from translation.service import ArgosTranslator, open_translator

pytestmark = pytest.mark.skipif(
    not available_pairs(), reason="apertium-eng-spa is missing: run scripts/install --dev"
)


def test_the_pairs_are_installed_where_the_suite_runs() -> None:
    # The skip above is for a developer's laptop; on CI the engine must be there and run.
    if os.environ.get("CI"):
        assert available_pairs() == {("en", "es"), ("es", "en")}


def test_stream_format_round_trips_reserved_characters() -> None:
    request = deformat("we pay [T/T] $5 @home <b> \\ {x}")
    assert request.endswith(b"[][\n]\0") and b"\\[T\\/T\\]" in request and b"\\$5" in request
    # Apertium's answer: escapes, its unknown-word marks, our line-end superblank.
    text, marks = reformat("Aceptamos \\[*T\\/*T\\] \\$5 \\@casa \\<*b\\>[][\n]")
    assert text == "Aceptamos [T/T] $5 @casa <b>"
    assert marks == 3
    assert reformat("Aceptamos ⟦0⟧ y el plazo es ⟦1⟧ días .[][\n]") == ("Aceptamos ⟦0⟧ y el plazo es ⟦1⟧ días.", 0)


def test_engine_translates_keeps_placeholders_and_counts_unknown_words() -> None:
    engine = ApertiumEngine()
    try:
        out = engine.translate_batch(("en", "es"), ["We need ⟦0⟧ samples.", "The blorfy widget is great.", "hello"])
        assert out[0].text == "Necesitamos ⟦0⟧ muestras."
        assert out[0].unknown == 0 and out[0].scored is False
        assert out[1].unknown >= 1 and "*" not in out[1].text  # the mark is counted, not shown
        assert out[2].text.lower() == "hola"
        back = engine.translate_batch(("es", "en"), ["Necesitamos ⟦0⟧ muestras."])
        assert back[0].text == "We need ⟦0⟧ samples."
        # Many requests in one batch come back in order, one answer each.
        many = engine.translate_batch(("en", "es"), [f"We need ⟦{i % 10}⟧ samples." for i in range(300)])
        assert [h.text for h in many] == [f"Necesitamos ⟦{i % 10}⟧ muestras." for i in range(300)]
    finally:
        engine.close()


def test_a_killed_pipeline_is_restarted_on_the_next_batch() -> None:
    engine = ApertiumEngine({("en", "es")})
    try:
        assert engine.translate_batch(("en", "es"), ["hello"])[0].text.lower() == "hola"
        pipeline = engine._pipelines[("en", "es")]
        assert pipeline.proc is not None
        os.killpg(pipeline.proc.pid, signal.SIGKILL)
        pipeline.proc.wait(timeout=5)
        assert engine.translate_batch(("en", "es"), ["hello"])[0].text.lower() == "hola"
    finally:
        engine.close()
    assert engine._pipelines[("en", "es")].proc is None  # closed: no child left behind


def test_engine_choice_is_parsed_strictly() -> None:
    assert parse_choice("en-es=apertium, es-en=argos") == {("en", "es"): "apertium", ("es", "en"): "argos"}
    for bad in ("en-es", "en=apertium", "en-es=google", "-es=apertium"):
        with pytest.raises(ValueError):
            parse_choice(bad)
    with pytest.raises(SystemExit, match="BOOTHCAST_TRANSLATION_ENGINES"):
        Settings.from_env({"BOOTHCAST_TRANSLATION_ENGINES": "en-es=babelfish"})


async def test_apertium_pairs_are_delivered_but_never_vouched_for(tmp_path: Path) -> None:
    choice = {("en", "es"): "apertium", ("es", "en"): "apertium"}
    async with open_translator(tmp_path / "models", bundled=True, timeout=30.0, engines=choice) as tr:
        assert isinstance(tr, ArgosTranslator)
        engines = {(p.source, p.target): p.engines for p in tr.pairs()}
        assert engines[("en", "es")] == ("apertium",) and engines[("zh", "en")] == ("argos",)
        assert engines[("zh", "es")] == ("argos", "apertium")  # the pivot's second hop
        out = await tr.translate("We need 500 samples with CE marking by May 3.", "en", ["es", "zh"])
        es = out["es"]
        assert es.translated and "500" in es.text and "CE" in es.text
        # No probabilities, and no threshold made it safe on the held-out set: always uncertain.
        assert es.uncertain and "unscored" in es.doubts
        assert out["zh"].translated  # other pairs keep their engine and their gate


@pytest.fixture
async def apertium_server(templates: Callable[[str], str], tmp_path: Path, models_dir: Path) -> AsyncIterator[Server]:
    engines = {("en", "es"): "apertium", ("es", "en"): "apertium"}
    async for server in serve_fair("sqlite", templates, tmp_path, models_dir, translation_engines=engines):
        yield server


async def test_the_api_names_the_engine_of_every_pair(apertium_server: Server) -> None:
    status, body = await apertium_server.get("/api/translation")
    assert status == 200
    pairs = {(p["source"], p["target"]): p for p in body["pairs"]}
    assert pairs[("en", "es")]["engines"] == ["apertium"] and pairs[("en", "zh")]["engines"] == ["argos"]
    assert pairs[("es", "zh")]["via"] == "en" and pairs[("es", "zh")]["engines"] == ["apertium", "argos"]
    # And a Spanish buyer's question reaches an English reader through Apertium, marked uncertain.
    tok, _ = await apertium_server.guest("Lucía", "es")
    etok, _ = await apertium_server.guest("Ben", "en")
    booth_id = await apertium_server.booth_id("leeds-packaging")
    es, en = await apertium_server.client(tok), await apertium_server.client(etok)
    for c in (es, en):
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    ack = await es.call("chat:send", {"booth_id": booth_id, "text": "Necesitamos 500 cajas."})
    assert ack["ok"], ack
    msg = await en.wait_message(lambda m: m["id"] == ack["message"]["id"], timeout=20)
    assert msg["translated"] is True and msg["uncertain"] is True and "500" in msg["text"]
