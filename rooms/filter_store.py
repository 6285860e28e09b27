"""The fair's word and link filter as stored: read (cached briefly per node), changed, audited;
and the translations it masked, kept for the moderators.

Rules are read on every translation and every buyer message, so each node keeps them for
`TTL_S`: a change made on another node applies here within that time (at once on the node that
made it). The matching itself is `rooms/filters.py`'s, pure.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from rooms.auth import AuthUser
from rooms.db import Database
from rooms.errors import BadRequest, Conflict, Forbidden
from rooms.filters import MAX_DOMAINS, MAX_TERM_LENGTH, MAX_TERMS, LinkPolicy, Rules, normalize_domain
from rooms.models import AuditEntry, ChatFilter, TranslationFlag
from rooms.payloads import ChatRecord, Json, iso

TTL_S = 2.0
_ROW_ID = 1
_DOMAIN_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-.")


def check_moderator(actor: AuthUser) -> None:
    # rooms.moderation's own check; imported from there it would make an import cycle via context.
    if not actor.is_moderator:
        raise Forbidden("only moderators may do this")


class FilterStore:
    def __init__(self, db: Database, clock: Callable[[], float] = time.monotonic) -> None:
        self._db = db
        self._clock = clock
        self._rules: Rules | None = None
        self._read_at = 0.0

    async def rules(self) -> Rules:
        if self._rules is None or self._clock() - self._read_at > TTL_S:
            async with self._db.reader() as s:
                row = await s.get(ChatFilter, _ROW_ID)
            self._rules = _rules_of(row)
            self._read_at = self._clock()
        return self._rules

    async def do_update(
        self, actor: AuthUser, terms: list[str], link_policy: LinkPolicy, allowed_domains: list[str]
    ) -> Json:
        """Replace the lists (moderators); audited with what changed."""
        check_moderator(actor)
        rules = Rules.of(terms, link_policy, allowed_domains)
        _check_lists(rules)
        async with self._db.session() as s:
            row = await s.get(ChatFilter, _ROW_ID, with_for_update=not self._db.is_sqlite)
            before = _rules_of(row)
            if row is None:
                row = ChatFilter(id=_ROW_ID, version=0)
                s.add(row)
            row.terms = list(rules.terms)
            row.link_policy = rules.link_policy
            row.allowed_domains = list(rules.allowed_domains)
            row.version = (row.version or 0) + 1
            row.updated_by_id = actor.id
            s.add(AuditEntry(actor_id=actor.id, action="filters", detail=_change(before, rules)[:1000]))
            try:
                await s.flush()
            except IntegrityError:  # two first-ever saves at once: the row lock could not exist yet
                raise Conflict("the filter was changed at the same moment; load it and try again") from None
            self._rules = Rules.of(list(rules.terms), rules.link_policy, list(rules.allowed_domains), row.version)
            self._read_at = self._clock()
            return _json(self._rules, row)

    async def get(self, actor: AuthUser) -> Json:
        check_moderator(actor)
        async with self._db.reader() as s:
            row = await s.get(ChatFilter, _ROW_ID)
            return _json(_rules_of(row), row)

    async def store_flags(self, flags: list[dict[str, Any]]) -> None:
        """Keep what MT produced before masking (`message_id, lang, terms, raw_text`)."""
        if not flags:
            return
        insert = sqlite_insert if self._db.is_sqlite else pg_insert
        async with self._db.session() as s:
            await s.execute(insert(TranslationFlag).values(flags).on_conflict_do_nothing())

    async def attach_flags(self, records: Iterable[ChatRecord]) -> None:
        """Fill in `filter_hits` of records loaded from the database (the moderators' feed)."""
        by_id = {r.id: r for r in records}
        if not by_id:
            return
        async with self._db.reader() as s:
            q = select(TranslationFlag).where(TranslationFlag.message_id.in_(by_id))
            for f in (await s.execute(q)).scalars():
                by_id[f.message_id].filter_hits[f.lang] = (f.raw_text, list(f.terms))


def moderator_payload(rec: ChatRecord, lang: str, is_banned: Callable[[int], bool]) -> Json:
    """What a moderator reads: the message in `lang`, every masked translation as MT wrote it, and
    whether its author is banned now (`author_banned`: the feed offers no Mute or Ban for them)."""
    out = rec.payload(lang)
    out["author_banned"] = is_banned(rec.author["id"])
    out["filter_hits"] = [
        {"lang": hit_lang, "terms": terms, "text": raw} for hit_lang, (raw, terms) in sorted(rec.filter_hits.items())
    ]
    return out


def _rules_of(row: ChatFilter | None) -> Rules:
    if row is None:
        return Rules()
    policy: LinkPolicy = row.link_policy if row.link_policy in ("off", "block", "allowlist") else "off"  # type: ignore[assignment]
    return Rules.of(list(row.terms or []), policy, list(row.allowed_domains or []), row.version)


def _check_lists(rules: Rules) -> None:
    if len(rules.terms) > MAX_TERMS:
        raise BadRequest(f"terms: at most {MAX_TERMS}")
    if any(len(t) > MAX_TERM_LENGTH for t in rules.terms):
        raise BadRequest(f"terms: each at most {MAX_TERM_LENGTH} characters")
    if len(rules.allowed_domains) > MAX_DOMAINS:
        raise BadRequest(f"allowed_domains: at most {MAX_DOMAINS}")
    for d in rules.allowed_domains:
        if "." not in d or not set(d) <= _DOMAIN_CHARS or len(d) > 253 or d != normalize_domain(d):
            raise BadRequest(f"allowed_domains: {d!r} is not a domain name")


def _change(before: Rules, after: Rules) -> str:
    added = [t for t in after.terms if t not in before.terms]
    removed = [t for t in before.terms if t not in after.terms]
    parts = []
    if added:
        parts.append("+" + ", +".join(added))
    if removed:
        parts.append("-" + ", -".join(removed))
    if (before.link_policy, before.allowed_domains) != (after.link_policy, after.allowed_domains):
        parts.append(f"links: {after.link_policy} {' '.join(after.allowed_domains)}".rstrip())
    return "; ".join(parts) or "no change"


def _json(rules: Rules, row: ChatFilter | None) -> Json:
    return {
        "terms": list(rules.terms),
        "link_policy": rules.link_policy,
        "allowed_domains": list(rules.allowed_domains),
        "version": rules.version,
        "updated_at": iso(row.updated_at) if row is not None else None,
    }
