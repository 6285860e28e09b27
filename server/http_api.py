"""The HTTP API: sign-in, booths, leads, translation pairs, moderation audit."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, TypeVar

import orjson
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from pydantic import BaseModel, ValidationError

from rooms import booths, leads, moderation, product_texts
from rooms.errors import BadRequest, Banned, DomainError, NotFound
from rooms.payloads import user_payload
from rooms.users import GuestIn, actor_of, do_login, do_set_own_lang, load_actor
from server import responses, schemas
from server.api_routes import CATALOG, api_routes
from server.errors import as_unavailable, from_validation, internal, json_error
from server.http_auth import require_user
from server.http_edge import address_key
from server.http_phrases import setup_phrases_api
from server.keys import FAIR, SETTINGS, SIO, TOKENS
from server.rooms_naming import staff_room

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
MAX_BODY = 64 * 1024


def jsonify(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


# The code an `/api/` client reads for a status chosen by the router, aiohttp or a bare handler.
STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "bad_request", 409: "conflict", 413: "too_long", 429: "rate_limited"}  # fmt: skip


def api_error(status: int, message: str) -> web.Response:
    code = STATUS_CODES.get(status, "internal" if status >= 500 else "bad_request")
    return jsonify({"error": {"code": code, "message": message}}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every error under `/api/` is `{error: {code, message}}` with its status; 500 only for a bug."""
    api = request.path.startswith("/api/")
    try:
        response: web.StreamResponse = await handler(request)
    except Exception as exc:
        return error_answer(request, exc, api)
    if api and response.status >= 400 and isinstance(response, web.Response) and response.content_type != "application/json":
        # A bare error status (the RTMP hooks answer nginx with a status only) still reads as JSON.
        return api_error(response.status, response.reason)
    return response


def error_answer(request: web.Request, exc: Exception, api: bool) -> web.StreamResponse:
    """`error_middleware`'s answer to what a handler raised: a response, or an exception raised.

    A plain function, called from the `except` that caught `exc`, so that server/socket_edge.py
    answers the socket.io endpoint's errors alike without a middleware frame of its own.
    """
    if isinstance(exc, DomainError):
        return json_error(exc)
    if isinstance(exc, web.HTTPException):
        if exc.status >= 400 and api:
            return api_error(exc.status, exc.reason)
        raise exc
    if isinstance(exc, HttpProcessingError | web.RequestPayloadError):
        # A body aiohttp cannot decode (a bad Content-Encoding, a broken chunk): the client's error.
        if api:
            return api_error(400, "the body cannot be read (its encoding or framing is broken)")
        raise web.HTTPBadRequest() from None
    if (down := as_unavailable(exc)) is not None:  # the database refused, not the client
        return json_error(down)
    if isinstance(exc, ConnectionError):
        # The body was cut short (the client left): answer as for any unreadable body.
        if api:
            return api_error(400, "the body was cut short")
        raise web.HTTPBadRequest() from None
    log.exception("HTTP handler failed: %s %s", request.method, request.path)
    return json_error(internal())


async def body(request: web.Request, model: type[M]) -> M:
    op = request.app[CATALOG].of_request(request) if CATALOG in request.app else None
    if op is not None and op.body is not model:
        # A handler that parses another model than its route documents: a bug, caught by the tests.
        raise RuntimeError(f"{op.method} {op.doc_path} parses {model.__name__}, documents {op.body}")
    if request.headers.get("Content-Encoding", "identity").lower() != "identity":
        raise BadRequest("send the body uncompressed (no Content-Encoding)")
    try:
        # A client that declares a body and sends it slowly (or never) is not waited on forever.
        raw = await asyncio.wait_for(request.read(), request.app[SETTINGS].header_timeout)
    except TimeoutError:
        raise BadRequest("the body did not arrive in time") from None
    if len(raw) > MAX_BODY:
        raise BadRequest("the body is too large")
    try:
        data = orjson.loads(raw or b"null")
    except orjson.JSONDecodeError:
        raise BadRequest("the body must be JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc) from None


def id_param(request: web.Request, name: str) -> int:
    """A path id, or `not_found` for anything no 32-bit id column can hold (never a database error)."""
    value = schemas.path_id(request.match_info[name])
    if value is None:
        raise NotFound(f"no such {name.removesuffix('_id')}")
    return value


def _client_key(request: web.Request) -> str:
    # The client behind trusted proxies (server/forwarded.py), counted as the socket caps count it.
    return address_key(request.remote)


def csv_attachment(text: str, name: str) -> web.Response:
    """A CSV download. It starts with a byte-order mark: without one, Excel (the spreadsheet most
    suppliers open it in) reads UTF-8 as the local code page, and Chinese names, accents and
    translations turn to mojibake. Spreadsheets and CSV readers that know UTF-8 skip it."""
    return web.Response(text="\ufeff" + text, content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


async def healthz(request: web.Request) -> web.Response:
    return jsonify({"status": "ok"})


async def auth_guest(request: web.Request) -> web.Response:
    fair, settings = request.app[FAIR], request.app[SETTINGS]
    await fair.limiter.hit(
        f"guest:{_client_key(request)}", per_minute=settings.auth_rate_limit, burst=settings.auth_rate_limit,
        message="too many sign-ins from this address",
    )  # fmt: skip
    p = await body(request, schemas.GuestIn)
    if await fair.bans.paused_by(_client_key(request)) is not None:
        raise Banned(
            "guest sign-ins from this network are paused for a while after a ban; try again later",
            reason=None, scope="address",
        )  # fmt: skip
    user = await fair.guests.sign_in(GuestIn(p.display_name, p.lang, p.company, p.country))
    token = request.app[TOKENS].issue(actor_of(user))
    return jsonify({"token": token, "user": user_payload(user)})


async def auth_login(request: web.Request) -> web.Response:
    fair, settings = request.app[FAIR], request.app[SETTINGS]
    await fair.limiter.hit(
        f"login:{_client_key(request)}", per_minute=settings.auth_rate_limit / 2,
        burst=max(1, settings.auth_rate_limit // 2), message="too many sign-in attempts from this address",
    )  # fmt: skip
    p = await body(request, schemas.LoginIn)
    # Per account too: guessing one account's password from many addresses is still limited.
    await fair.limiter.hit(
        f"login-account:{p.email.casefold()}", per_minute=settings.auth_rate_limit / 2,
        burst=max(1, settings.auth_rate_limit // 2), message="too many sign-in attempts for this account",
    )  # fmt: skip
    user = await do_login(fair.db, email=p.email, password=p.password)
    token = request.app[TOKENS].issue(actor_of(user))
    return jsonify({"token": token, "user": user_payload(user)})


async def me(request: web.Request) -> web.Response:
    actor = await require_user(request)
    user, _ = await load_actor(request.app[FAIR].db, actor.id)
    return jsonify({"user": user_payload(user)})


async def update_me(request: web.Request) -> web.Response:
    actor = await require_user(request)
    p = await body(request, schemas.MeIn)
    user = await do_set_own_lang(request.app[FAIR].db, actor.id, p.lang)
    return jsonify({"user": user_payload(user)})


async def list_booths(request: web.Request) -> web.Response:
    return jsonify(await booths.list_booths(request.app[FAIR]))


async def get_booth(request: web.Request) -> web.Response:
    ref = request.match_info["booth"]
    if len(ref) > 80:
        raise NotFound("no such booth")
    detail = await booths.booth_detail(request.app[FAIR], ref)
    lang = request.query.get("lang")
    if lang is not None:
        # (ext) `?lang=`: every product also in that language (rooms/product_texts.py).
        fair = request.app[FAIR]
        product_texts.check_lang(lang)
        detail["products"] = await product_texts.localize(fair, detail["id"], detail["lang"], detail["products"], lang)
    return jsonify(detail)


async def booth_leads(request: web.Request) -> web.Response:
    actor = await require_user(request)
    booth_id = id_param(request, "booth_id")
    rows = await leads.list_leads(request.app[FAIR], actor, booth_id)
    if request.query.get("format") == "csv":
        notes = await leads.booth_lead_notes(request.app[FAIR], actor, booth_id)
        text = leads.leads_csv(rows, notes, lang=actor.lang)
        return csv_attachment(text, f"booth-{booth_id}-leads.csv")
    return jsonify({"leads": rows})


async def get_lead(request: web.Request) -> web.Response:
    actor = await require_user(request)
    return jsonify({"lead": await leads.get_lead(request.app[FAIR], actor, id_param(request, "lead_id"))})


async def patch_lead(request: web.Request) -> web.Response:
    actor = await require_user(request)
    p = await body(request, schemas.LeadStatusIn)
    lead = await leads.do_update_status(request.app[FAIR], actor, id_param(request, "lead_id"), p.status)
    await request.app[SIO].emit("lead:updated", lead, room=staff_room(lead["booth_id"]))
    return jsonify({"lead": lead})


async def post_note(request: web.Request) -> web.Response:
    actor = await require_user(request)
    p = await body(request, schemas.NoteIn)
    note, lead = await leads.do_add_note(request.app[FAIR], actor, id_param(request, "lead_id"), p.text)
    await request.app[SIO].emit("lead:updated", lead, room=staff_room(lead["booth_id"]))
    return jsonify({"note": note}, status=201)


async def translation_info(request: web.Request) -> web.Response:
    tr = request.app[FAIR].translator
    pairs = [{"source": p.source, "target": p.target, "via": p.via, "engines": list(p.engines)} for p in tr.pairs()]
    return jsonify({"languages": tr.languages(), "pairs": pairs})


async def audit(request: web.Request) -> web.Response:
    actor = await require_user(request)
    return jsonify({"entries": await moderation.audit_log(request.app[FAIR], actor)})


def setup_api(app: web.Application) -> None:
    app.middlewares.append(error_middleware)
    # Every route with its description: server/api_routes.py, served as /api/openapi.json.
    api = api_routes(app)
    api.get("/healthz", healthz, summary="Liveness", auth="none", tag="meta", response=responses.HealthOut)
    api.post("/api/auth/guest", auth_guest, summary="Guest sign-in (role buyer)", auth="none", tag="auth",
             body=schemas.GuestIn, response=responses.AuthOut, errors=(429,))
    api.post("/api/auth/login", auth_login, summary="Staff sign-in (supplier, moderator, admin)", auth="none",
             tag="auth", body=schemas.LoginIn, response=responses.AuthOut, errors=(401, 403, 429))
    api.get("/api/me", me, summary="The signed-in account", auth="bearer", tag="auth", response=responses.MeOut)
    api.patch("/api/me", update_me, summary="Change one's own language", auth="bearer", tag="auth",
              description="The same account in another language: its messages, leads and mutes stay its own.",
              body=schemas.MeIn, response=responses.MeOut)
    api.get("/api/booths", list_booths, summary="Every booth", auth="none", response=responses.BoothList)
    api.get("/api/booths/{booth_id:\\d+}/leads", booth_leads, summary="A booth's leads (JSON or CSV)",
            description="That booth's staff and moderators.", auth="bearer", tag="leads",
            query=schemas.LeadsQuery, response=responses.LeadsOut, alternatives={"text/csv": {"type": "string"}})
    api.get("/api/booths/{booth}", get_booth, summary="A booth by id or slug, with its products", auth="none",
            query=schemas.BoothQuery, response=responses.BoothDetail)
    api.get("/api/leads/{lead_id}", get_lead, summary="A lead with its notes", auth="bearer",
            description="That booth's staff and moderators.", response=responses.LeadOut)
    api.patch("/api/leads/{lead_id}", patch_lead, summary="Change a lead's status", auth="bearer",
              description="That booth's staff.", body=schemas.LeadStatusIn, response=responses.LeadOut)
    api.post("/api/leads/{lead_id}/notes", post_note, summary="Add a note to a lead", auth="bearer",
             description="That booth's staff.", tag="leads", body=schemas.NoteIn, response=responses.NoteOut,
             status=201)
    api.get("/api/translation", translation_info, summary="Languages and translation pairs", auth="none",
            response=responses.TranslationOut)
    api.get("/api/moderation/audit", audit, summary="The moderation audit log", auth="bearer",
            description="Moderators and admins.", response=responses.AuditOut)
    # Imported here: the glossary handlers reuse this module's body parsing and JSON answers.
    from server.http_glossary import setup_glossary_api

    setup_glossary_api(app)
    setup_phrases_api(app)
    from server.http_products import setup_products_api

    setup_products_api(app)
