"""Products in the reader's language: the supplier's own wording first, else machine translation.

A product's `name` and `description` are written in the booth's language; `i18n` holds the
supplier's own translations, which always win. For any other language the text is translated
once, through the booth's glossary, and stored (`product_translations`) under a hash of the
source text and the glossary version: an edit of either misses the stored row and translates
again, so nothing stale is read.

Lazy, not eager: a language is translated the first time a reader of it asks (a join, a page, a
replay). A booth has a few dozen products and readers come in a handful of its fourteen possible
languages, so translating eagerly for every language would mostly make text nobody reads; lazily
the cost is one bounded wait for the first reader of a language, once. The wait is bounded
(`MT_WAIT_S`): past it the reader gets the original (`i18n_source: "original"`, `translated:
false`) and the next reader gets the translation if it finished meanwhile (the translator keeps
what it made).

A correction from staff becomes the supplier's own translation (`products.i18n`) and wins from
then on; product names are glossary terms (`rooms/glossary_store.py`), so the booth's cached
glossary is dropped too.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from rooms.auth import AuthUser
from rooms.booths import access_booth_by_id, booth_products
from rooms.context import Fair
from rooms.errors import BadRequest, Forbidden, NotFound
from rooms.models import MAX_ID, Booth, Product, ProductTranslation
from rooms.payloads import Json, product_payload
from rooms.plain_text import check_plain
from translation.api import Translation
from translation.glossary import Glossary
from translation.variants import convert_script

__all__ = [
    "FIELDS",
    "MT_WAIT_S",
    "check_lang",
    "do_correct",
    "localize",
    "localize_for_langs",
    "pinned_for_readers",
    "staff_view",
]

FIELDS = ("name", "description")
MT_WAIT_S = 3.0
MAX_LENGTH = {"name": 160, "description": 4000}
MAX_STAFF_LANGS = 20
FALLBACK_LANG = "en"  # what a reader gets, of the supplier's own texts, when none is in their language
CORRECTIONS_PER_MINUTE, CORRECTION_BURST = 30, 10
LANG_CODE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z]{2,4})?")


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _own(p: Json, source_lang: str, lang: str, field: str) -> str | None:
    """The supplier's own wording of `field` in `lang`, if they gave one, or gave it in the same
    language's other script (their Chinese, converted for a Traditional reader: exact, where
    translating the booth's Spanish into Chinese again could be wrong)."""
    written = _written(p, source_lang, field)
    if lang in written:
        return written[lang]
    for other, text in written.items():
        if (converted := convert_script(text, other, lang)) is not None:
            return converted
    return None


def _written(p: Json, source_lang: str, field: str) -> dict[str, str]:
    """{lang: text} of `field` as the supplier wrote it: the booth's language, then their own."""
    out = {source_lang: str(p[field])}
    for lang, tr in (p.get("i18n") or {}).items():
        value = tr.get(field) if isinstance(tr, dict) else None
        if isinstance(value, str) and value.strip():
            out.setdefault(lang, value)
    return out


def _unit(p: Json, lang: str) -> str:
    tr = (p.get("i18n") or {}).get(lang)
    value = tr.get("unit") if isinstance(tr, dict) else None
    return value if isinstance(value, str) and value.strip() else str(p["unit"])


def _whole_term(glossary: Glossary, text: str, lang: str) -> str | None:
    key = text.strip().casefold()
    for t in glossary.terms:
        if lang in t.translations and key in {f.casefold() for f in t.forms(lang)} | {t.term.casefold()}:
            return t.translations[lang]
    return None


def _without_own_name(glossary: Glossary, name: str, lang: str) -> Glossary:
    """The glossary less the product's own name where it has no rendering in `lang`.

    Every product name is a glossary term (rooms/glossary_store.py); without a rendering for the
    reader it would be kept as written, so the name would never be translated. A term staff
    entered (possibly "never translate") is kept. Derived from the version: the cache key holds.
    """
    key = name.strip().casefold()
    kept = [
        t for t in glossary.terms
        if not (t.term.casefold() == key and t.translations and lang not in t.translations)
    ]  # fmt: skip
    return glossary if len(kept) == len(glossary.terms) else Glossary.of(glossary.version, kept)


async def _translations(
    fair: Fair, booth_id: int, source_lang: str, products: Sequence[Json], lang: str, wait: float
) -> dict[tuple[int, str], Translation]:
    """(product id, field) → the machine translation into `lang`, for fields the supplier left out."""
    needs = [
        (int(p["id"]), field, str(p[field]))
        for p in products
        for field in FIELDS
        if _own(p, source_lang, lang, field) is None and str(p[field]).strip()
    ]
    if not needs or not fair.translator.can_translate(source_lang, lang):
        return {}
    glossary = await fair.glossaries.get(booth_id)
    out: dict[tuple[int, str], Translation] = {}
    async with fair.db.reader() as s:
        q = select(ProductTranslation).where(
            ProductTranslation.product_id.in_({pid for pid, _, _ in needs}),
            ProductTranslation.lang == lang,
            ProductTranslation.glossary_version == glossary.version,
        )
        stored = {(r.product_id, r.field, r.source_hash): r for r in (await s.execute(q)).scalars()}
    missing = []
    for pid, field, text in needs:
        row = stored.get((pid, field, _hash(text)))
        fixed = _whole_term(glossary, text, lang)
        if row is not None:
            out[(pid, field)] = Translation(row.text, True, row.uncertain)
        elif fixed is not None:
            # The whole text is one of the booth's terms (a name, usually): its fixed rendering.
            out[(pid, field)] = Translation(fixed, True, False)
        else:
            missing.append((pid, field, text))
    if not missing:
        return out
    names = {int(p["id"]): str(p["name"]) for p in products}
    calls = (
        fair.translator.translate(text, source_lang, [lang], _without_own_name(glossary, names[pid], lang))
        for pid, _, text in missing
    )
    try:
        # All at once, so one page's texts share the translator's batches.
        results = await asyncio.wait_for(asyncio.gather(*calls), wait)
    except TimeoutError:
        return out  # the rest go out as the original; a later reader gets them
    rows: list[dict[str, Any]] = []
    for (pid, field, text), per_lang in zip(missing, results, strict=True):
        result = per_lang.get(lang)
        if result is None or not result.translated:
            continue  # not stored: retried next time
        out[(pid, field)] = result
        rows.append({"product_id": pid, "lang": lang, "field": field, "source_hash": _hash(text),
                     "glossary_version": glossary.version, "text": result.text,
                     "uncertain": result.uncertain})  # fmt: skip
    if rows:
        insert = sqlite_insert if fair.db.is_sqlite else pg_insert
        async with fair.db.session() as s:
            # Two nodes (or two readers) may translate the same text: the first one is kept.
            await s.execute(insert(ProductTranslation).values(rows).on_conflict_do_nothing())
    return out


def _localized(p: Json, source_lang: str, lang: str, mt: dict[tuple[int, str], Translation]) -> Json:
    fields: dict[str, Json] = {}
    texts: dict[str, str] = {}
    for field in FIELDS:
        own = _own(p, source_lang, lang, field)
        result = mt.get((int(p["id"]), field))
        text_lang = lang
        if own is not None:
            texts[field], source, uncertain = own, "supplier", False
        elif result is not None:
            texts[field], source, uncertain = result.text, "machine", result.uncertain
        else:
            # No text in `lang`: the supplier's own English if they wrote one (the language of
            # trade, where a Portuguese or Arabic reader with no model gets further than with the
            # booth's Chinese), else their original.
            english = _own(p, source_lang, FALLBACK_LANG, field)
            text_lang = source_lang if english is None else FALLBACK_LANG
            texts[field], source, uncertain = english or str(p[field]), "original", False
        fields[field] = {"i18n_source": source, "uncertain": uncertain, "text_lang": text_lang}
    sources = {f["i18n_source"] for f in fields.values()}
    overall = "machine" if "machine" in sources else "original" if "original" in sources else "supplier"
    return {
        "lang": lang,
        "name": texts["name"],
        "description": texts["description"],
        "unit": _unit(p, lang),
        "i18n_source": overall,
        "translated": overall == "machine",
        "uncertain": any(f["uncertain"] for f in fields.values()),
        "fields": fields,
    }


async def localize(
    fair: Fair,
    booth_id: int,
    source_lang: str,
    products: Sequence[Json],
    lang: str,
    *,
    wait: float = MT_WAIT_S,
) -> list[Json]:
    """Copies of the product payloads, each with `localized`: its texts in `lang` and their source."""
    mt = await _translations(fair, booth_id, source_lang, products, lang, wait)
    return [{**p, "localized": _localized(p, source_lang, lang, mt)} for p in products]


async def localize_for_langs(
    fair: Fair,
    booth_id: int,
    source_lang: str,
    product: Json,
    langs: Sequence[str],
    *,
    wait: float = MT_WAIT_S,
) -> dict[str, Json]:
    """One product in several languages at once (a broadcast to every language present)."""
    done = await asyncio.gather(
        *(localize(fair, booth_id, source_lang, [product], lang, wait=wait) for lang in langs)
    )
    return {lang: d[0]["localized"] for lang, d in zip(langs, done, strict=True)}


async def pinned_for_readers(
    fair: Fair, booth_id: int, product: Json, reader_lang: str, langs: set[str]
) -> Json:
    """A just-pinned product for the whole booth: `localized` in `reader_lang` (the pinner's ack),
    and `localized_by_lang` for every language present, so each reader picks their own."""
    async with fair.db.reader() as s:
        source_lang = (await s.execute(select(Booth.lang).where(Booth.id == booth_id))).scalar_one()
    by_lang = await localize_for_langs(fair, booth_id, source_lang, product, sorted(langs | {reader_lang}))
    return {**product, "localized": by_lang[reader_lang], "localized_by_lang": by_lang}


def check_lang(value: str) -> str:
    if not LANG_CODE.fullmatch(value):
        raise BadRequest(f"{value[:20]!r} is not a language code (like en, zh, pt-BR)")
    return value


def _check_staff(actor: AuthUser, booth_id: int) -> None:
    """The actor's current role (the HTTP edge reloads it from the database on every request)."""
    if not actor.is_staff_of(booth_id):
        raise Forbidden("only this booth's staff may see or correct its product translations")


async def staff_view(fair: Fair, actor: AuthUser, booth_id: int, langs: Sequence[str] | None = None) -> Json:
    """Every product of the booth in every language (`langs`, or each one known), with sources."""
    _check_staff(actor, booth_id)
    async with fair.db.reader() as s:
        booth = await access_booth_by_id(s, booth_id)
        products = [product_payload(p) for p in await booth_products(s, booth.id)]
        source_lang = booth.lang
    if langs is None:
        known = set(fair.translator.languages())
        for p in products:
            known |= set(p.get("i18n") or {})
        langs = sorted(lang for lang in known if LANG_CODE.fullmatch(lang))
    langs = [lang for lang in langs if lang != source_lang][:MAX_STAFF_LANGS]
    per_lang = await asyncio.gather(
        *(localize(fair, booth_id, source_lang, products, lang) for lang in langs)
    )
    out = []
    for i, p in enumerate(products):
        texts = {lang: done[i]["localized"] for lang, done in zip(langs, per_lang, strict=True)}
        out.append({**p, "texts": texts})
    return {"booth_id": booth_id, "lang": source_lang, "languages": langs, "products": out}


async def do_correct(
    fair: Fair, actor: AuthUser, booth_id: int, product_id: int, lang: str, texts: dict[str, str | None]
) -> Json:
    """Staff write a product's name and/or description in `lang`: the supplier's own from now on."""
    _check_staff(actor, booth_id)
    check_lang(lang)
    changes = {
        field: check_plain(v, field, MAX_LENGTH[field], multiline=True) for field, v in texts.items() if field in FIELDS and v is not None
    }
    if not changes:
        raise BadRequest("give a name or a description")
    await fair.limiter.hit(
        f"product-i18n:{actor.id}", per_minute=CORRECTIONS_PER_MINUTE, burst=CORRECTION_BURST,
        message="too many corrections; try again in a moment",
    )  # fmt: skip
    if not 1 <= product_id <= MAX_ID:
        raise NotFound("no such product in this booth")
    async with fair.db.session() as s:
        booth = await access_booth_by_id(s, booth_id)
        product = await s.get(Product, product_id, with_for_update=not fair.db.is_sqlite)
        if product is None or product.booth_id != booth.id:
            raise NotFound("no such product in this booth")
        if lang == booth.lang:
            raise BadRequest("that is the booth's own language: edit the product itself")
        i18n = {k: dict(v) for k, v in (product.i18n or {}).items() if isinstance(v, dict)}
        i18n.setdefault(lang, {}).update(changes)
        product.i18n = i18n  # a new object, so the JSON column is written
        payload = product_payload(product)
        source_lang = booth.lang
    fair.glossaries.invalidate(booth_id)
    return (await localize(fair, booth_id, source_lang, [payload], lang))[0]
