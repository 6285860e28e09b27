"""The HTTP API of the fair's word and link filter and of message reports (moderators only).

Who may is the domain's question (`rooms/filter_store.py`, `rooms/reports.py`, by the caller's
current role); this module parses bodies and ids and pushes what a resolve changed.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from rooms import reports
from server import schemas
from server.api_routes import api_routes
from server.errors import from_validation
from server.http_api import body, id_param, jsonify
from server.http_auth import require_user
from server.keys import FAIR, FANOUT, SIO
from server.moderation_sockets import ModerationPush
from server.responses import Out

WHO = "Moderators and admins."


class FiltersOut(Out):
    terms: list[str]
    link_policy: str
    allowed_domains: list[str]
    version: int
    updated_at: str | None


class ReportedMessage(Out):
    id: int
    seq: int
    author: dict[str, Any]
    source_lang: str
    original: str
    text: str
    hidden: bool
    created_at: str | None


class Report(Out):
    id: int
    booth: dict[str, Any]
    reason: str
    note: str
    status: str
    created_at: str | None
    reporter: dict[str, Any]
    message: ReportedMessage
    before: list[ReportedMessage]
    resolved_by: dict[str, Any] | None
    resolved_at: str | None


class ReportsOut(Out):
    reports: list[Report]


class ResolvedOut(Out):
    report_ids: list[int]
    message_id: int
    status: str


async def _limit(request: web.Request, actor_id: int) -> None:
    await request.app[FAIR].limiter.hit(
        f"mod-http:{actor_id}", per_minute=60, burst=20, message="you are changing moderation settings too fast"
    )


async def get_filters(request: web.Request) -> web.Response:
    """`{terms, link_policy, allowed_domains, version, updated_at}`."""
    actor = await require_user(request)
    return jsonify(await request.app[FAIR].filters.get(actor))


async def put_filters(request: web.Request) -> web.Response:
    """Replace the lists; audited (`filters`, with what was added and removed)."""
    actor = await require_user(request)
    p = await body(request, schemas.FiltersIn)
    await _limit(request, actor.id)
    return jsonify(await request.app[FAIR].filters.do_update(actor, p.terms, p.link_policy, p.allowed_domains))


async def get_reports(request: web.Request) -> web.Response:
    """`{reports: [...]}`, newest first, each with its message, the 5 before it and the reporter."""
    actor = await require_user(request)
    try:
        q = schemas.ReportsQuery.model_validate(dict(request.query))
    except ValidationError as exc:
        raise from_validation(exc) from None
    rows = await reports.list_reports(request.app[FAIR], actor, q.status, actor.lang)
    return jsonify({"reports": rows})


async def post_resolve(request: web.Request) -> web.Response:
    """`{action: hide|dismiss, note?}` → which reports closed; `conflict` when resolved already."""
    actor = await require_user(request)
    report_id = id_param(request, "report_id")
    p = await body(request, schemas.ReportResolve)
    await _limit(request, actor.id)
    fair = request.app[FAIR]
    closed, booth_id, message_id = await reports.do_resolve(fair, actor, report_id, p.action, p.note)
    await ModerationPush(request.app[SIO], fair, request.app[FANOUT]).resolved(closed, booth_id, message_id, p.action)
    status = "hidden" if p.action == "hide" else "dismissed"
    return jsonify({"report_ids": closed, "message_id": message_id, "status": status})


def setup_moderation_api(app: web.Application) -> None:
    api = api_routes(app)
    tag = "moderation"
    api.get("/api/moderation/filters", get_filters, summary="The word and link filter", description=WHO,
            auth="bearer", tag=tag, response=FiltersOut)  # fmt: skip
    api.put("/api/moderation/filters", put_filters, summary="Replace the word and link filter", description=WHO,
            auth="bearer", tag=tag, body=schemas.FiltersIn, response=FiltersOut, errors=(409, 429))  # fmt: skip
    api.get("/api/moderation/reports", get_reports, summary="Reported messages with context", description=WHO,
            auth="bearer", tag=tag, query=schemas.ReportsQuery, response=ReportsOut)  # fmt: skip
    api.post("/api/moderation/reports/{report_id}/resolve", post_resolve, summary="Hide or dismiss a report",
             description=WHO, auth="bearer", tag=tag, body=schemas.ReportResolve, response=ResolvedOut,
             errors=(409, 429))  # fmt: skip

