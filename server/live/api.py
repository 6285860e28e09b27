"""Media files (HLS playlists and segments) and the live/replay HTTP API."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from media.playlist.hls import render_live
from media.storage.layout import CONTENT_TYPES, PLAYLIST_NAMES
from rooms import booths, live, product_texts
from rooms.errors import Conflict, NotFound, Unauthorized
from rooms.models import Booth
from rooms.payloads import Json
from rooms.pin_timeline import pin_timeline
from server.http_api import id_param, jsonify
from server.http_auth import optional_user, require_user
from server.keys import FAIR
from server.live.service import (
    LIVE,
    SEGMENT_CACHE,
    LiveService,
)

log = logging.getLogger(__name__)


async def media_file(request: web.Request) -> web.StreamResponse:
    """A session's playlist or segment, to anyone: media is exactly as public as the session list.

    The URL keeps the sequential session id on purpose. `GET /api/booths/{id}/sessions` lists
    every live and recorded session of every booth to anyone (replays are a feature of the fair),
    so an unguessable media id would hide nothing that is not listed next to it, while it would
    cost a migration, break the replay links already shared and change the media volume's layout
    that nginx serves in the scaled-out setup. What an id may reach is checked instead: a session
    that is live or recorded, not pruned, of a booth that exists (`servable_status`; a change
    shows within its 10 s cache), and only the three file-name shapes, no paths, no symlinks.
    Walking the ids therefore finds only what the listing shows (tests/test_media_access.py).
    """
    service = request.app[LIVE]
    sid = id_param(request, "session_id")
    name = request.match_info["name"]
    status = await service.servable_status(sid)
    if status is None:
        raise web.HTTPNotFound()
    if name in PLAYLIST_NAMES:
        return await _playlist(request, service, sid, name, status)
    path = service.store.servable_file(sid, name)
    if path is None:
        raise web.HTTPNotFound()
    suffix = path.suffix
    # The live thumbnail is replaced every few seconds; everything else never changes.
    cache = "public, max-age=4" if suffix == ".jpg" else SEGMENT_CACHE
    return web.FileResponse(path, headers={"Content-Type": CONTENT_TYPES[suffix], "Cache-Control": cache})


BLOCK_LIMIT_SECONDS = 3.0  # three target durations, as the HLS spec asks of a blocking reload


async def _playlist(
    request: web.Request, service: LiveService, sid: int, name: str, status: str
) -> web.Response:
    pipeline = service.manager.get(sid)
    body: bytes | None = None
    msn = request.query.get("_HLS_msn")
    if pipeline is not None and name == "live.m3u8" and msn is not None:
        # Blocking playlist reload: answer once segment `msn` exists (or the stream ended).
        # isascii: `isdigit` is also true of '²', which `int` refuses (a 500, not a 400).
        if not (msn.isascii() and msn.isdigit()) or len(msn) > 9 or int(msn) > len(pipeline.segments) + 2:
            raise web.HTTPBadRequest()
        await pipeline.wait_for_segments(int(msn) + 1, within=BLOCK_LIMIT_SECONDS)
    if pipeline is not None:
        body = pipeline.live_playlist if name == "live.m3u8" else pipeline.recording_playlist
        if not pipeline.segments:
            body = None
    elif status == "ended":
        path = service.store.servable_file(sid, "index.m3u8")
        body = await asyncio.to_thread(path.read_bytes) if path else None
    else:
        # Live on another node sharing the media volume: render from ffmpeg's files.
        segments = await asyncio.to_thread(service.store.read_segments, sid)
        body = render_live(segments, ended=False).encode() if segments else None
    if body is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=body,
        headers={"Content-Type": CONTENT_TYPES[".m3u8"], "Cache-Control": "no-cache"},
    )


# -- HTTP API -------------------------------------------------------------------------------------


async def get_stream_settings(request: web.Request) -> web.Response:
    actor = await require_user(request)
    service = request.app[LIVE]
    async with service.db.reader() as s:
        booth = await live.access_booth_for_staff(s, actor, id_param(request, "booth_id"))
    return jsonify(_stream_settings(request, service, booth.stream_key))


def _stream_settings(request: web.Request, service: LiveService, key: str) -> Json:
    return {"rtmp_url": service.rtmp_url(request), "stream_key": key, "rtmp_enabled": service.rtmp is not None,
            "rtmp_error": service.rtmp_error}  # fmt: skip


async def rotate_stream_key(request: web.Request) -> web.Response:
    actor = await require_user(request)
    service = request.app[LIVE]
    async with service.db.session() as s:
        key = await live.do_rotate_stream_key(s, actor, id_param(request, "booth_id"))
    return jsonify(_stream_settings(request, service, key))


async def end_session(request: web.Request) -> web.Response:
    """Staff of the booth or a moderator stop a live session, whatever its source."""
    actor = await require_user(request)
    service = request.app[LIVE]
    sid = id_param(request, "session_id")
    async with service.db.reader() as s:
        ls = await live.access_session_by_id(s, sid)
        if not (actor.is_moderator or actor.is_staff_of(ls.booth_id)):
            raise NotFound("no such session")
    if ls.status != "live":
        raise Conflict("the session is not live")
    if await service.manager.end(sid, "closed") is None:
        # Live in the database only (its pipeline is on no node): record the end here.
        async with service.db.session() as s:
            ended = await live.do_end_session(s, sid, duration_ms=None)
        if ended is not None:
            await service.emit_state(ended.booth_id, ended)
    async with service.db.reader() as s:
        ls = await live.access_session_by_id(s, sid)
    return jsonify({"session": live.session_payload(ls)})


async def get_live_state(request: web.Request) -> web.Response:
    service = request.app[LIVE]
    booth_id = id_param(request, "booth_id")
    async with service.db.reader() as s:
        await booths.access_booth_by_id(s, booth_id)
        ls = await live.live_session_of(s, booth_id)
    state = live.stream_state(booth_id, ls)
    pipeline = service.manager.get(ls.id) if ls else None
    # Live in the database but no segment yet: players would get a 404 playlist.
    state["ready"] = bool(pipeline and pipeline.segments) or (ls is not None and pipeline is None)
    with contextlib.suppress(Exception):
        state["viewers"] = (await request.app[FAIR].presence.get(booth_id)).viewers
    return jsonify(state)


async def list_booth_sessions(request: web.Request) -> web.Response:
    service = request.app[LIVE]
    booth_id = id_param(request, "booth_id")
    async with service.db.reader() as s:
        await booths.access_booth_by_id(s, booth_id)
        sessions = await live.list_sessions(s, booth_id)
    return jsonify({"sessions": [live.session_payload(ls) for ls in sessions if ls.status != "pruned"]})


async def get_session(request: web.Request) -> web.Response:
    actor = await optional_user(request)
    if actor is None:
        raise Unauthorized("sign in first (Authorization: Bearer <token>)")
    service = request.app[LIVE]
    sid = id_param(request, "session_id")
    async with service.db.reader() as s:
        ls = await live.access_session_by_id(s, sid)
        booth = await s.get(Booth, ls.booth_id)
        if booth is None:
            raise NotFound("no such session")
        pins = await pin_timeline(s, ls)
    chat = await _session_chat(request.app, sid, actor.lang)
    # The replay banner reads the pinned products in the caller's language.
    shown = [pin["product"] for pin in pins if pin["product"] is not None]
    local = await product_texts.localize(request.app[FAIR], booth.id, booth.lang, shown, actor.lang)
    by_id = {p["id"]: p for p in local}
    for pin in pins:
        if pin["product"] is not None:
            pin["product"] = by_id[pin["product"]["id"]]
    return jsonify({
        "session": live.session_payload(ls),
        "booth": {"id": booth.id, "slug": booth.slug, "name": booth.name, "lang": booth.lang},
        "chat": chat,
        "pins": pins,
    })  # fmt: skip


async def _session_chat(app: web.Application, session_id: int, lang: str) -> list[Json]:
    from rooms.chat import session_chat

    return [r.payload(lang) for r in await session_chat(app[FAIR], session_id, lang)]
