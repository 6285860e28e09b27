"""The HTTP API of booth analytics: a booth's figures per stream or per day, the fair's per booth.

Who may is the domain's question (rooms/analytics.py: a booth's staff for their booth,
moderators and admins for any, by the caller's current role); this module parses the query and
answers JSON or CSV.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from aiohttp import web
from pydantic import Field, ValidationError

from rooms import analytics
from rooms.analytics_figures import figures_csv
from server import schemas
from server.api_routes import api_routes
from server.errors import from_validation
from server.http_api import csv_attachment, id_param, jsonify
from server.http_auth import require_user
from server.keys import FAIR
from server.responses import IsoTime, Out

# --- Booth analytics: what the answers look like (the OpenAPI document's response models) ---

class ViewerSample(Out):
    at: IsoTime
    viewers: int = Field(description="buyers in the booth then, summed over nodes (staff excluded)")


class AnalyticsFigures(Out):
    """One period's figures; the definitions are in docs/protocol.md ("Booth analytics")."""

    period: str = Field(description="`YYYY-MM-DD` (a UTC day), `stream-<id>`, or `total`")
    session_id: int | None
    start: IsoTime
    end: IsoTime
    viewers: list[ViewerSample]
    peak_viewers: int
    unique_buyers: int
    countries: dict[str, int] = Field(description="distinct buyers per country (`\"\"`: unknown)")
    languages: dict[str, int] = Field(description="distinct buyers per language they joined in")
    messages: int
    buyer_messages: int
    inquiries: int
    inquiries_per_100_viewers: float | None
    median_first_response_s: float | None
    answered: int
    awaiting: int


class BoothRefOut(Out):
    id: int
    name: str
    slug: str


class BoothAnalyticsOut(Out):
    booth: BoothRefOut
    from_: IsoTime = Field(alias="from")
    to: IsoTime
    granularity: Literal["stream", "day"]
    periods: list[AnalyticsFigures]
    total: AnalyticsFigures


class BoothFigures(Out):
    booth: BoothRefOut
    figures: AnalyticsFigures


class FairAnalyticsOut(Out):
    from_: IsoTime = Field(alias="from")
    to: IsoTime
    booths: list[BoothFigures]
    total: AnalyticsFigures


def _query(request: web.Request) -> tuple[schemas.AnalyticsQuery, datetime, datetime]:
    try:
        q = schemas.AnalyticsQuery.model_validate(dict(request.query))
    except ValidationError as exc:
        raise from_validation(exc) from None
    start, end = (None if t is None else t if t.tzinfo else t.replace(tzinfo=UTC) for t in (q.from_, q.to))
    return (q, *analytics.check_window(start, end))


async def booth_analytics(request: web.Request) -> web.Response:
    """A booth's figures per period and in total; its staff, moderators and admins."""
    actor = await require_user(request)
    booth_id = id_param(request, "booth_id")
    q, start, end = _query(request)
    report = await analytics.booth_report(request.app[FAIR], actor, booth_id, start, end, q.granularity)
    if q.format == "csv":
        b = report["booth"]
        rows = [(b["id"], b["name"], f) for f in [*report["periods"], report["total"]]]
        return csv_attachment(figures_csv(rows), f"booth-{booth_id}-analytics.csv")
    return jsonify(report)


async def fair_analytics(request: web.Request) -> web.Response:
    """Every booth's figures over the window, and the fair's; moderators and admins."""
    actor = await require_user(request)
    _, start, end = _query(request)
    report = await analytics.fair_report(request.app[FAIR], actor, start, end)
    if request.query.get("format") == "csv":
        rows = [(r["booth"]["id"], r["booth"]["name"], r["figures"]) for r in report["booths"]]
        return csv_attachment(figures_csv([*rows, (0, "(fair)", report["total"])]), "fair-analytics.csv")
    return jsonify(report)


def setup_analytics_api(app: web.Application) -> None:
    api = api_routes(app)
    csv = {"text/csv": {"type": "string"}}
    api.get("/api/booths/{booth_id:\\d+}/analytics", booth_analytics, summary="A booth's analytics (JSON or CSV)",
            description="That booth's staff, moderators and admins. Per live stream or per UTC day.",
            auth="bearer", tag="analytics", query=schemas.AnalyticsQuery, response=BoothAnalyticsOut,
            alternatives=csv, errors=(429,))  # fmt: skip
    api.get("/api/analytics", fair_analytics, summary="Every booth's analytics (JSON or CSV)",
            description="Moderators and admins.", auth="bearer", tag="analytics", query=schemas.AnalyticsQuery,
            response=FairAnalyticsOut, alternatives=csv, errors=(429,))  # fmt: skip
