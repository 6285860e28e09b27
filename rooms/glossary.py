"""A booth's glossary as its staff edit it: list, add, change and delete terms.

The terms steer translation (`translation/glossary.py`): a fixed rendering per language, or none
at all for "never translate". Staff of the booth and admins may read and edit it; anyone else is
`forbidden` at the booth level, as a booth's leads answer, before any term is looked up, so a
term id says nothing to them. A term id of another booth is `not_found`.

Every change bumps `booths.glossary_version` in its own transaction. That number is part of the
translation cache key on every node, so no reader gets a translation made with the old terms;
the bump goes first, so its row lock also serialises concurrent edits of one booth (the count
and duplicate checks cannot race). After the commit this node's cached glossary is dropped, so
the very next message uses the new terms; other nodes follow within the store's ttl.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.auth import AuthUser
from rooms.context import Fair
from rooms.errors import BadRequest, Conflict, Forbidden, NotFound
from rooms.models import MAX_ID, Booth, GlossaryEntry
from rooms.payloads import Json
from rooms.plain_text import check_plain
from translation.glossary import MAX_TERM_LENGTH, MAX_TERMS
from translation.protect import find_spans

__all__ = [
    "MAX_ID",
    "MAX_LANGUAGES",
    "check_can_edit",
    "check_term",
    "check_translations",
    "do_add_term",
    "do_delete_term",
    "do_update_term",
    "list_terms",
]

MAX_LANGUAGES = 20
EDITS_PER_MINUTE, EDIT_BURST = 60, 20
LANG_CODE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z]{2,4})?")
def check_term(value: str) -> str:
    """The term stripped: 2..MAX_TERM_LENGTH characters, no control characters.

    One character is refused: terms match case-insensitively, so "A" kept as written would take
    every "a" of English and Spanish chat out of translation, and one Chinese character matches
    inside every word that holds it."""
    term = check_plain(value, "term", MAX_TERM_LENGTH)
    if len(term) < 2:
        raise BadRequest("term: at least 2 characters", field="term", reason="too_short")
    return term


def check_kept_spans(term: str, fixed: Mapping[str, str]) -> None:
    """Numbers, units, prices and codes reach every reader exactly as written (translation/
    protect.py); a glossary term wins over that, so one of its renderings must keep each of them.
    A supplier's "300" → "three hundred" or "m²" → anything else would otherwise change the
    facts buyers read, while the preview's round trip showed the original back."""
    spans = [term[start:end] for start, end, _kind in find_spans(term)]
    # A unit alone ("m²", "kg") is protected only after a number: as a term it would win there.
    if not spans and [(s, e) for s, e, _k in find_spans(f"1 {term}")] == [(0, len(term) + 2)]:
        spans = [term]
    for kept in spans:
        for lang, text in fixed.items():
            if kept not in text:
                raise BadRequest(
                    f"translations.{lang}: keep {kept!r} as written: numbers, units, prices and codes"
                    " are never translated",
                    reason="keep_as_written", span=kept,
                )  # fmt: skip


def check_translations(value: Mapping[str, str]) -> dict[str, str]:
    """{lang: fixed text}, values stripped, blank ones dropped; {} means "never translate"."""
    out: dict[str, str] = {}
    for lang, text in value.items():
        if not LANG_CODE.fullmatch(lang):
            raise BadRequest(f"translations: {lang[:20]!r} is not a language code (like en, zh, pt-BR)")
        if text.strip():
            out[lang] = check_plain(text, f"translations.{lang}", MAX_TERM_LENGTH)
    if len(out) > MAX_LANGUAGES:
        raise BadRequest(f"translations: at most {MAX_LANGUAGES} languages per term")
    return dict(sorted(out.items()))


def check_can_edit(actor: AuthUser, booth_id: int) -> None:
    """The actor's current role (the HTTP edge reloads it from the database on every request)."""
    if not (actor.is_staff_of(booth_id) or actor.role == "admin"):
        raise Forbidden("only this booth's staff and admins may see or edit its glossary")


def term_payload(entry: GlossaryEntry) -> Json:
    return {
        "id": entry.id,
        "term": entry.term,
        "translations": dict(sorted((entry.translations or {}).items())),
    }


async def list_terms(fair: Fair, actor: AuthUser, booth_id: int) -> Json:
    """`{booth_id, version, terms}`, terms in the order they were added."""
    check_can_edit(actor, booth_id)
    if not 1 <= booth_id <= MAX_ID:
        raise NotFound("no such booth")
    async with fair.db.reader() as s:
        version = (await s.execute(select(Booth.glossary_version).where(Booth.id == booth_id))).scalar()
        if version is None:
            raise NotFound("no such booth")
        q = select(GlossaryEntry).where(GlossaryEntry.booth_id == booth_id).order_by(GlossaryEntry.id)
        terms = [term_payload(e) for e in (await s.execute(q)).scalars()]
    return {"booth_id": booth_id, "version": int(version), "terms": terms}


async def _hit_edit_limit(fair: Fair, actor: AuthUser) -> None:
    await fair.limiter.hit(
        f"glossary:{actor.id}", per_minute=EDITS_PER_MINUTE, burst=EDIT_BURST,
        message="too many glossary edits; try again in a moment",
    )  # fmt: skip


async def _bump_version(s: AsyncSession, booth_id: int) -> int:
    """Take the booth's row (first, so concurrent edits of one booth queue here) and bump it."""
    if not 1 <= booth_id <= MAX_ID:
        raise NotFound("no such booth")
    q = (
        update(Booth)
        .where(Booth.id == booth_id)
        .values(glossary_version=Booth.glossary_version + 1)
        .returning(Booth.glossary_version)
    )
    version = (await s.execute(q)).scalar()
    if version is None:
        raise NotFound("no such booth")
    return int(version)


async def _check_unique(s: AsyncSession, booth_id: int, term: str, *, except_id: int | None = None) -> None:
    # Matching ignores case, so "BRIGHTWAY" next to "Brightway" would be a second, dead entry.
    q = select(GlossaryEntry.id, GlossaryEntry.term).where(GlossaryEntry.booth_id == booth_id)
    folded = term.casefold()
    for entry_id, existing in (await s.execute(q)).all():
        if entry_id != except_id and existing.casefold() == folded:
            raise Conflict(f"the glossary has {existing!r} already")


async def _access_term_by_id(s: AsyncSession, booth_id: int, term_id: int) -> GlossaryEntry:
    entry = await s.get(GlossaryEntry, term_id) if 1 <= term_id <= MAX_ID else None
    if entry is None or entry.booth_id != booth_id:
        raise NotFound("no such term in this booth's glossary")
    return entry


async def _flush(s: AsyncSession, term: str) -> None:
    try:
        await s.flush()
    except IntegrityError:
        # Only the unique (booth, term) constraint can fail here; the checks above saw no twin.
        raise Conflict(f"the glossary has {term!r} already") from None


async def do_add_term(
    fair: Fair, actor: AuthUser, booth_id: int, term: str, translations: Mapping[str, str]
) -> Json:
    check_can_edit(actor, booth_id)
    term, fixed = check_term(term), check_translations(translations)
    check_kept_spans(term, fixed)
    await _hit_edit_limit(fair, actor)
    async with fair.db.session() as s:
        await _bump_version(s, booth_id)
        count = (await s.execute(select(func.count()).where(GlossaryEntry.booth_id == booth_id))).scalar_one()
        if count >= MAX_TERMS:
            raise BadRequest(f"the glossary is full: at most {MAX_TERMS} terms per booth")
        await _check_unique(s, booth_id, term)
        entry = GlossaryEntry(booth_id=booth_id, term=term, translations=fixed)
        s.add(entry)
        await _flush(s, term)
        out = term_payload(entry)
    fair.glossaries.invalidate(booth_id)
    return out


async def do_update_term(
    fair: Fair,
    actor: AuthUser,
    booth_id: int,
    term_id: int,
    *,
    term: str | None = None,
    translations: Mapping[str, str] | None = None,
) -> Json:
    """Rename the term and/or replace its translations (the whole map: a language left out is dropped)."""
    check_can_edit(actor, booth_id)
    if term is None and translations is None:
        raise BadRequest("nothing to change: send term and/or translations")
    new_term = check_term(term) if term is not None else None
    fixed = check_translations(translations) if translations is not None else None
    await _hit_edit_limit(fair, actor)
    async with fair.db.session() as s:
        await _bump_version(s, booth_id)
        entry = await _access_term_by_id(s, booth_id, term_id)
        check_kept_spans(new_term or entry.term, fixed if fixed is not None else entry.translations)
        if new_term is not None and new_term != entry.term:
            await _check_unique(s, booth_id, new_term, except_id=entry.id)
            entry.term = new_term
        if fixed is not None:
            entry.translations = fixed
        await _flush(s, entry.term)
        out = term_payload(entry)
    fair.glossaries.invalidate(booth_id)
    return out


async def do_delete_term(fair: Fair, actor: AuthUser, booth_id: int, term_id: int) -> None:
    check_can_edit(actor, booth_id)
    await _hit_edit_limit(fair, actor)
    async with fair.db.session() as s:
        await _bump_version(s, booth_id)
        await s.delete(await _access_term_by_id(s, booth_id, term_id))
    fair.glossaries.invalidate(booth_id)
