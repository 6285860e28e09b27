"""Booth analytics: the stored events of a window, loaded once, turned into figures per period.

Everything comes from the database (visits and samples from rooms/visits.py, messages, leads
and their first responses), so every node answers the same. Definitions: rooms/analytics_figures.py.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.analytics_figures import (
    BoothEvents,
    Json,
    Period,
    Visit,
    day_periods,
    figures,
    first_responses,
    iso,
)
from rooms.auth import AuthUser
from rooms.context import Fair
from rooms.errors import BadRequest, Forbidden, NotFound
from rooms.models import Booth, BoothVisit, Lead, LiveSession, Message, PresenceSample, User

__all__ = ["booth_report", "check_window", "fair_report"]

MAX_WINDOW = timedelta(days=92)
DEFAULT_WINDOW = timedelta(days=7)
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(3000, 1, 1, tzinfo=UTC)
# A report reads a whole window (every booth's, for the fair's): a burst for a dashboard's
# refreshes and exports, then one a second.
PER_MINUTE, BURST = 60, 30


async def _limit(fair: Fair, actor: AuthUser) -> None:
    await fair.limiter.hit(
        f"analytics:{actor.id}", per_minute=PER_MINUTE, burst=BURST, message="too many analytics requests"
    )


def check_window(
    start: datetime | None, end: datetime | None, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """`[from, to)`, by default the last 7 days; at most 92 days, so one request stays cheap."""
    for t in (start, end):
        # Far from the year 1 and 9999, so no day or window arithmetic can overflow.
        if t is not None and not EARLIEST <= t.astimezone(UTC) <= LATEST:
            raise BadRequest("`from` and `to` must lie between 1970 and 2999")
    end = (end or now or datetime.now(UTC)).astimezone(UTC)
    start = (start or end - DEFAULT_WINDOW).astimezone(UTC)
    if start >= end:
        raise BadRequest("`from` must be before `to`")
    if end - start > MAX_WINDOW:
        raise BadRequest("the window is at most 92 days")
    return start, end


def check_can_read_analytics(actor: AuthUser, booth_id: int) -> None:
    if not (actor.is_moderator or actor.is_staff_of(booth_id)):
        raise Forbidden("only this booth's staff and moderators see its analytics")


async def _load(
    s: AsyncSession, booth_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, BoothEvents]:
    """Every booth's events meeting [start, end) (and the first staff answer after it)."""
    ev = {b: BoothEvents() for b in booth_ids}
    ids = list(booth_ids)
    visits = await s.execute(
        select(BoothVisit).where(
            BoothVisit.booth_id.in_(ids),
            BoothVisit.joined_at < end,
            or_(BoothVisit.left_at.is_(None), BoothVisit.left_at >= start),
        )
    )
    for v in visits.scalars():
        ev[v.booth_id].visits.append(Visit(v.user_id, v.joined_at, v.left_at, v.country, v.lang))
    samples = await s.execute(
        select(PresenceSample.booth_id, PresenceSample.at, func.sum(PresenceSample.viewers))
        .where(PresenceSample.booth_id.in_(ids), PresenceSample.at >= start, PresenceSample.at < end)
        .group_by(PresenceSample.booth_id, PresenceSample.at)
        .order_by(PresenceSample.at)
    )
    for booth_id, at, n in samples.all():
        ev[booth_id].samples.append((at, int(n)))
    staff = and_(User.role == "supplier", User.booth_id == Message.booth_id)
    messages = await s.execute(
        select(Message.booth_id, Message.created_at, Message.author_id, User.role, staff)
        .join(User, User.id == Message.author_id)
        .where(Message.booth_id.in_(ids), Message.created_at >= start, Message.created_at < end)
        .order_by(Message.created_at)
    )
    for booth_id, at, author, role, is_staff in messages.all():
        e = ev[booth_id]
        if role == "buyer":
            e.buyer_messages.append((at, author))
        else:
            e.other_messages.append(at)
            if is_staff:
                e.staff_messages.append(at)
    # The first staff answer after the window answers a buyer who wrote at its very end.
    after = await s.execute(
        select(Message.booth_id, func.min(Message.created_at))
        .join(User, User.id == Message.author_id)
        .where(Message.booth_id.in_(ids), Message.created_at >= end, staff)
        .group_by(Message.booth_id)
    )
    for booth_id, at in after.all():
        ev[booth_id].staff_messages.append(at)
    leads = await s.execute(
        select(Lead.booth_id, Lead.created_at, Lead.buyer_id, Lead.first_response_at).where(
            Lead.booth_id.in_(ids), Lead.created_at >= start, Lead.created_at < end
        )
    )
    for booth_id, at, buyer, answered in leads.all():
        ev[booth_id].leads.append((at, buyer, answered))
    return ev


async def _stream_periods(s: AsyncSession, booth_id: int, start: datetime, end: datetime) -> list[Period]:
    rows = await s.execute(
        select(LiveSession)
        .where(
            LiveSession.booth_id == booth_id,
            LiveSession.started_at < end,
            or_(LiveSession.ended_at.is_(None), LiveSession.ended_at >= start),
        )
        .order_by(LiveSession.started_at)
    )
    now = datetime.now(UTC)
    # A stream still live (or one whose end was never written) runs until now.
    return [
        Period(f"stream-{ls.id}", ls.started_at, ls.ended_at or max(now, ls.started_at), ls.id)
        for ls in rows.scalars()
    ]


async def booth_report(
    fair: Fair, actor: AuthUser, booth_id: int, start: datetime, end: datetime, granularity: str
) -> Json:
    """`{booth, from, to, granularity, periods: [figures], total: figures}` for staff and moderators."""
    check_can_read_analytics(actor, booth_id)
    await _limit(fair, actor)
    async with fair.db.reader() as s:
        booth = await s.get(Booth, booth_id)
        if booth is None:
            raise NotFound("no such booth")
        if granularity == "stream":
            periods = await _stream_periods(s, booth_id, start, end)
            lo = min([start, *(p.start for p in periods)])
            hi = max([end, *(p.end for p in periods)])
        else:
            periods, lo, hi = day_periods(start, end), start, end
        events = (await _load(s, [booth_id], lo, hi))[booth_id]
    return {
        "booth": {"id": booth.id, "name": booth.name, "slug": booth.slug},
        "from": iso(start),
        "to": iso(end),
        "granularity": granularity,
        "periods": [figures(events, p) for p in periods],
        "total": figures(events, Period("total", start, end)),
    }


async def fair_report(fair: Fair, actor: AuthUser, start: datetime, end: datetime) -> Json:
    """`{from, to, booths: [{booth, figures}], total}` across booths, for moderators and admins."""
    if not actor.is_moderator:
        raise Forbidden("only moderators and admins see the fair's analytics")
    await _limit(fair, actor)
    async with fair.db.reader() as s:
        booths = (await s.execute(select(Booth).order_by(Booth.name))).scalars().all()
        events = await _load(s, [b.id for b in booths], start, end)
    whole = Period("total", start, end)
    rows = [{"booth": {"id": b.id, "name": b.name, "slug": b.slug}, "figures": figures(events[b.id], whole)}
            for b in booths]  # fmt: skip
    merged = BoothEvents()
    for e in events.values():
        merged.visits += e.visits
        merged.buyer_messages += e.buyer_messages
        merged.other_messages += e.other_messages
        merged.leads += e.leads
    total = figures(merged, whole)
    # A fair's viewers add up across booths at each instant; first responses are per booth.
    series: dict[datetime, int] = {}
    for e in events.values():
        for at, n in e.samples:
            series[at] = series.get(at, 0) + n
    total["viewers"] = [{"at": iso(at), "viewers": n} for at, n in sorted(series.items())]
    total["peak_viewers"] = max(series.values(), default=0)
    waits = [w for e in events.values() for w in first_responses(e, whole)[0]]
    total["median_first_response_s"] = round(statistics.median(waits), 1) if waits else None
    total["answered"] = len(waits)
    total["awaiting"] = sum(r["figures"]["awaiting"] for r in rows)
    return {"from": iso(start), "to": iso(end), "booths": rows, "total": total}
