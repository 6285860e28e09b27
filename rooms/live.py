"""Live sessions as stored data: start, resume, end, list, prune, stream keys.

Plain SQLAlchemy over an `AsyncSession`; the caller owns the transaction (`Database.session()`),
and emits `stream:state` only after it commits. The processes behind a session live in `media/`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.auth import AuthUser
from rooms.errors import Conflict, Forbidden, NotFound
from rooms.models import Booth, LiveSession, utcnow
from rooms.payloads import Json, iso

Source = str  # "browser" | "rtmp"


def hls_url(session_id: int) -> str:
    return f"/media/{session_id}/live.m3u8"


def recording_url(session_id: int) -> str:
    return f"/media/{session_id}/index.m3u8"


def replay_url(session_id: int) -> str:
    return f"/replay/{session_id}"


def check_staff(actor: AuthUser, booth_id: int) -> None:
    """Only the booth's own staff broadcast for it or see its stream key."""
    if not actor.is_staff_of(booth_id):
        raise Forbidden("only this booth's staff may do that")


async def access_booth_for_staff(s: AsyncSession, actor: AuthUser, booth_id: int) -> Booth:
    booth = await s.get(Booth, booth_id)
    if booth is None:
        raise NotFound("no such booth")
    check_staff(actor, booth_id)
    return booth


async def live_session_of(s: AsyncSession, booth_id: int) -> LiveSession | None:
    q = select(LiveSession).where(LiveSession.booth_id == booth_id, LiveSession.status == "live")
    return (await s.execute(q.order_by(LiveSession.id.desc()).limit(1))).scalar_one_or_none()


@dataclass(frozen=True)
class Started:
    session: LiveSession
    resumed: bool


async def do_start_or_resume(
    s: AsyncSession, booth_id: int, source: Source, *, started_by: int | None, session_id: int | None = None
) -> Started:
    """The booth's live session from `source`: the running one (resume) or a new one.

    One live session per booth: a browser cannot go live over an OBS stream or the reverse
    (`Conflict`). `session_id`, when the client names the session it means to resume, must be it.
    """
    current = await live_session_of(s, booth_id)
    if current is not None:
        if current.source != source:
            raise Conflict(f"the booth is already live from {current.source}")
        if session_id is not None and session_id != current.id:
            raise NotFound("no such live session for this booth")
        return Started(current, resumed=True)
    if session_id is not None:
        raise NotFound("no such live session for this booth")
    ls = LiveSession(
        booth_id=booth_id, source=source, status="live", started_at=utcnow(), started_by_id=started_by
    )
    s.add(ls)
    await s.flush()
    return Started(ls, resumed=False)


async def do_end_session(
    s: AsyncSession, session_id: int, *, duration_ms: int | None, ended_at: datetime | None = None
) -> LiveSession | None:
    """Mark the session ended; None if it was not live (already ended by another path)."""
    ls = await s.get(LiveSession, session_id)
    if ls is None or ls.status != "live":
        return None
    ls.status = "ended"
    ls.ended_at = ended_at or utcnow()
    wall_ms = int((ls.ended_at - ls.started_at).total_seconds() * 1000)
    # The recorded media is what a replay can play; wall clock covers a session with no segment.
    ls.duration_ms = duration_ms if duration_ms else wall_ms
    return ls


async def stale_live_sessions(s: AsyncSession) -> list[LiveSession]:
    """Sessions still `live` in the database; at start-up these belong to a crashed server."""
    return list((await s.execute(select(LiveSession).where(LiveSession.status == "live"))).scalars())


def session_payload(ls: LiveSession) -> Json:
    live = ls.status == "live"
    return {
        "id": ls.id,
        "booth_id": ls.booth_id,
        "source": ls.source,
        "status": ls.status,
        "live": live,
        "started_at": iso(ls.started_at),
        "ended_at": iso(ls.ended_at),
        "duration_ms": ls.duration_ms,
        "hls_url": hls_url(ls.id) if live else recording_url(ls.id),
        "replay_url": None if ls.status == "pruned" else replay_url(ls.id),
    }


def stream_state(booth_id: int, ls: LiveSession | None) -> Json:
    """The `stream:state` payload."""
    if ls is None or ls.status != "live":
        return {"booth_id": booth_id, "live": False, "session_id": ls.id if ls else None, "hls_url": None,
                "started_at": None}  # fmt: skip
    return {"booth_id": booth_id, "live": True, "session_id": ls.id, "hls_url": hls_url(ls.id),
            "started_at": iso(ls.started_at)}  # fmt: skip


async def list_sessions(s: AsyncSession, booth_id: int, *, limit: int = 100) -> list[LiveSession]:
    """A booth's sessions, newest first, pruned ones included (they keep their chat)."""
    q = (
        select(LiveSession)
        .where(LiveSession.booth_id == booth_id)
        .order_by(LiveSession.id.desc())
        .limit(limit)
    )
    return list((await s.execute(q)).scalars())


async def access_session_by_id(s: AsyncSession, session_id: int) -> LiveSession:
    ls = await s.get(LiveSession, session_id)
    if ls is None:
        raise NotFound("no such session")
    return ls


async def servable_status(s: AsyncSession, session_id: int) -> str | None:
    """The status of a session whose media may be served (live or ended, booth exists), else None."""
    q = (
        select(LiveSession.status)
        .join(Booth, Booth.id == LiveSession.booth_id)
        .where(LiveSession.id == session_id, LiveSession.status.in_(("live", "ended")))
    )
    return (await s.execute(q)).scalar_one_or_none()


async def sessions_to_prune(s: AsyncSession, retention_days: int, now: datetime | None = None) -> list[int]:
    if retention_days <= 0:
        return []
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    q = select(LiveSession.id).where(LiveSession.status == "ended", LiveSession.ended_at < cutoff)
    return list((await s.execute(q)).scalars())


async def mark_pruned(s: AsyncSession, session_ids: list[int]) -> None:
    if session_ids:
        await s.execute(update(LiveSession).where(LiveSession.id.in_(session_ids)).values(status="pruned"))


def new_stream_key() -> str:
    return secrets.token_urlsafe(24)


async def booth_by_stream_key(s: AsyncSession, key: str) -> Booth | None:
    if not key or len(key) > 64:
        return None
    booth = (await s.execute(select(Booth).where(Booth.stream_key == key))).scalar_one_or_none()
    # The index lookup already matched; compare in constant time anyway so the decision does not
    # depend on where a guessed key first differs.
    if booth is None or not secrets.compare_digest(booth.stream_key, key):
        return None
    return booth


async def do_rotate_stream_key(s: AsyncSession, actor: AuthUser, booth_id: int) -> str:
    booth = await access_booth_for_staff(s, actor, booth_id)
    booth.stream_key = new_stream_key()
    return booth.stream_key
