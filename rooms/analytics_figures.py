"""Booth figures from a booth's stored events: pure functions, no I/O (rooms/analytics.py loads).

The definitions (docs/protocol.md, "Booth analytics") live here, once:

- viewers: the sum over nodes of each node's buyers in the booth at each sample instant;
  `peak_viewers` is the largest such sum in the period.
- unique_buyers: distinct buyers with a visit in the period. A visit spans `joined_at` to
  `left_at`; one whose node died before it ended (`left_at` NULL) counts where it began only.
- countries, languages: distinct buyers per country (as their account says; "" when unknown)
  and per language they joined in.
- messages: chat messages in the booth in the period (`buyer_messages`: those of buyers).
- inquiries: leads created in the period; `inquiries_per_100_viewers` = inquiries × 100 /
  unique_buyers (null without buyers).
- first response: for each buyer who wrote in the chat or sent a lead in the period, from the
  first of those to the first answer after it: a chat message by the booth's staff, or the
  first status change or note on one of that buyer's leads of the period (`Lead.first_response_at`;
  only the booth's staff may work a lead). `median_first_response_s` is the median over the
  answered; `awaiting` counts the others. An answer may come after the period ends.
- waiting (the console's live list, rooms/waiting.py): a buyer's chat question waits from their
  first message that no answer (as above) has followed yet; the clock it shows is the wait that
  first response will time once answered.
"""

from __future__ import annotations

import bisect
import csv
import io
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

Json = dict[str, Any]

__all__ = ["BoothEvents", "Period", "day_periods", "figures", "figures_csv", "waiting_questions"]


@dataclass(frozen=True, slots=True)
class Period:
    key: str  # "2026-11-28", or "stream-12"
    start: datetime
    end: datetime
    session_id: int | None = None


@dataclass(slots=True)
class Visit:
    user_id: int
    joined_at: datetime
    left_at: datetime | None
    country: str | None
    lang: str


@dataclass(slots=True)
class BoothEvents:
    """What one booth's figures are computed from, loaded once for the whole window."""

    visits: list[Visit] = field(default_factory=list)
    samples: list[tuple[datetime, int]] = field(default_factory=list)  # summed over nodes, by time
    buyer_messages: list[tuple[datetime, int]] = field(default_factory=list)  # (at, buyer)
    other_messages: list[datetime] = field(default_factory=list)  # staff, moderators, ...
    staff_messages: list[datetime] = field(default_factory=list)  # sorted; may run past the window
    leads: list[tuple[datetime, int, datetime | None]] = field(
        default_factory=list
    )  # (at, buyer, first response)


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def day_periods(start: datetime, end: datetime) -> list[Period]:
    """UTC days meeting [start, end), each clipped to it."""
    day = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    while day < end:
        nxt = day + timedelta(days=1)
        out.append(Period(day.date().isoformat(), max(day, start), min(nxt, end)))
        day = nxt
    return out


def _within(at: datetime, p: Period) -> bool:
    return p.start <= at < p.end


def _visit_meets(v: Visit, p: Period) -> bool:
    if v.left_at is None:
        return _within(v.joined_at, p)
    return v.joined_at < p.end and v.left_at >= p.start


def first_responses(ev: BoothEvents, p: Period) -> tuple[list[float], int]:
    """Seconds to the first answer for each answered buyer who wrote in `p`, and how many await one."""
    first: dict[int, datetime] = {}
    for at, buyer in ev.buyer_messages:
        if _within(at, p) and (buyer not in first or at < first[buyer]):
            first[buyer] = at
    for at, buyer, _ in ev.leads:
        if _within(at, p) and (buyer not in first or at < first[buyer]):
            first[buyer] = at
    lead_answers: dict[int, list[datetime]] = {}
    for _, buyer, answered in ev.leads:
        if answered is not None:
            lead_answers.setdefault(buyer, []).append(answered)
    waits, awaiting = [], 0
    for buyer, t0 in first.items():
        answers = []
        i = bisect.bisect_right(ev.staff_messages, t0)
        if i < len(ev.staff_messages):
            answers.append(ev.staff_messages[i])
        answers.extend(at for at in lead_answers.get(buyer, []) if at >= t0)
        if answers:
            waits.append((min(answers) - t0).total_seconds())
        else:
            awaiting += 1
    return waits, awaiting


def waiting_questions(ev: BoothEvents, now: datetime) -> dict[int, tuple[datetime, int]]:
    """Buyers whose chat question has no answer at `now`: {buyer: (waiting since, messages since)}.

    The answers of `first_responses`: a staff chat message after the question, or the first
    response on one of the buyer's leads at or after it.
    """
    i = bisect.bisect_right(ev.staff_messages, now)
    last_staff = ev.staff_messages[i - 1] if i else None
    lead_answer: dict[int, datetime] = {}
    for _, buyer, answered in ev.leads:
        if answered is not None and answered <= now and (buyer not in lead_answer or answered > lead_answer[buyer]):
            lead_answer[buyer] = answered
    out: dict[int, tuple[datetime, int]] = {}
    for at, buyer in ev.buyer_messages:
        if at > now or (last_staff is not None and last_staff > at):
            continue
        if buyer in lead_answer and lead_answer[buyer] >= at:
            continue
        since, n = out.get(buyer, (at, 0))
        out[buyer] = (min(since, at), n + 1)
    return out


def _by_buyer(pairs: dict[int, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for value in pairs.values():
        out[value] = out.get(value, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def figures(ev: BoothEvents, p: Period) -> Json:
    visits = [v for v in ev.visits if _visit_meets(v, p)]
    countries = {v.user_id: v.country or "" for v in visits}
    languages = {v.user_id: v.lang for v in visits}
    buyers = len({v.user_id for v in visits})
    series = [{"at": iso(at), "viewers": n} for at, n in ev.samples if _within(at, p)]
    buyer_messages = sum(1 for at, _ in ev.buyer_messages if _within(at, p))
    messages = buyer_messages + sum(1 for at in ev.other_messages if _within(at, p))
    inquiries = sum(1 for at, _, _ in ev.leads if _within(at, p))
    waits, awaiting = first_responses(ev, p)
    return {
        "period": p.key,
        "session_id": p.session_id,
        "start": iso(p.start),
        "end": iso(p.end),
        "viewers": series,
        "peak_viewers": max((n for at, n in ev.samples if _within(at, p)), default=0),
        "unique_buyers": buyers,
        "countries": _by_buyer(countries),
        "languages": _by_buyer(languages),
        "messages": messages,
        "buyer_messages": buyer_messages,
        "inquiries": inquiries,
        "inquiries_per_100_viewers": round(inquiries * 100 / buyers, 1) if buyers else None,
        "median_first_response_s": round(statistics.median(waits), 1) if waits else None,
        "answered": len(waits),
        "awaiting": awaiting,
    }


CSV_COLUMNS = (
    "booth_id", "booth", "period", "session_id", "start", "end", "peak_viewers", "unique_buyers",
    "messages", "buyer_messages", "inquiries", "inquiries_per_100_viewers", "median_first_response_s",
    "answered", "awaiting", "countries", "languages",
)  # fmt: skip


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A cell starting with these runs as a formula in spreadsheets (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def figures_csv(rows: list[tuple[int, str, Json]]) -> str:
    """One line per (booth id, booth name, figures); countries and languages as `xx:n; yy:m`."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for booth_id, name, f in rows:
        spread = {
            k: "; ".join(f"{key or '?'}:{n}" for key, n in f[k].items()) for k in ("countries", "languages")
        }
        w.writerow([_cell(v) for v in (booth_id, name, *(spread.get(c, f.get(c)) for c in CSV_COLUMNS[2:]))])
    return buf.getvalue()
