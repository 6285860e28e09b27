"""Translated chat through real sockets with the real bundled models: a zh supplier, an en buyer
and an es buyer each read every message in their own language, trade terms intact."""

from __future__ import annotations

import re

from tests.support import Client, Server

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
            if lang == src:
                assert m["text"] == text and m["translated"] is False
                continue
            assert m["translated"] is True, (lang, m)
            assert m["text"] != text
            # Numbers, codes, e-mails and Incoterms come through unchanged.
            for term in NUMBERS.findall(text) + re.findall(r"\b(?:FOB|CIF|BW-P6060)\b|\S+@\S+\.uk", text):
                assert term in m["text"], (term, lang, m["text"])
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
