"""Chat: committing messages, translating them once per language present, history."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.auth import AuthUser
from rooms.context import Fair
from rooms.errors import BadRequest, TooLong
from rooms.filters import mask_terms
from rooms.models import Booth, Message, MessageTranslation, User
from rooms.payloads import ChatRecord
from rooms.plain_text import visible, without_bidi_overrides
from translation.glossary import Glossary

# Moderators watching every booth are counted as present in this pseudo-booth, so their
# languages are translated too without inflating any booth's viewer count.
MODERATORS_BOOTH = 0


def staff_presence(booth_id: int) -> int:
    """Where a booth's own staff, and moderators, on its page are counted present: not in the
    booth itself, so its viewer count is its audience, but still read by `languages_present`,
    so messages are translated into their language."""
    return -booth_id

# Catch-up (`chat:history`): how many messages one page holds, by default and at most.
CATCH_UP_DEFAULT = 100
CATCH_UP_MAX = 200
RECENT_WRITERS_S = 3600  # a preview also shows the languages of who wrote in the booth this long ago


def check_chat_text(text: str, max_length: int) -> str:
    text = without_bidi_overrides(text).strip()
    if not visible(text):
        raise BadRequest("the message is empty")
    if len(text) > max_length:
        raise TooLong(f"a message may have at most {max_length} characters", max_length=max_length)
    return text


async def do_send_message(
    fair: Fair, actor: AuthUser, booth_id: int, text: str, client_id: str | None = None
) -> ChatRecord:
    """Commit a message with the next booth-wide `seq`; the caller acks only after this returns."""
    text = check_chat_text(text, fair.limits.chat_max_length)
    await fair.limiter.hit(
        f"chat:{actor.id}",
        per_minute=fair.limits.chat_per_minute,
        burst=fair.limits.chat_burst,
        message="you are sending messages too fast",
    )
    source_lang = await source_language(fair, actor.lang, text)
    return await fair.chat_writer.write(actor, booth_id, text, client_id, source_lang)


async def source_language(fair: Fair, declared: str, text: str) -> str:
    """The declared language; detection only when no installed model knows the declared one."""
    known = fair.translator.languages()
    if not known or declared in known:
        return declared
    detected = await fair.translator.detect(text)
    return detected if detected in known else declared


async def languages_present(fair: Fair, booth_id: int) -> set[str]:
    """The languages a booth's message is translated into: its viewers', its staff's and the
    moderators'."""
    return await _readers(fair, [booth_id, staff_presence(booth_id), MODERATORS_BOOTH])


async def moderator_languages(fair: Fair) -> set[str]:
    return await _readers(fair, [MODERATORS_BOOTH])


async def _readers(fair: Fair, booth_ids: list[int]) -> set[str]:
    """The languages present in `booth_ids`, widened while presence is stale.

    Stale means Redis is away or has just come back and some node has not registered its members
    again: the set may then miss readers on other nodes. A translation nobody reads costs a model
    pass; a missing one costs its readers the message. So every language these booths had lately
    is added.
    """
    found = await fair.presence.get_many(booth_ids)
    langs = {lang for b in booth_ids for lang in found[b].languages}
    if any(found[b].stale for b in booth_ids):
        for b in booth_ids:
            langs |= fair.presence.recent_languages(b)
    return langs


async def translate_records(fair: Fair, records: Iterable[ChatRecord], langs: Iterable[str]) -> None:
    """Fill in each record's missing translations for `langs`, once per language, and store them."""
    langs = set(langs)
    work = []
    glossaries: dict[int, Glossary] = {}
    for rec in records:
        if rec.phrase is not None:
            continue  # rendered exactly for every reader from the catalogue, never translated
        targets = [lang for lang in langs if lang != rec.source_lang and lang not in rec.translations]
        if targets:
            if rec.booth_id not in glossaries:
                glossaries[rec.booth_id] = await fair.glossaries.get(rec.booth_id)
            call = fair.translator.translate(rec.original, rec.source_lang, targets, glossaries[rec.booth_id])
            work.append((rec, call))
    # All at once, so a join's 50 messages share the translator's batches instead of queueing.
    results = await asyncio.gather(*(call for _, call in work))
    rows: list[dict[str, Any]] = []
    # MT can produce a blocked word the original does not have: readers get it masked, stored
    # masked, and moderators get what MT wrote (rooms/filter_store.py).
    rules = await fair.filters.rules() if work else None
    flags: list[dict[str, Any]] = []
    for (rec, _), per_lang in zip(work, results, strict=True):
        for lang, result in per_lang.items():
            text = result.text
            if result.translated and rules is not None:
                text, hits = mask_terms(result.text, rules)
                if hits:
                    rec.filter_hits[lang] = (result.text, hits)
                    flags.append({"message_id": rec.id, "lang": lang, "terms": hits, "raw_text": result.text})
            rec.translations[lang] = (text, result.translated, result.uncertain)
            # Only real translations are stored: an untranslated fallback is retried next time.
            if result.translated:
                rows.append(
                    {
                        "message_id": rec.id,
                        "lang": lang,
                        "text": text,
                        "translated": True,
                        "uncertain": result.uncertain,
                    }
                )
    if rows:
        await _store_translations(fair, rows)
    await fair.filters.store_flags(flags)


async def _store_translations(fair: Fair, rows: list[dict[str, Any]]) -> None:
    insert = sqlite_insert if fair.db.is_sqlite else pg_insert
    async with fair.db.session() as s:
        # Two nodes (or a join's history) may translate the same message: first one wins.
        await s.execute(insert(MessageTranslation).values(rows).on_conflict_do_nothing())


async def _load_translations(s: AsyncSession, records: list[ChatRecord], langs: set[str]) -> None:
    if not records or not langs:
        return
    by_id = {r.id: r for r in records}
    q = select(MessageTranslation).where(
        MessageTranslation.message_id.in_(by_id), MessageTranslation.lang.in_(langs)
    )
    for t in (await s.execute(q)).scalars():
        by_id[t.message_id].translations[t.lang] = (t.text, t.translated, t.uncertain)


async def load_records(
    fair: Fair, where: Any, *, order: Any, limit: int | None, langs: set[str], newest_first: bool = False
) -> list[ChatRecord]:
    """Visible messages matching `where`, with the stored translations for `langs`."""
    async with fair.db.reader() as s:
        q = (
            select(Message, User.display_name, User.role, User.booth_id)
            .join(User, User.id == Message.author_id)
            .where(where, Message.hidden_at.is_(None))
            .order_by(order)
        )
        if limit is not None:
            q = q.limit(limit)
        rows = (await s.execute(q)).all()
        records = [
            ChatRecord.of(m, {
                "id": m.author_id, "display_name": name, "role": role,
                "staff": role == "supplier" and staff_of == m.booth_id,
            })
            for m, name, role, staff_of in rows
        ]
        if newest_first:
            records.reverse()
        await _load_translations(s, records, langs)
    await translate_records(fair, records, langs)
    return records


async def history(fair: Fair, booth_id: int, lang: str, limit: int | None = None) -> list[ChatRecord]:
    """The last messages of a booth, oldest first, translated into `lang` (stored or now)."""
    return await load_records(
        fair,
        Message.booth_id == booth_id,
        order=Message.seq.desc(),
        limit=limit or fair.limits.history_size,
        langs={lang},
        newest_first=True,
    )


async def do_catch_up(
    fair: Fair, actor: AuthUser, booth_id: int, after_seq: int, limit: int | None = None
) -> tuple[list[ChatRecord], bool]:
    """The visible messages after `after_seq`, oldest first, in the actor's language; and whether
    more follow. What a client missed: a seq gap, a reconnect, Redis away between nodes.

    The caller checks that the actor joined the booth. Rate-limited: a client that loops on it
    gets `rate_limited` rather than a query and translations per call.
    """
    await fair.limiter.hit(
        f"history:{actor.id}", per_minute=60, burst=20, message="you are catching up too fast"
    )
    limit = min(limit or CATCH_UP_DEFAULT, CATCH_UP_MAX)
    records = await load_records(
        fair,
        (Message.booth_id == booth_id) & (Message.seq > after_seq),
        order=Message.seq,
        limit=limit + 1,
        langs={actor.lang},
    )
    return records[:limit], len(records) > limit


async def last_seqs(fair: Fair, booth_ids: list[int] | None) -> dict[int, int]:
    """Each booth's latest seq (committed; it may be hidden or still on its way to the readers);
    every booth's with `None` (the moderators' feed)."""
    query = select(Booth.id, Booth.last_seq)
    if booth_ids is not None:
        query = query.where(Booth.id.in_(booth_ids))
    async with fair.db.reader() as s:
        rows = await s.execute(query)
        return {int(b): int(seq or 0) for b, seq in rows.all()}


async def recent_messages(fair: Fair, lang: str, limit: int = 100) -> list[ChatRecord]:
    """The latest messages of every booth, oldest first, for the moderators' feed."""
    return await load_records(
        fair, Message.id > 0, order=Message.id.desc(), limit=limit, langs={lang}, newest_first=True
    )


async def session_chat(fair: Fair, session_id: int, lang: str) -> list[ChatRecord]:
    """Every visible message of a live session in stream order, for the replay page."""
    return await load_records(
        fair, Message.session_id == session_id, order=Message.stream_offset_ms, limit=None, langs={lang}
    )


async def _recent_writers(fair: Fair, booth_id: int, me: int) -> set[str]:
    """The languages of the booth's last 200 messages from others, of the last `RECENT_WRITERS_S`
    (by the booth's (booth_id, seq) index: a busy booth's whole history is not scanned)."""
    since = datetime.now(UTC) - timedelta(seconds=RECENT_WRITERS_S)
    q = (
        select(Message.source_lang, Message.created_at)
        .where(Message.booth_id == booth_id, Message.author_id != me)
        .order_by(Message.seq.desc())
        .limit(200)
    )
    async with fair.db.reader() as s:
        return {str(lang) for lang, at in (await s.execute(q)).all() if at >= since}


async def do_preview(fair: Fair, actor: AuthUser, booth_id: int, text: str) -> dict[str, Any]:
    """What each language present would read, which of those the gate doubts, and a round trip.

    The round trip goes through a doubted language when there is one, so the sender sees what
    went wrong and can rephrase before sending.
    """
    text = check_chat_text(text, fair.limits.chat_max_length)
    await fair.limiter.hit(
        f"preview:{actor.id}", per_minute=120, burst=20, message="you are previewing too fast"
    )
    # The languages present, and those of the people who wrote in the booth in the last hour: a
    # supplier answering a buyer who just stepped out must still see what that buyer will read.
    langs = (await languages_present(fair, booth_id) | await _recent_writers(fair, booth_id, actor.id)) - {actor.lang}
    glossary = await fair.glossaries.get(booth_id)
    results = await fair.translator.translate(text, actor.lang, sorted(langs), glossary)
    back = None
    order = sorted(results.items(), key=lambda item: (not item[1].uncertain, item[0]))
    for lang, res in order:
        if res.translated:
            again = await fair.translator.translate(res.text, lang, [actor.lang], glossary)
            r = again[actor.lang]
            back = {"text": r.text, "translated": r.translated, "via": lang}
            break
    return {
        "source_lang": actor.lang,
        "translations": {
            lang: {"text": r.text, "translated": r.translated, "uncertain": r.uncertain, "doubts": list(r.doubts)}
            for lang, r in results.items()
        },
        "uncertain_langs": sorted(lang for lang, r in results.items() if r.uncertain),
        "back_translation": back,
    }
