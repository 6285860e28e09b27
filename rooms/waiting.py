"""Who is waiting for the booth's staff right now: unanswered chat questions and unworked leads.

A chat question waits by the analytics rule (rooms/analytics_figures.py `waiting_questions`), so the
console's clock shows the wait that "first response" will record. A lead waits until it is worked
(its `first_response_at`, rooms/leads.py): a chat reply answers the buyer for analytics but leaves
the lead itself to be worked, so it stays on the list.

Cheap for a big booth: one look-up of the last staff message, then only the buyer messages after
it, and the unworked leads; both over the last `LOOKBACK` at most. The console keeps the list live
from the chat and lead events it already receives (web/static/waiting.js), not by asking again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, select

from rooms.analytics_figures import BoothEvents, waiting_questions
from rooms.auth import AuthUser
from rooms.context import Fair
from rooms.errors import Forbidden, NotFound
from rooms.models import Booth, Lead, Message, User
from rooms.payloads import Json, iso

__all__ = ["LOOKBACK", "booth_waiting"]

# Older questions are history, not a queue (the analytics' default window).
LOOKBACK = timedelta(days=7)
# Bounds one answer however long a booth has gone unanswered.
MAX_ROWS = 5000
MAX_ENTRIES = 200
# The console asks on load, on reconnect and once a minute; a burst for several tabs.
PER_MINUTE, BURST = 30, 20


def _ms(since: datetime, now: datetime) -> int:
    return max(0, int((now - since).total_seconds() * 1000))


async def booth_waiting(fair: Fair, actor: AuthUser, booth_id: int, now: datetime | None = None) -> Json:
    """`{booth_id, now, waiting: [...]}`, the longest wait first; the booth's staff and moderators."""
    if not (actor.is_staff_of(booth_id) or actor.is_moderator):
        raise Forbidden("only this booth's staff and moderators see who is waiting")
    await fair.limiter.hit(f"waiting:{actor.id}", per_minute=PER_MINUTE, burst=BURST,
                           message="too many requests for the waiting list")  # fmt: skip
    now = now or datetime.now(UTC)
    start = now - LOOKBACK
    ev = BoothEvents()
    async with fair.db.reader() as s:
        if await s.get(Booth, booth_id) is None:
            raise NotFound("no such booth")
        staff = and_(User.role == "supplier", User.booth_id == Message.booth_id)
        last_staff = (
            await s.execute(
                select(func.max(Message.created_at))
                .join(User, User.id == Message.author_id)
                .where(Message.booth_id == booth_id, Message.created_at <= now, staff)
            )
        ).scalar_one_or_none()
        if last_staff is not None:
            ev.staff_messages.append(last_staff)
        after = max(start, last_staff) if last_staff is not None else start
        rows = await s.execute(
            select(Message.created_at, Message.author_id)
            .join(User, User.id == Message.author_id)
            .where(
                Message.booth_id == booth_id,
                Message.created_at >= after,
                Message.created_at <= now,
                User.role == "buyer",
                # A hidden line, or any line of a banned account, is spam a moderator took down:
                # nobody waits for an answer to it.
                Message.hidden_at.is_(None),
                User.banned_at.is_(None),
            )
            .order_by(Message.created_at)
            .limit(MAX_ROWS)
        )
        ev.buyer_messages = [(at, int(author)) for at, author in rows.all()]
        # Leads of the window: the unworked ones wait, the worked ones answer their buyer's questions.
        leads = (
            await s.execute(
                select(Lead.id, Lead.created_at, Lead.buyer_id, Lead.first_response_at)
                .join(User, User.id == Lead.buyer_id)
                .where(Lead.booth_id == booth_id, Lead.created_at >= start, Lead.created_at <= now,
                       User.banned_at.is_(None))
                .order_by(Lead.created_at)
                .limit(MAX_ROWS)
            )
        ).all()
        ev.leads = [(at, int(buyer), answered) for _, at, buyer, answered in leads]
        questions = waiting_questions(ev, now)
        open_leads: dict[int, list[tuple[int, datetime]]] = {}
        for lead_id, at, buyer_id, answered in leads:
            if answered is None:
                open_leads.setdefault(int(buyer_id), []).append((int(lead_id), at))
        buyer_ids = set(questions) | set(open_leads)
        people = (
            {u.id: u for u in (await s.execute(select(User).where(User.id.in_(buyer_ids)))).scalars()}
            if buyer_ids
            else {}
        )
    entries: list[Json] = []
    for buyer_id in buyer_ids:
        q = questions.get(buyer_id)
        own = open_leads.get(buyer_id, [])
        since = min([*(at for _, at in own), *([q[0]] if q else [])])
        u = people.get(buyer_id)
        buyer: Json = {"id": buyer_id, "display_name": u.display_name if u else "?"}
        if u is not None and u.company:
            buyer["company"] = u.company
        if u is not None and u.country:
            buyer["country"] = u.country
        entries.append({
            "buyer": buyer,
            "since": iso(since),
            "waited_ms": _ms(since, now),
            "question": {"since": iso(q[0]), "waited_ms": _ms(q[0], now), "messages": q[1]} if q else None,
            "leads": [{"id": lid, "created_at": iso(at), "waited_ms": _ms(at, now)} for lid, at in own],
        })  # fmt: skip
    entries.sort(key=lambda e: (-e["waited_ms"], e["buyer"]["id"]))
    return {"booth_id": booth_id, "now": iso(now), "waiting": entries[:MAX_ENTRIES]}
