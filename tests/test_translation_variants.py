"""Traditional Chinese by exact script conversion (OpenCC), around the real models and over sockets."""

from __future__ import annotations

from pathlib import Path

from tests.support import Server
from translation.service import open_translator
from translation.variants import ScriptVariants, to_base, to_variant

SIMPLIFIED = "我们的最小起订量是500件，FOB深圳价格是6.80美元。软件和信息都免费。"
TRADITIONAL = "我們的最小起訂量是500件，FOB深圳價格是6.80美元。軟體和資訊都免費。"


def test_conversion_is_exact_both_ways_with_taiwan_phrasing() -> None:
    assert to_variant("zh-Hant", SIMPLIFIED) == TRADITIONAL  # 软件 → 軟體, 信息 → 資訊: Taiwan words
    assert to_base("zh-Hant", TRADITIONAL) == SIMPLIFIED


async def test_variants_around_the_real_models(tmp_path: Path) -> None:
    async with open_translator(tmp_path / "models", bundled=True, timeout=30.0) as inner:
        tr = ScriptVariants(inner)
        assert "zh-Hant" in tr.languages()
        pairs = {(p.source, p.target): p for p in tr.pairs()}
        assert pairs[("zh", "zh-Hant")].engines == ("opencc",)
        assert pairs[("en", "zh-Hant")].engines == ("argos", "opencc") and pairs[("en", "zh-Hant")].via == "zh"
        assert pairs[("zh-Hant", "es")].engines == ("opencc", "argos", "argos")
        assert tr.can_translate("zh-Hant", "en") and tr.can_translate("zh", "zh-Hant")

        # A Simplified message: exact for Traditional readers, the usual translation for the rest.
        out = await tr.translate(SIMPLIFIED, "zh", ["zh-Hant", "en", "zh"])
        assert out["zh-Hant"].text == TRADITIONAL and out["zh-Hant"].translated and not out["zh-Hant"].uncertain
        assert out["zh"].text == SIMPLIFIED and not out["zh"].translated
        assert out["en"].translated and "500" in out["en"].text and "6.80" in out["en"].text

        # A Traditional writer: the English reader gets what the Simplified text would give.
        direct = await inner.translate(SIMPLIFIED, "zh", ["en"])
        via = await tr.translate(TRADITIONAL, "zh-Hant", ["en", "zh"])
        assert via["en"] == direct["en"]
        assert via["zh"].text == SIMPLIFIED and via["zh"].translated

        # English to Traditional: the zh translation (and its verdict), converted.
        en = "We accept T/T, and the MOQ is 500 pieces."
        zh = (await inner.translate(en, "en", ["zh"]))["zh"]
        hant = (await tr.translate(en, "en", ["zh-Hant"]))["zh-Hant"]
        assert hant.text == to_variant("zh-Hant", zh.text) and hant.uncertain == zh.uncertain

        # No model for a language: the author's own words come back, never our conversion of them.
        none = await tr.translate(TRADITIONAL, "zh-Hant", ["sw"])
        assert none["sw"].text == TRADITIONAL and not none["sw"].translated


async def test_a_taiwan_buyer_reads_the_supplier_in_traditional(live_server: Server) -> None:
    stok, sup = await live_server.supplier("shenzhen-brightway-led")
    ttok, _ = await live_server.guest("Mei", "zh-Hant", country="TW")
    booth_id = sup["booth_id"]
    supplier, buyer = await live_server.client(stok), await live_server.client(ttok)
    for c in (supplier, buyer):
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    ack = await supplier.call("chat:send", {"booth_id": booth_id, "text": SIMPLIFIED})
    assert ack["ok"], ack
    got = await buyer.wait_message(lambda m: m["id"] == ack["message"]["id"], timeout=20)
    assert got["text"] == TRADITIONAL and got["translated"] is True and got["uncertain"] is False
    # And the buyer's Traditional question reaches the supplier in Simplified.
    ack = await buyer.call("chat:send", {"booth_id": booth_id, "text": "請問軟體可以客製化嗎？"})
    assert ack["ok"], ack
    got = await supplier.wait_message(lambda m: m["id"] == ack["message"]["id"], timeout=20)
    assert got["text"] == "请问软件可以客制化吗？" and got["translated"] is True
    status, body = await live_server.get("/api/translation")
    assert status == 200 and "zh-Hant" in body["languages"]
    assert {"source": "zh", "target": "zh-Hant", "via": None, "engines": ["opencc"]} in body["pairs"]
