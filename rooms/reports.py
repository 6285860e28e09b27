"""Reports: a member flags a message; moderators see it with its context and resolve it.

One report per member per message (a second is `conflict`), a fixed list of reasons, and a rate
limit, so reporting cannot be turned into a way to flood the moderators. Resolving decides about
the message, not one report: every open report of that message closes with it, audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.auth import AuthUser
from rooms.context import Fair
from rooms.errors import BadRequest, Conflict, NotFound
from rooms.models import AuditEntry, Booth, Message, MessageReport, MessageTranslation, User
from rooms.moderation import check_moderator, do_hide_message
from rooms.payloads import Json, iso
from rooms.plain_text import free_text

REASONS = ("spam", "abuse", "scam", "off_topic", "other")
Reason = Literal["spam", "abuse", "scam", "off_topic", "other"]
Status = Literal["open", "hidden", "dismissed"]
CONTEXT_BEFORE = 5


async def do_report(
    fair: Fair, actor: AuthUser, message_id: int, reason: str, note: str, joined: set[int]
) -> MessageReport:
    """File a report of a message in a booth the actor has joined (`joined`); committed on return."""
    if reason not in REASONS:
        raise BadRequest(f"reason: one of {', '.join(REASONS)}")
    await fair.limiter.hit(f"report:{actor.id}", per_minute=10, burst=5, message="you are reporting too fast")
    async with fair.db.session() as s:
        msg = await s.get(Message, message_id)
        # A message the reporter cannot see is one that does not exist, for them.
        if msg is None or msg.hidden_at is not None or msg.booth_id not in joined:
            raise NotFound("no such message")
        if msg.author_id == actor.id:
            raise BadRequest("you cannot report your own message")
        report = MessageReport(message_id=msg.id, booth_id=msg.booth_id, reporter_id=actor.id,
                               reason=reason, note=free_text(note, "note", 500, required=False), status="open")  # fmt: skip
        s.add(report)
        try:
            await s.flush()
        except IntegrityError:
            raise Conflict("you have reported this message already") from None
    return report


async def report_json(fair: Fair, report_id: int, lang: str) -> Json:
    """A report with what a moderator needs to judge it: the message, the ones before it, who."""
    async with fair.db.reader() as s:
        report = await s.get(MessageReport, report_id)
        if report is None:
            raise NotFound("no such report")
        return (await _with_context(s, [report], lang))[0]


async def list_reports(fair: Fair, actor: AuthUser, status: Status | None, lang: str, limit: int = 100) -> list[Json]:
    """Moderators: reports newest first (`status` to pick open, hidden or dismissed ones)."""
    check_moderator(actor)
    async with fair.db.reader() as s:
        q = select(MessageReport).order_by(MessageReport.id.desc()).limit(limit)
        if status is not None:
            q = q.where(MessageReport.status == status)
        return await _with_context(s, list((await s.execute(q)).scalars()), lang)


async def do_resolve(
    fair: Fair, actor: AuthUser, report_id: int, action: Literal["hide", "dismiss"], note: str
) -> tuple[list[int], int, int]:
    """Hide the reported message or dismiss the reports of it (moderators); audited.

    Returns the reports closed, the booth and the message. `conflict` when already resolved.
    """
    check_moderator(actor)
    async with fair.db.session() as s:
        report = await s.get(MessageReport, report_id)
        if report is None:
            raise NotFound("no such report")
        if report.status != "open":
            raise Conflict(f"this report is {report.status} already")
        message_id, booth_id = report.message_id, report.booth_id
        # Without a note of the moderator's own, the audit says what the report said.
        note = note or f"reported: {report.reason}" + (f" ({report.note})" if report.note else "")
    if action == "hide":
        await do_hide_message(fair, actor, message_id, note, close_reports=False)  # closed below, audited so
    async with fair.db.session() as s:
        q = select(MessageReport).where(MessageReport.message_id == message_id, MessageReport.status == "open")
        closed = list((await s.execute(q)).scalars())
        now = datetime.now(UTC)
        for r in closed:
            r.status = "hidden" if action == "hide" else "dismissed"
            r.resolved_by_id, r.resolved_at = actor.id, now
        target = await s.scalar(select(Message.author_id).where(Message.id == message_id))
        s.add(AuditEntry(actor_id=actor.id, action=f"report_{action}", booth_id=booth_id, message_id=message_id,
                         target_user_id=target, detail=(note or "")[:1000]))  # fmt: skip
        return [r.id for r in closed], booth_id, message_id


async def _with_context(s: AsyncSession, reports: list[MessageReport], lang: str) -> list[Json]:
    out: list[Json] = []
    for r in reports:
        msg = await s.get(Message, r.message_id)
        if msg is None:
            continue
        before_q = (
            select(Message)
            .where(Message.booth_id == msg.booth_id, Message.seq < msg.seq)
            .order_by(Message.seq.desc())
            .limit(CONTEXT_BEFORE)
        )
        before = list(reversed((await s.execute(before_q)).scalars().all()))
        msgs = [*before, msg]
        people = {m.author_id for m in msgs} | {r.reporter_id}
        if r.resolved_by_id is not None:
            people.add(r.resolved_by_id)
        names = await _names(s, people)
        texts = await _texts(s, [m.id for m in msgs], lang)
        booth_name = await s.scalar(select(Booth.name).where(Booth.id == r.booth_id))
        resolver = names.get(r.resolved_by_id) if r.resolved_by_id is not None else None
        out.append(
            {
                "id": r.id,
                "booth": {"id": r.booth_id, "name": booth_name or ""},
                "reason": r.reason,
                "note": r.note,
                "status": r.status,
                "created_at": iso(r.created_at),
                "reporter": names.get(r.reporter_id) or {"id": r.reporter_id, "display_name": "", "role": ""},
                "message": _message(msg, names, texts, lang),
                "before": [_message(m, names, texts, lang) for m in before],
                "resolved_by": resolver,
                "resolved_at": iso(r.resolved_at),
            }
        )
    return out


async def _names(s: AsyncSession, ids: set[int]) -> dict[int | None, Json]:
    q = select(User.id, User.display_name, User.role).where(User.id.in_(ids))
    return {uid: {"id": uid, "display_name": name, "role": role} for uid, name, role in (await s.execute(q)).all()}


async def _texts(s: AsyncSession, message_ids: list[int], lang: str) -> dict[int, tuple[str, bool]]:
    q = select(MessageTranslation.message_id, MessageTranslation.text, MessageTranslation.uncertain).where(
        MessageTranslation.message_id.in_(message_ids), MessageTranslation.lang == lang
    )
    return {int(mid): (text, bool(uncertain)) for mid, text, uncertain in (await s.execute(q)).all()}


def _message(m: Message, names: dict[int | None, Json], texts: dict[int, tuple[str, bool]], lang: str) -> Json:
    # The moderator's language when a translation is stored; the original otherwise. A doubted
    # translation says so (`uncertain`), as it does in the feed: a moderator decides on this text.
    text, uncertain = (m.text, False) if m.source_lang == lang else texts.get(m.id, (m.text, False))
    return {
        "id": m.id,
        "seq": m.seq,
        "author": names.get(m.author_id) or {"id": m.author_id, "display_name": "", "role": ""},
        "source_lang": m.source_lang,
        "original": m.text,
        "text": text,
        "uncertain": uncertain,
        "hidden": m.hidden_at is not None,
        "created_at": iso(m.created_at),
    }
