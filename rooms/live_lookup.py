"""Read-only questions about live sessions that chat and leads ask on their hot paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.models import LiveSession, PinEvent


async def session_of_booth(s: AsyncSession, session_id: int, booth_id: int) -> bool:
    ls = await s.get(LiveSession, session_id)
    return ls is not None and ls.booth_id == booth_id


async def live_start(s: AsyncSession, booth_id: int) -> tuple[int, datetime] | None:
    """(session id, start time) of the booth's live session, if it is live."""
    row = (
        await s.execute(
            select(LiveSession.id, LiveSession.started_at).where(
                LiveSession.booth_id == booth_id, LiveSession.status == "live"
            )
        )
    ).first()
    return None if row is None else (row[0], row[1])


def offset_ms(started_at: datetime, at: datetime) -> int:
    return int((at - started_at).total_seconds() * 1000)


async def live_offset(s: AsyncSession, booth_id: int, now: datetime | None = None) -> tuple[int, int] | None:
    """(session id, ms since it started) of the booth's live session, if it is live."""
    live = await live_start(s, booth_id)
    if live is None:
        return None
    return live[0], offset_ms(live[1], now or datetime.now(UTC))


async def pinned_product_at(s: AsyncSession, session_id: int, offset_ms: int) -> int | None:
    """The product pinned at `offset_ms` into the session (the last pin at or before it)."""
    ls = await s.get(LiveSession, session_id)
    if ls is None:
        return None
    moment = ls.started_at + timedelta(milliseconds=offset_ms)
    q = (
        select(PinEvent.product_id)
        .where(PinEvent.booth_id == ls.booth_id, PinEvent.at <= moment)
        .order_by(PinEvent.at.desc(), PinEvent.id.desc())
        .limit(1)
    )
    return (await s.execute(q)).scalar_one_or_none()
