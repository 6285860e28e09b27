"""Products in the reader's language, through a real server, real sockets and the bundled models:
a Spanish buyer in the zh LED booth reads the supplier's own Spanish where the booth gives it, a
machine translation (flagged) where it does not; staff corrections win; a glossary edit re-translates."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from rooms.models import Product, ProductTranslation
from server import responses
from server.keys import FAIR
from tests.support import Server

LED = "shenzhen-brightway-led"
HAN = re.compile(r"[\u4e00-\u9fff]")


async def _strip_spanish(s: Server, sku: str) -> int:
    """The demo gives every product in es; take it away from one, as a supplier who never wrote it."""
    assert s.app is not None
    async with s.app[FAIR].db.session() as db:
        p = (await db.execute(select(Product).where(Product.sku == sku))).scalar_one()
        p.i18n = {k: v for k, v in p.i18n.items() if k != "es"}
        return p.id


async def _join(s: Server, token: str, booth_id: int) -> dict[str, Any]:
    c = await s.client(token)
    ack = await c.call("booth:join", {"booth_id": booth_id})
    assert ack["ok"], ack
    return dict(ack)


async def _stored(s: Server, product_id: int, lang: str) -> int:
    assert s.app is not None
    async with s.app[FAIR].db.reader() as db:
        q = (
            select(func.count())
            .select_from(ProductTranslation)
            .where(ProductTranslation.product_id == product_id, ProductTranslation.lang == lang)
        )
        return int((await db.execute(q)).scalar_one())


def _by_sku(products: list[dict[str, Any]], sku: str) -> dict[str, Any]:
    return next(p for p in products if p["sku"] == sku)


async def test_spanish_buyer_reads_the_suppliers_own_spanish(live_server: Server) -> None:
    s = live_server
    sup_tok, sup = await s.supplier(LED)
    booth_id = sup["booth_id"]
    sup_client = await s.client(sup_tok)
    assert (await sup_client.call("booth:join", {"booth_id": booth_id}))["ok"]
    es_tok, _ = await s.guest("Lucía", "es")
    es = await s.client(es_tok)
    en_tok, _ = await s.guest("Ben", "en")
    en = await s.client(en_tok)
    for c in (es, en):
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    panel = _by_sku((await _join(s, es_tok, booth_id))["booth"]["products"], "BW-P6060")

    ack = await sup_client.call("product:pin", {"booth_id": booth_id, "product_id": panel["id"]})
    assert ack["ok"] and ack["pinned_product"]["localized"]["name"] == "LED面板灯", ack
    # The broadcast carries each language present; the contract's fields are unchanged.
    for c, lang, name in ((es, "es", "panel LED"), (en, "en", "LED panel light")):
        event = await c.events.wait_for("product:pinned", timeout=15)
        pinned = event["pinned_product"]
        assert pinned["name"] == "LED面板灯" and pinned["i18n"]["es"]["name"] == "panel LED"
        local = pinned["localized_by_lang"][lang]
        assert local["name"] == name and local["i18n_source"] == "supplier" and local["translated"] is False

    join = await _join(s, es_tok, booth_id)
    for p in join["booth"]["products"]:
        local = p["localized"]
        assert local["lang"] == "es" and local["i18n_source"] == "supplier" and local["uncertain"] is False
        assert (
            local["name"] == p["i18n"]["es"]["name"]
            and local["description"] == p["i18n"]["es"]["description"]
        )
        assert local["unit"] == p["i18n"]["es"]["unit"]
    assert join["pinned_product"]["localized"]["name"] == "panel LED"

    status, detail = await s.get(f"/api/booths/{LED}?lang=es")
    assert status == 200 and _by_sku(detail["products"], "BW-P6060")["localized"]["name"] == "panel LED"
    responses.BoothDetail.model_validate(detail)
    status, plain = await s.get(f"/api/booths/{LED}")
    assert status == 200 and "localized" not in plain["products"][0]  # the contract as before
    assert (await s.get(f"/api/booths/{LED}?lang=<b>"))[0] == 400


async def test_machine_translation_when_the_supplier_gave_none(fair_server: Server) -> None:
    s = fair_server  # SQLite and PostgreSQL: the stored rows are written with each one's upsert
    booth_id = await s.booth_id(LED)
    pid = await _strip_spanish(s, "BW-HB150")
    es_tok, _ = await s.guest("Lucía", "es")
    local = _by_sku((await _join(s, es_tok, booth_id))["booth"]["products"], "BW-HB150")["localized"]
    assert local["i18n_source"] == "machine" and local["translated"] is True, local
    assert isinstance(local["uncertain"], bool)
    assert local["fields"]["name"]["i18n_source"] == "machine"
    assert local["name"] and not HAN.search(local["name"]) and local["name"] != "工矿灯", local
    assert not HAN.search(local["description"]), local
    assert local["unit"] == "件"  # no Spanish unit given: the supplier's own
    assert await _stored(s, pid, "es") == 2  # name and description, made once

    # Read again: the stored rows, not a second translation.
    tok2, _ = await s.guest("Pablo", "es")
    again = _by_sku((await _join(s, tok2, booth_id))["booth"]["products"], "BW-HB150")["localized"]
    assert again == local and await _stored(s, pid, "es") == 2

    # A language no model writes: the supplier's own English (the demo gives one), said so.
    fr_tok, _ = await s.guest("Jean", "fr")
    fr = _by_sku((await _join(s, fr_tok, booth_id))["booth"]["products"], "BW-HB150")["localized"]
    assert fr["name"] == "high bay light" and fr["i18n_source"] == "original" and fr["translated"] is False
    assert fr["fields"]["name"]["text_lang"] == "en"


async def test_a_correction_from_staff_wins(live_server: Server) -> None:
    s = live_server
    sup_tok, sup = await s.supplier(LED)
    booth_id = sup["booth_id"]
    pid = await _strip_spanish(s, "BW-HB150")

    status, view = await s.get(f"/api/booths/{booth_id}/products/i18n", sup_tok)
    assert status == 200, view
    responses.ProductTextsOut.model_validate(view)  # the answer matches the OpenAPI document
    assert view["lang"] == "zh" and "es" in view["languages"] and "zh" not in view["languages"]
    texts = next(p for p in view["products"] if p["id"] == pid)["texts"]
    assert texts["es"]["i18n_source"] == "machine" and texts["en"]["i18n_source"] == "supplier"

    path = f"/api/booths/{booth_id}/products/{pid}/i18n/es"
    status, data = await s.request("PATCH", path, sup_tok, json={"name": "  campana LED industrial "})
    assert status == 200, data
    responses.ProductCorrectionOut.model_validate(data)
    local = data["product"]["localized"]
    assert local["name"] == "campana LED industrial" and local["fields"]["name"]["i18n_source"] == "supplier"
    assert local["fields"]["description"]["i18n_source"] == "machine"  # still the machine's, flagged

    es_tok, _ = await s.guest("Lucía", "es")
    joined = _by_sku((await _join(s, es_tok, booth_id))["booth"]["products"], "BW-HB150")
    assert joined["localized"]["name"] == "campana LED industrial"
    assert joined["i18n"]["es"] == {"name": "campana LED industrial"}

    status, data = await s.request("PATCH", path, sup_tok, json={"description": "Para naves."})
    assert status == 200 and data["product"]["localized"]["i18n_source"] == "supplier", data


async def test_corrections_are_for_this_booths_staff_and_validated(live_server: Server) -> None:
    s = live_server
    sup_tok, sup = await s.supplier(LED)
    booth_id = sup["booth_id"]
    other_tok, other = await s.supplier("foshan-comfort-seating")
    buyer_tok, _ = await s.guest("Lucía", "es")
    mod_tok, _ = await s.moderator()
    products = (await s.get(f"/api/booths/{booth_id}"))[1]["products"]
    pid = products[0]["id"]
    other_pid = (await s.get(f"/api/booths/{other['booth_id']}"))[1]["products"][0]["id"]
    path = f"/api/booths/{booth_id}/products/{pid}/i18n/es"
    for tok in (buyer_tok, other_tok, mod_tok):
        assert (await s.request("PATCH", path, tok, json={"name": "x"}))[0] == 403
        assert (await s.get(f"/api/booths/{booth_id}/products/i18n", tok))[0] == 403
    assert (await s.request("PATCH", path, None, json={"name": "x"}))[0] == 401
    assert (await s.get(f"/api/booths/{booth_id}/products/i18n"))[0] == 401
    bad: list[tuple[str, Any, int]] = [
        (path, {}, 400),
        (path, {"name": ""}, 400),
        (path, {"name": "  "}, 400),
        (path, {"name": 5}, 400),
        (path, {"name": "a\x07"}, 400),
        (path, {"name": "x" * 161}, 400),
        (path, {"evil": 1}, 400),
        (path, {"description": "\u202eevil"}, 400),
        (path, [], 400),
        (f"/api/booths/{booth_id}/products/{pid}/i18n/zh", {"name": "x"}, 400),  # the booth's own language
        (f"/api/booths/{booth_id}/products/{pid}/i18n/EN", {"name": "x"}, 400),
        (f"/api/booths/{booth_id}/products/{other_pid}/i18n/es", {"name": "x"}, 404),
        (f"/api/booths/{booth_id}/products/99999999999/i18n/es", {"name": "x"}, 404),
    ]
    for p, body, want in bad:
        status, data = await s.request("PATCH", p, sup_tok, json=body)
        assert status == want and data["error"]["code"], (p, body, status, data)
    # Rate limited: a burst, then `rate_limited` with a wait.
    codes = [(await s.request("PATCH", path, sup_tok, json={"name": f"panel {i}"}))[0] for i in range(12)]
    assert codes[0] == 200 and 429 in codes, codes


async def test_a_glossary_edit_translates_again(live_server: Server) -> None:
    s = live_server
    sup_tok, sup = await s.supplier(LED)
    booth_id = sup["booth_id"]
    pid = await _strip_spanish(s, "BW-HB150")
    es_tok, _ = await s.guest("Lucía", "es")
    first = _by_sku((await _join(s, es_tok, booth_id))["booth"]["products"], "BW-HB150")["localized"]
    assert first["i18n_source"] == "machine"
    status, term = await s.post(
        f"/api/booths/{booth_id}/glossary",
        {"term": "工矿灯", "translations": {"es": "lámpara de nave"}},
        sup_tok,
    )
    assert status == 201, term
    tok2, _ = await s.guest("Pablo", "es")
    second = _by_sku((await _join(s, tok2, booth_id))["booth"]["products"], "BW-HB150")["localized"]
    assert second["name"] == "lámpara de nave" and second["fields"]["name"]["uncertain"] is False, second
    # The description is made again under the new glossary version; the old row is never read.
    assert second["fields"]["description"]["i18n_source"] == "machine"
    assert await _stored(s, pid, "es") == 3


async def test_a_traditional_chinese_reader_gets_the_suppliers_own_chinese_converted(live_server: Server) -> None:
    """A Spanish booth that wrote its products in Chinese too: a Taiwan buyer reads that Chinese in
    Traditional script (exact), not the booth's Spanish machine-translated into Chinese again (it
    read "瓷質地磚瓷質地磚瓷質地磚瓷質地磚", flagged doubtful). A Chinese booth's own texts likewise."""
    from translation.variants import to_variant

    s = live_server
    ceramica = await s.booth_id("valencia-ceramica")
    tw_tok, _ = await s.guest("Mei", "zh-Hant")
    products = (await _join(s, tw_tok, ceramica))["booth"]["products"]
    assert products
    for p in products:
        own = p["i18n"]["zh"]
        local = p["localized"]
        assert local["name"] == to_variant("zh-Hant", own["name"]), p
        assert local["fields"]["name"] == {"i18n_source": "supplier", "uncertain": False, "text_lang": "zh-Hant"}
        assert not local["uncertain"]
        assert await _stored(s, p["id"], "zh-Hant") == 0  # nothing translated, nothing stored
    led = _by_sku((await _join(s, tw_tok, await s.booth_id(LED)))["booth"]["products"], "BW-HB150")
    assert led["localized"]["name"] == to_variant("zh-Hant", led["name"]) and not led["localized"]["uncertain"]


async def test_a_reader_with_no_model_gets_the_suppliers_english_not_the_booths_chinese(live_server: Server) -> None:
    """A Portuguese buyer of a Chinese booth: no model translates zh→pt, and the supplier wrote
    English texts; the buyer reads those (a user try's buyer got the Chinese), marked original."""
    s = live_server
    pt_tok, _ = await s.guest("João", "pt")
    products = (await _join(s, pt_tok, await s.booth_id(LED)))["booth"]["products"]
    panel = _by_sku(products, "BW-HB150")
    local = panel["localized"]
    assert local["name"] == panel["i18n"]["en"]["name"] and not HAN.search(local["name"])
    assert local["i18n_source"] == "original" and not local["translated"] and not local["uncertain"]
    assert local["fields"]["name"] == {"i18n_source": "original", "uncertain": False, "text_lang": "en"}
    # A reader the models serve still gets their language, and says so.
    es_tok, _ = await s.guest("Lucía", "es")
    es = _by_sku((await _join(s, es_tok, await s.booth_id(LED)))["booth"]["products"], "BW-HB150")
    assert es["localized"]["fields"]["name"]["text_lang"] == "es"
