"""Moderation: hide a message, mute a user in a booth, ban a user from the fair; all audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from rooms.auth import AuthUser
from rooms.bans import ban_account, unban_account
from rooms.context import Fair
from rooms.errors import BadRequest, Forbidden, NotFound
from rooms.models import AuditEntry, Booth, Message, MessageReport, Mute, User
from rooms.payloads import Json, iso


def check_moderator(actor: AuthUser) -> None:
    if not actor.is_moderator:
        raise Forbidden("only moderators may do this")


def _audit(s: AsyncSession, actor: AuthUser, action: str, **kw: object) -> None:
    s.add(AuditEntry(actor_id=actor.id, action=action, **kw))


async def do_hide_message(
    fair: Fair, actor: AuthUser, message_id: int, reason: str | None, *, close_reports: bool = True
) -> tuple[int, list[int]]:
    """Hide a message for everyone, live and in history; the booth it was in, and the open
    reports of it closed as hidden (none left in the queue for a message nobody sees)."""
    check_moderator(actor)
    async with fair.db.session() as s:
        msg = await s.get(Message, message_id)
        if msg is None:
            raise NotFound("no such message")
        if msg.hidden_at is None:
            msg.hidden_at = datetime.now(UTC)
            msg.hidden_by_id = actor.id
            _audit(s, actor, "hide", booth_id=msg.booth_id, target_user_id=msg.author_id,
                   message_id=msg.id, detail=reason or "")  # fmt: skip
        closed = await _close_reports(s, actor, [msg.id]) if close_reports else {}
        return msg.booth_id, closed.get(msg.id, [])


async def _close_reports(s: AsyncSession, actor: AuthUser, message_ids: list[int]) -> dict[int, list[int]]:
    """Close the open reports of hidden messages as `hidden`; message → the report ids closed."""
    q = select(MessageReport).where(MessageReport.message_id.in_(message_ids), MessageReport.status == "open")
    now = datetime.now(UTC)
    closed: dict[int, list[int]] = {}
    for r in (await s.execute(q)).scalars():
        r.status, r.resolved_by_id, r.resolved_at = "hidden", actor.id, now
        closed.setdefault(r.message_id, []).append(r.id)
    return closed


async def do_mute(
    fair: Fair, actor: AuthUser, booth_id: int, user_id: int, minutes: int, reason: str | None
) -> datetime:
    check_moderator(actor)
    async with fair.db.session() as s:
        if await s.get(Booth, booth_id) is None:
            raise NotFound("no such booth")
        target = await s.get(User, user_id)
        if target is None:
            raise NotFound("no such user")
        if target.role in ("moderator", "admin"):
            raise BadRequest("moderators cannot be muted")
        until = datetime.now(UTC) + timedelta(minutes=minutes)
        s.add(Mute(booth_id=booth_id, user_id=user_id, until=until, reason=reason, by_id=actor.id))
        _audit(s, actor, "mute", booth_id=booth_id, target_user_id=user_id,
               detail=f"{minutes} min" + (f": {reason}" if reason else ""))  # fmt: skip
    return until


HIDE_ON_BAN_HOURS = 24  # a ban's "hide their messages" reaches this far back
HIDE_ON_BAN_MAX = 500  # and at most this many messages (a spammer's burst)


async def do_unban(fair: Fair, actor: AuthUser, user_id: int) -> bool:
    """Lift the user's ban, audited as `unban`; whether it changed. This node applies it at once."""
    check_moderator(actor)
    async with fair.db.session() as s:
        target = await s.get(User, user_id)
        if target is None:
            raise NotFound("no such user")
        changed = unban_account(s, target, actor.id, "by a moderator")
    if changed:
        fair.bans.lift(user_id)
    return changed


async def do_ban(
    fair: Fair, actor: AuthUser, user_id: int, reason: str | None, *, hide_messages: bool = False
) -> list[tuple[int, int, list[int]]]:
    """Ban the user from the fair; with `hide_messages`, also hide their messages of the last
    `HIDE_ON_BAN_HOURS` in every booth (a spammer's lines do not stay up after the ban). Returns
    (booth, message, reports closed) for each message hidden now."""
    check_moderator(actor)
    async with fair.db.session() as s:
        target = await s.get(User, user_id)
        if target is None:
            raise NotFound("no such user")
        if target.role in ("moderator", "admin"):
            raise BadRequest("moderators cannot be banned")
        ban_account(s, target, actor.id, reason, reason or "")
        if not hide_messages:
            return []
        now = datetime.now(UTC)
        q = (
            select(Message)
            .where(Message.author_id == user_id, Message.hidden_at.is_(None),
                   Message.created_at >= now - timedelta(hours=HIDE_ON_BAN_HOURS))
            .order_by(Message.id.desc())
            .limit(HIDE_ON_BAN_MAX)
        )  # fmt: skip
        hidden = list((await s.execute(q)).scalars())
        for msg in hidden:
            msg.hidden_at, msg.hidden_by_id = now, actor.id
        if hidden:
            _audit(s, actor, "hide", target_user_id=user_id,
                   detail=f"{len(hidden)} messages of the last {HIDE_ON_BAN_HOURS} h, with the ban")  # fmt: skip
        closed = await _close_reports(s, actor, [m.id for m in hidden]) if hidden else {}
        return [(m.booth_id, m.id, closed.get(m.id, [])) for m in sorted(hidden, key=lambda m: m.id)]


async def audit_log(fair: Fair, actor: AuthUser, limit: int = 200) -> list[Json]:
    check_moderator(actor)
    async with fair.db.reader() as s:
        target = aliased(User)
        q = (
            select(AuditEntry, User.display_name, target.display_name)
            .outerjoin(User, User.id == AuditEntry.actor_id)
            .outerjoin(target, target.id == AuditEntry.target_user_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
        return [
            {
                "id": e.id,
                "actor": {"id": e.actor_id, "display_name": name},
                "action": e.action,
                "booth_id": e.booth_id,
                "target_user_id": e.target_user_id,
                "target_user": (
                    {"id": e.target_user_id, "display_name": target_name}
                    if e.target_user_id is not None
                    else None
                ),
                "message_id": e.message_id,
                "detail": e.detail,
                "created_at": iso(e.created_at),
            }
            for e, name, target_name in (await s.execute(q)).all()
        ]


async def message_rates(fair: Fair) -> dict[int, int]:
    """Messages per booth in the last minute."""
    since = datetime.now(UTC) - timedelta(minutes=1)
    async with fair.db.reader() as s:
        q = (
            select(Message.booth_id, func.count())
            .where(Message.created_at >= since)
            .group_by(Message.booth_id)
        )
        return {int(b): int(n) for b, n in (await s.execute(q)).all()}
