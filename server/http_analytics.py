"""The HTTP API of booth analytics: a booth's figures per stream or per day, the fair's per booth.

Who may is the domain's question (rooms/analytics.py: a booth's staff for their booth,
moderators and admins for any, by the caller's current role); this module parses the query and
answers JSON or CSV.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from pydantic import ValidationError

from rooms import analytics
from rooms.analytics_figures import figures_csv
from server import responses, schemas
from server.api_routes import api_routes
from server.errors import from_validation
from server.http_api import id_param, jsonify
from server.http_auth import require_user
from server.keys import FAIR


def _query(request: web.Request) -> tuple[schemas.AnalyticsQuery, datetime, datetime]:
    try:
        q = schemas.AnalyticsQuery.model_validate(dict(request.query))
    except ValidationError as exc:
        raise from_validation(exc) from None
    start, end = (None if t is None else t if t.tzinfo else t.replace(tzinfo=UTC) for t in (q.from_, q.to))
    return (q, *analytics.check_window(start, end))


def _csv(text: str, name: str) -> web.Response:
    return web.Response(text=text, content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


async def booth_analytics(request: web.Request) -> web.Response:
    """A booth's figures per period and in total; its staff, moderators and admins."""
    actor = await require_user(request)
    booth_id = id_param(request, "booth_id")
    q, start, end = _query(request)
    report = await analytics.booth_report(request.app[FAIR], actor, booth_id, start, end, q.granularity)
    if q.format == "csv":
        b = report["booth"]
        rows = [(b["id"], b["name"], f) for f in [*report["periods"], report["total"]]]
        return _csv(figures_csv(rows), f"booth-{booth_id}-analytics.csv")
    return jsonify(report)


async def fair_analytics(request: web.Request) -> web.Response:
    """Every booth's figures over the window, and the fair's; moderators and admins."""
    actor = await require_user(request)
    _, start, end = _query(request)
    report = await analytics.fair_report(request.app[FAIR], actor, start, end)
    if request.query.get("format") == "csv":
        rows = [(r["booth"]["id"], r["booth"]["name"], r["figures"]) for r in report["booths"]]
        return _csv(figures_csv([*rows, (0, "(fair)", report["total"])]), "fair-analytics.csv")
    return jsonify(report)


def setup_analytics_api(app: web.Application) -> None:
    api = api_routes(app)
    csv = {"text/csv": {"type": "string"}}
    api.get("/api/booths/{booth_id:\\d+}/analytics", booth_analytics, summary="A booth's analytics (JSON or CSV)",
            description="That booth's staff, moderators and admins. Per live stream or per UTC day.",
            auth="bearer", tag="analytics", query=schemas.AnalyticsQuery, response=responses.BoothAnalyticsOut,
            alternatives=csv, errors=(429,))  # fmt: skip
    api.get("/api/analytics", fair_analytics, summary="Every booth's analytics (JSON or CSV)",
            description="Moderators and admins.", auth="bearer", tag="analytics", query=schemas.AnalyticsQuery,
            response=responses.FairAnalyticsOut, alternatives=csv, errors=(429,))  # fmt: skip
