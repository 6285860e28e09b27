"""Translated chat through real sockets with the real bundled models: a zh supplier, an en buyer
and an es buyer each read every message in their own language, trade terms intact."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from server.keys import FAIR
from tests.support import Client, Server
from translation.numbers import localize

NUMBERS = re.compile(r"\d+(?:[.,]\d+)*")


async def _room(s: Server) -> tuple[int, Client, Client, Client]:
    stok, sup = await s.supplier("shenzhen-brightway-led")
    etok, _ = await s.guest("Ben", "en", company="Acme Lighting", country="GB")
    stok_es, _ = await s.guest("Lucía", "es", company="Luces Lucía", country="ES")
    booth_id = sup["booth_id"]
    zh, en, es = await s.client(stok), await s.client(etok), await s.client(stok_es, batch=True)
    for c in (zh, en, es):
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    return booth_id, zh, en, es


async def test_each_language_reads_every_message_with_terms_intact(live_server: Server) -> None:
    booth_id, zh, en, es = await _room(live_server)
    lines = [
        (zh, "zh", "我们的最小起订量是500件，FOB深圳价格是6.80美元。"),
        (en, "en", "Can you send a sample of BW-P6060 to info@acme-lighting.co.uk?"),
        (es, "es", "¿Cuál es el plazo de entrega para 2000 piezas CIF Valencia?"),
    ]
    acks = []
    for client, _, text in lines:
        ack = await client.call("chat:send", {"booth_id": booth_id, "text": text})
        assert ack["ok"], ack
        acks.append(ack["message"]["id"])
    readers = {"zh": zh, "en": en, "es": es}
    for (_, src, text), msg_id in zip(lines, acks, strict=True):
        for lang, reader in readers.items():
            m = await reader.wait_message(lambda m, i=msg_id: m["id"] == i, timeout=20)
            assert m["original"] == text and m["source_lang"] == src
            assert isinstance(m["uncertain"], bool)
            if lang == src:
                assert m["text"] == text and m["translated"] is False and m["uncertain"] is False
                continue
            assert m["translated"] is True, (lang, m)
            assert m["text"] != text
            # Numbers, codes, e-mails and Incoterms come through: numbers written the reader's way.
            for term in NUMBERS.findall(text) + re.findall(r"\b(?:FOB|CIF|BW-P6060)\b|\S+@\S+\.uk", text):
                assert localize(term, src, lang) in m["text"], (term, lang, m["text"])
    assert any(not re.search(r"[\u4e00-\u9fff]", m["text"]) for m in en.messages() if m["source_lang"] == "zh")
    assert any(re.search(r"[\u4e00-\u9fff]", m["text"]) for m in zh.messages() if m["source_lang"] == "en")


async def test_history_on_join_comes_translated(live_server: Server) -> None:
    booth_id, zh, _, _ = await _room(live_server)
    ack = await zh.call("chat:send", {"booth_id": booth_id, "text": "欢迎来到我们的展位！"})
    assert ack["ok"]
    tok, _ = await live_server.guest("Late", "es")
    late = await live_server.client(tok)
    join = await late.call("booth:join", {"booth_id": booth_id})
    m = next(m for m in join["history"] if m["id"] == ack["message"]["id"])
    assert m["translated"] is True and m["original"] == "欢迎来到我们的展位！" and m["text"] != m["original"]


async def test_no_model_pair_delivers_the_original_untranslated(live_server: Server) -> None:
    booth_id, zh, _, _ = await _room(live_server)
    tok, _ = await live_server.guest("Jean", "fr")
    fr = await live_server.client(tok)
    assert (await fr.call("booth:join", {"booth_id": booth_id}))["ok"]
    ack = await zh.call("chat:send", {"booth_id": booth_id, "text": "样品免费，运费由买家承担。"})
    m = await fr.wait_message(lambda m: m["id"] == ack["message"]["id"], timeout=20)
    assert m["text"] == m["original"] == "样品免费，运费由买家承担。" and m["translated"] is False


async def test_undeclared_language_is_detected(live_server: Server) -> None:
    booth_id, zh, _, _ = await _room(live_server)
    tok, _ = await live_server.guest("Jean", "fr")
    fr = await live_server.client(tok)
    assert (await fr.call("booth:join", {"booth_id": booth_id}))["ok"]
    # A French visitor writes English (no French model is installed): it is read as English.
    ack = await fr.call("chat:send", {"booth_id": booth_id, "text": "What is the price of the LED panel light?"})
    m = await zh.wait_message(lambda m: m["id"] == ack["message"]["id"], timeout=20)
    assert m["source_lang"] == "en" and m["translated"] is True


async def test_pairs_endpoint_reports_direct_and_pivot(live_server: Server) -> None:
    status, body = await live_server.get("/api/translation")
    assert status == 200 and set(body["languages"]) >= {"en", "zh", "es"}
    pairs = {(p["source"], p["target"]): p["via"] for p in body["pairs"]}
    assert pairs[("en", "zh")] is None and pairs[("zh", "es")] == "en"


# Characters no training sentence has: the model cannot know them, so whatever it writes is a guess.
UNKNOWABLE = "这批货用龘靐齉爩包装，起订量是500件。"


async def test_a_message_the_model_cannot_know_arrives_uncertain_everywhere(live_server: Server) -> None:
    booth_id, zh, en, es = await _room(live_server)
    mtok, _ = await live_server.moderator()
    mod = await live_server.client(mtok)
    assert (await mod.call("mod:watch", {}))["ok"]
    ack = await zh.call("chat:send", {"booth_id": booth_id, "text": UNKNOWABLE})
    assert ack["ok"], ack
    msg_id = ack["message"]["id"]
    own = await zh.wait_message(lambda m: m["id"] == msg_id, timeout=20)
    assert own["uncertain"] is False and own["translated"] is False  # the author's own words
    # en reads chat:message, es reads chat:batch: both get the translation, marked uncertain.
    for reader in (en, es):
        m = await reader.wait_message(lambda m: m["id"] == msg_id, timeout=20)
        assert m["translated"] is True and m["uncertain"] is True, m
        assert m["original"] == UNKNOWABLE and "500" in m["text"]
    fed = await mod.events.wait_for("mod:message", lambda m: m["id"] == msg_id)
    assert fed["translated"] is True and fed["uncertain"] is True  # the moderator reads English
    # Stored with the verdict: a late joiner's history says the same.
    tok, _ = await live_server.guest("Late", "en")
    late = await live_server.client(tok)
    join = await late.call("booth:join", {"booth_id": booth_id})
    m = next(m for m in join["history"] if m["id"] == msg_id)
    assert m["translated"] is True and m["uncertain"] is True


async def test_preview_names_the_languages_that_would_get_an_uncertain_translation(live_server: Server) -> None:
    booth_id, zh, _, _ = await _room(live_server)
    ack = await zh.call("chat:preview", {"booth_id": booth_id, "text": UNKNOWABLE})
    assert ack["ok"], ack
    preview = ack
    assert preview["uncertain_langs"] == ["en", "es"]
    for lang in ("en", "es"):
        tr = preview["translations"][lang]
        assert tr["translated"] is True and tr["uncertain"] is True and "unknown_words" in tr["doubts"]
    back = preview["back_translation"]
    assert back is not None and back["via"] in ("en", "es")


async def test_a_burst_is_translated_concurrently_and_delivered_in_seq_order(live_server: Server) -> None:
    assert live_server.app is not None
    translator = live_server.app[FAIR].translator
    original = translator.translate
    in_flight = peak = 0

    async def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            return await original(*args, **kwargs)
        finally:
            in_flight -= 1

    translator.translate = counting  # type: ignore[method-assign]
    booth_id, zh, en, es = await _room(live_server)
    texts = [f"第{i}批货，起订量是{100 * (i + 1)}件，FOB深圳价格。" for i in range(8)]
    acks = await asyncio.gather(*(zh.call("chat:send", {"booth_id": booth_id, "text": t}) for t in texts))
    assert all(a["ok"] for a in acks)
    last = max(a["message"]["seq"] for a in acks)
    for reader in (en, es):
        await reader.wait_message(lambda m: m["seq"] == last, timeout=30)
        seqs = [m["seq"] for m in reader.messages() if m["booth_id"] == booth_id]
        assert seqs == sorted(seqs) and len(seqs) == len(set(seqs)) == len(texts)
    # The fan-out no longer waits for one message's translation before starting the next.
    assert peak > 1


async def test_product_names_reach_every_reader_as_the_supplier_named_them(live_server: Server) -> None:
    # The demo booth's product BW-P6060 is "LED面板灯" / "LED panel light" / "panel LED".
    booth_id, zh, en, es = await _room(live_server)
    ack = await zh.call("chat:send", {"booth_id": booth_id, "text": "今天的LED面板灯有现货。"})
    assert ack["ok"], ack
    m_en = await en.wait_message(lambda m: m["id"] == ack["message"]["id"], timeout=20)
    m_es = await es.wait_message(lambda m: m["id"] == ack["message"]["id"], timeout=20)
    assert "LED panel light" in m_en["text"] and "LED面板灯" not in m_en["text"]
    assert "panel LED" in m_es["text"]
    # And back: an English buyer's "LED panel light" reaches the supplier in the supplier's words.
    ack = await en.call("chat:send", {"booth_id": booth_id, "text": "Is the LED panel light dimmable?"})
    m_zh = await zh.wait_message(lambda m: m["id"] == ack["message"]["id"], timeout=20)
    assert "LED面板灯" in m_zh["text"]


async def test_amounts_reach_each_reader_written_the_way_their_language_writes_them(live_server: Server) -> None:
    """"2.000 unidades" is two thousand in Spanish and two in English: the reader gets 2,000."""
    booth_id, zh, en, es = await _room(live_server)
    sent = {
        es: "Necesitamos 2.000 unidades a 2,95 USD cada una.",
        en: "MOQ is 5,000 pcs at USD 3.20, HS code 8539.50.00.",
    }
    ids = {}
    for client, text in sent.items():
        ack = await client.call("chat:send", {"booth_id": booth_id, "text": text})
        assert ack["ok"], ack
        ids[client] = ack["message"]["id"]
    for reader in (en, zh):
        m = await reader.wait_message(lambda m: m["id"] == ids[es], timeout=20)
        assert "2,000" in m["text"] and "2.95" in m["text"], m
        assert "2.000" not in m["text"] and "2,95" not in m["text"], m
        assert m["original"] == sent[es]
    for reader in (es, zh):
        m = await reader.wait_message(lambda m: m["id"] == ids[en], timeout=20)
        want = ("5000", "3.20") if reader is es else ("5,000", "3.20")  # zh writes numbers as en does
        assert all(w in m["text"] for w in want) and "8539.50.00" in m["text"], m
        assert reader is not es or "5,000" not in m["text"], m
    own = await es.wait_message(lambda m: m["id"] == ids[es], timeout=20)
    assert own["text"] == sent[es]  # the writer's own words, as typed
