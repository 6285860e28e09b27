"""Livestream over HTTP: the browser ingest WebSocket, RTMP hooks, media files, live/replay API.

The pipeline itself is `media/` (asyncio + ffmpeg); session records are `rooms/live.py`. This
module connects them to aiohttp and Socket.IO: `LiveService` is the pipeline's hooks (record the
end, tell the booth) and owns nginx-rtmp and the retention task; the handlers are thin.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

import orjson
from aiohttp import WSMsgType, web
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select

from media.ingest.rtmp import NginxRtmp, RtmpConfig
from media.ingest.sniff import Codec, HeaderSniffer
from media.manager import EndReason, LiveManager, wait_closed
from media.pipeline import LivePipeline
from media.playlist.hls import render_live
from media.storage.layout import CONTENT_TYPES, PLAYLIST_NAMES, MediaStore
from media.transcode.ffmpeg import FfmpegError
from rooms import live
from rooms.auth import AuthUser
from rooms.db import Database
from rooms.errors import BadRequest, Conflict, DomainError, NotFound, Unauthorized
from rooms.models import Booth, LiveSession, PinEvent, Product
from rooms.payloads import Json, product_payload
from rooms.users import load_actor
from server.events import STREAM_STATE
from server.http_api import jsonify
from server.http_auth import optional_user, require_user
from server.keys import DB, FAIR, SETTINGS, SIO, TOKENS
from server.rooms_naming import LOBBY_ROOM, booth_room
from server.settings import Settings

log = logging.getLogger(__name__)

GRACE_SECONDS = 15.0
PRUNE_EVERY_SECONDS = 3600.0
HOUSEKEEPING_SECONDS = 60.0
ORPHAN_AFTER_SECONDS = 60.0  # well above the grace period and any segment interval
MAX_CHUNK = 8 * 1024 * 1024
START_TIMEOUT = 10.0
SEGMENT_CACHE = "public, max-age=31536000, immutable"
STATUS_TTL = 10.0
CLOSE_MESSAGES = {
    "replaced": "the stream continues from another connection",
    "closed": "the stream was ended by the booth's staff or a moderator",
    "media_error": "the server could not process the stream",
}


@dataclass(frozen=True)
class PruneResult:
    sessions: int
    bytes_freed: int


async def prune_recordings(db: Database, store: MediaStore, retention_days: int) -> PruneResult:
    """Remove recordings older than the retention; their sessions become `pruned`."""
    async with db.reader() as s:
        ids = await live.sessions_to_prune(s, retention_days)
    freed = 0
    for sid in ids:
        freed += await asyncio.to_thread(store.remove_session, sid)
    async with db.session() as s:
        await live.mark_pruned(s, ids)
    if ids:
        log.info("pruned %d recordings, %d bytes", len(ids), freed)
    return PruneResult(len(ids), freed)


class LiveService:
    """The app's livestream state: pipelines, nginx-rtmp, and what viewers are told."""

    def __init__(
        self, app: web.Application, settings: Settings, *, grace_seconds: float = GRACE_SECONDS
    ) -> None:
        self.app = app
        self.settings = settings
        self.store = MediaStore(settings.effective_media_dir)
        self.manager = LiveManager(self.store, self, grace_seconds=grace_seconds)
        self.rtmp: NginxRtmp | None = None
        self.rtmp_error: str | None = None
        # Guards the RTMP hooks against other local processes: only our nginx knows it.
        self.hook_secret = secrets.token_urlsafe(24)
        self._status: dict[int, tuple[str | None, float]] = {}

    @property
    def hook_host(self) -> str:
        """The address nginx calls the hooks on: where this server listens, loopback if everywhere."""
        host = self.settings.host
        return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host

    @property
    def db(self) -> Database:
        return self.app[DB]

    # -- LiveHooks ------------------------------------------------------------------------------
    async def on_live(self, pipeline: LivePipeline) -> None:
        async with self.db.reader() as s:
            ls = await s.get(LiveSession, pipeline.session_id)
        if ls is not None and ls.status == "live":
            await self.emit_state(pipeline.booth_id, ls)

    async def on_ended(self, pipeline: LivePipeline, reason: EndReason) -> None:
        async with self.db.session() as s:
            ls = await live.do_end_session(s, pipeline.session_id, duration_ms=pipeline.duration_ms)
        self._status.pop(pipeline.session_id, None)
        if ls is not None:
            await self.emit_state(pipeline.booth_id, ls)

    async def emit_state(self, booth_id: int, ls: LiveSession | None) -> None:
        payload = live.stream_state(booth_id, ls)
        sio = self.app[SIO]
        try:
            await sio.emit(STREAM_STATE, payload, room=booth_room(booth_id))
            await sio.emit(STREAM_STATE, payload, room=LOBBY_ROOM)
        except Exception:
            log.exception("could not emit stream:state for booth %s", booth_id)

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        await asyncio.to_thread(self.store.ensure)
        await self.end_orphans()
        if self.settings.rtmp_port:
            await self._start_rtmp()

    async def end_orphans(self) -> list[int]:
        """End sessions live in the database that no ffmpeg has written for a while.

        They belong to a server that crashed. With several nodes, a session another node is
        serving keeps getting segments, so only silent ones are ended; a broadcaster reconnecting
        before that resumes the session on this node instead.
        """
        async with self.db.reader() as s:
            candidates = [
                ls.id for ls in await live.stale_live_sessions(s) if self.manager.get(ls.id) is None
            ]
        ended: list[int] = []
        now = time.time()
        for sid in candidates:
            last = await asyncio.to_thread(self.store.last_write, sid)
            if last is not None and now - last < ORPHAN_AFTER_SECONDS:
                continue
            rec = await asyncio.to_thread(self.manager.recover, sid)
            async with self.db.session() as s:
                ls = await live.do_end_session(s, sid, duration_ms=rec.duration_ms)
            if ls is not None:
                log.warning("session %s had no writer for %ss; ended it", sid, ORPHAN_AFTER_SECONDS)
                ended.append(sid)
                await self.emit_state(ls.booth_id, ls)
        return ended

    async def _start_rtmp(self) -> None:
        base = f"http://{self.hook_host}:{self.settings.port}/api/live/rtmp"
        cfg = RtmpConfig(
            workdir=self.settings.data_dir.resolve() / "rtmp",
            listen_host=self.settings.host,
            port=self.settings.rtmp_port,
            on_publish=f"{base}/on_publish?s={self.hook_secret}",
            on_publish_done=f"{base}/on_publish_done?s={self.hook_secret}",
        )
        rtmp = NginxRtmp(cfg)
        try:
            await rtmp.start()
        except (RuntimeError, OSError) as exc:
            self.rtmp_error = str(exc)
            log.warning("RTMP ingest disabled: %s", exc)
            return
        self.rtmp = rtmp

    async def aclose(self) -> None:
        await self.manager.aclose()
        if self.rtmp is not None:
            await self.rtmp.stop()
            self.rtmp = None

    async def housekeeping(self) -> None:
        """Every minute: end orphaned sessions; every hour: prune old recordings."""
        last_prune = -PRUNE_EVERY_SECONDS
        while True:
            try:
                await self.end_orphans()
                if time.monotonic() - last_prune >= PRUNE_EVERY_SECONDS:
                    last_prune = time.monotonic()
                    await prune_recordings(self.db, self.store, self.settings.recording_retention_days)
            except Exception:
                log.exception("livestream housekeeping failed")
            await asyncio.sleep(HOUSEKEEPING_SECONDS)

    # -- media access ---------------------------------------------------------------------------
    async def servable_status(self, session_id: int) -> str | None:
        """live/ended for a session whose files may be served; cached briefly for hot segments."""
        if self.manager.get(session_id) is not None:
            return "live"
        cached = self._status.get(session_id)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        async with self.db.reader() as s:
            status = await live.servable_status(s, session_id)
        if len(self._status) > 10_000:
            self._status.clear()
        self._status[session_id] = (status, now + STATUS_TTL)
        return status

    def rtmp_url(self, request: web.Request) -> str | None:
        if self.rtmp is None:
            return None
        host = self.settings.host
        if host in ("0.0.0.0", "::", ""):
            host = request.url.host or "127.0.0.1"
        return f"rtmp://{host}:{self.settings.rtmp_port}/live"


LIVE = web.AppKey("live", LiveService)


# -- browser ingest ---------------------------------------------------------------------------
class IngestStart(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    type: Literal["start"]
    token: str = Field(max_length=4096)
    booth_id: int
    mime: str = Field(default="", max_length=200)
    session_id: int | None = None


async def _send(ws: web.WebSocketResponse, data: Json) -> None:
    if not ws.closed:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_bytes(orjson.dumps(data)) if False else await ws.send_str(
                orjson.dumps(data).decode()
            )


async def _refuse(ws: web.WebSocketResponse, err: DomainError) -> web.WebSocketResponse:
    await _send(ws, {"type": "error", "error": err.as_dict()})
    await ws.close(code=4000 + err.status, message=err.code.encode())
    return ws


async def _ingest_actor(app: web.Application, token: str) -> AuthUser:
    user_id = app[TOKENS].user_id(token)
    _, actor = await load_actor(app[DB], user_id)
    return actor


async def ingest_ws(request: web.Request) -> web.WebSocketResponse:
    """Browser go-live: a `start` message, then MediaRecorder chunks as binary frames.

    Protocol in docs/protocol.md ("Livestream (ext)"). The token travels in the first message, not
    the URL, so it never lands in access logs.
    """
    service = request.app[LIVE]
    ws = web.WebSocketResponse(max_msg_size=MAX_CHUNK, heartbeat=10.0)
    await ws.prepare(request)
    try:
        msg = await ws.receive(timeout=START_TIMEOUT)
    except TimeoutError:
        return await _refuse(ws, BadRequest("send the start message first"))
    if msg.type != WSMsgType.TEXT:
        return await _refuse(ws, BadRequest("the first message must be the start message"))
    try:
        start = IngestStart.model_validate_json(msg.data)
        actor = await _ingest_actor(request.app, start.token)
        async with service.db.reader() as s:
            await live.access_booth_for_staff(s, actor, start.booth_id)
    except ValidationError:
        return await _refuse(ws, BadRequest("a malformed start message"))
    except DomainError as err:
        return await _refuse(ws, err)
    await _send(ws, {"type": "ready"})

    # Nothing is recorded and no ffmpeg spawned until the first bytes prove to be WebM.
    sniffer = HeaderSniffer(start.mime)
    verdict: Codec | Literal["more"] | None = "more"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while verdict == "more":
        try:
            msg = await ws.receive(timeout=max(0.01, deadline - loop.time()))
        except TimeoutError:
            return await _refuse(ws, BadRequest("no media arrived"))
        if msg.type != WSMsgType.BINARY:
            return await _refuse(ws, BadRequest("expected media chunks"))
        verdict = sniffer.feed(msg.data)
    if verdict is None:
        log.info("ingest refused: the stream starts with %r, not WebM", bytes(sniffer.buffer[:8]))
        return await _refuse(ws, BadRequest("the stream is not WebM/Matroska"))
    codec: Codec = verdict
    first = bytes(sniffer.buffer)
    try:
        async with service.db.session() as s:
            started = await live.do_start_or_resume(
                s, start.booth_id, "browser", started_by=actor.id, session_id=start.session_id
            )
        sid = started.session.id
        pipeline, run = await service.manager.start_browser(sid, start.booth_id, codec)
    except DomainError as err:
        return await _refuse(ws, err)
    except (RuntimeError, OSError) as exc:
        log.exception("could not start the pipeline")
        return await _refuse(ws, DomainError(f"could not start the stream: {exc}"))

    await _send(ws, {"type": "started", "session_id": sid, "resumed": started.resumed, "codec": codec,
                     "hls_url": live.hls_url(sid), "started_at": started.session.started_at.isoformat()})  # fmt: skip
    ending = False

    async def close_when_run_closes() -> None:
        if ending or ws.closed:
            return
        replaced = pipeline.run is not None and pipeline.run is not run
        if replaced:
            code, why = 4409, "replaced"
        elif pipeline.end_reason == "closed":
            code, why = 4403, "closed"
        else:
            code, why = 4500, "media_error"
        await _send(ws, {"type": "error", "error": {"code": why, "message": CLOSE_MESSAGES[why]}})
        await ws.close(code=code, message=why.encode())

    watcher = asyncio.create_task(wait_closed(run, close_when_run_closes))
    try:
        await pipeline.feed(first)
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                await pipeline.feed(msg.data)
            elif msg.type == WSMsgType.TEXT:
                if _is_end(msg.data):
                    ending = True
                    ended = await service.manager.end(sid, "stopped", only_run=run)
                    await _send(ws, {"type": "ended", "session_id": sid,
                                     "duration_ms": ended.duration_ms if ended else None})  # fmt: skip
                    await ws.close()
                    break
            else:
                break
    except FfmpegError as exc:
        # The manager ends the session from the failed run; the watcher tells the client.
        log.info("session %s: ingest stopped: %s", sid, exc)
    finally:
        if not ending:
            await service.manager.detach(sid, run)
        await asyncio.wait([watcher], timeout=2)
        watcher.cancel()
    return ws


def _is_end(data: str) -> bool:
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        return False
    return isinstance(parsed, dict) and parsed.get("type") == "end"


# -- RTMP hooks (called by our nginx) -----------------------------------------------------------
def _from_our_nginx(request: web.Request, service: LiveService) -> bool:
    remote = request.remote or ""
    try:
        local = ipaddress.ip_address(remote).is_loopback or remote == service.hook_host
    except ValueError:
        local = False
    return local and secrets.compare_digest(request.query.get("s", ""), service.hook_secret)


async def rtmp_on_publish(request: web.Request) -> web.Response:
    service = request.app[LIVE]
    if not _from_our_nginx(request, service) or service.rtmp is None:
        return web.Response(status=403)
    form = await request.post()
    key = str(form.get("name", ""))
    async with service.db.reader() as s:
        booth = await live.booth_by_stream_key(s, key)
    if booth is None:
        log.info("RTMP publish refused: unknown stream key")
        return web.Response(status=403)
    booth_id = booth.id
    try:
        async with service.db.session() as s:
            started = await live.do_start_or_resume(s, booth_id, "rtmp", started_by=None)
    except DomainError as err:
        log.info("RTMP publish for booth %s refused: %s", booth_id, err.message)
        return web.Response(status=409)
    url = service.rtmp.pull_url(key)
    sid = started.session.id
    # Pull once nginx has accepted the publish (after this answer); nginx lets the player wait.
    asyncio.get_running_loop().create_task(_pull(service, sid, booth_id, url))
    return web.Response(text="ok")


async def _pull(service: LiveService, sid: int, booth_id: int, url: str) -> None:
    try:
        await service.manager.start_rtmp(sid, booth_id, url)
    except Exception:
        log.exception("session %s: could not pull the RTMP stream", sid)
        async with service.db.session() as s:
            ls = await live.do_end_session(s, sid, duration_ms=None)
        if ls is not None:
            await service.emit_state(booth_id, ls)


async def rtmp_on_publish_done(request: web.Request) -> web.Response:
    service = request.app[LIVE]
    if not _from_our_nginx(request, service):
        return web.Response(status=403)
    form = await request.post()
    async with service.db.reader() as s:
        booth = await live.booth_by_stream_key(s, str(form.get("name", "")))
        ls = await live.live_session_of(s, booth.id) if booth else None
    if ls is not None and ls.source == "rtmp":
        # OBS "Stop streaming" and a dropped link look the same to nginx: end now.
        await service.manager.end(ls.id, "source_ended")
    return web.Response(text="ok")


# -- media files ----------------------------------------------------------------------------------
def _session_id(request: web.Request, name: str = "session_id") -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound("no such session")
    return int(raw)


async def media_file(request: web.Request) -> web.StreamResponse:
    service = request.app[LIVE]
    sid = _session_id(request)
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
    return web.FileResponse(
        path, headers={"Content-Type": CONTENT_TYPES[suffix], "Cache-Control": SEGMENT_CACHE}
    )


BLOCK_LIMIT_SECONDS = 3.0  # three target durations, as the HLS spec asks of a blocking reload


async def _playlist(
    request: web.Request, service: LiveService, sid: int, name: str, status: str
) -> web.Response:
    pipeline = service.manager.get(sid)
    body: bytes | None = None
    msn = request.query.get("_HLS_msn")
    if pipeline is not None and name == "live.m3u8" and msn is not None:
        # Blocking playlist reload: answer once segment `msn` exists (or the stream ended).
        if not msn.isdigit() or int(msn) > len(pipeline.segments) + 2:
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
def _booth_id(request: web.Request) -> int:
    raw = request.match_info["booth_id"]
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound("no such booth")
    return int(raw)


async def get_stream_settings(request: web.Request) -> web.Response:
    actor = await require_user(request)
    service = request.app[LIVE]
    async with service.db.reader() as s:
        booth = await live.access_booth_for_staff(s, actor, _booth_id(request))
    return jsonify(_stream_settings(request, service, booth.stream_key))


def _stream_settings(request: web.Request, service: LiveService, key: str) -> Json:
    return {"rtmp_url": service.rtmp_url(request), "stream_key": key, "rtmp_enabled": service.rtmp is not None,
            "rtmp_error": service.rtmp_error}  # fmt: skip


async def rotate_stream_key(request: web.Request) -> web.Response:
    actor = await require_user(request)
    service = request.app[LIVE]
    async with service.db.session() as s:
        key = await live.do_rotate_stream_key(s, actor, _booth_id(request))
    return jsonify(_stream_settings(request, service, key))


async def end_session(request: web.Request) -> web.Response:
    """Staff of the booth or a moderator stop a live session, whatever its source."""
    actor = await require_user(request)
    service = request.app[LIVE]
    sid = _session_id(request)
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
    booth_id = _booth_id(request)
    async with service.db.reader() as s:
        if await s.get(Booth, booth_id) is None:
            raise NotFound("no such booth")
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
    booth_id = _booth_id(request)
    async with service.db.reader() as s:
        if await s.get(Booth, booth_id) is None:
            raise NotFound("no such booth")
        sessions = await live.list_sessions(s, booth_id)
    return jsonify({"sessions": [live.session_payload(ls) for ls in sessions if ls.status != "pruned"]})


async def get_session(request: web.Request) -> web.Response:
    actor = await optional_user(request)
    if actor is None:
        raise Unauthorized("sign in first (Authorization: Bearer <token>)")
    service = request.app[LIVE]
    sid = _session_id(request)
    async with service.db.reader() as s:
        ls = await live.access_session_by_id(s, sid)
        booth = await s.get(Booth, ls.booth_id)
        if booth is None:
            raise NotFound("no such session")
        pins = await _pin_timeline(s, ls)
    chat = await _session_chat(request.app, sid, actor.lang)
    return jsonify({
        "session": live.session_payload(ls),
        "booth": {"id": booth.id, "slug": booth.slug, "name": booth.name, "lang": booth.lang},
        "chat": chat,
        "pins": pins,
    })  # fmt: skip


async def _session_chat(app: web.Application, session_id: int, lang: str) -> list[Json]:
    from rooms.chat import session_chat

    return [r.payload(lang) for r in await session_chat(app[FAIR], session_id, lang)]


async def _pin_timeline(s: Any, ls: LiveSession) -> list[Json]:
    """What was pinned when, as offsets into the session; the first entry is the pin at start."""
    end = ls.ended_at or live.utcnow()
    before = (
        select(PinEvent)
        .where(PinEvent.booth_id == ls.booth_id, PinEvent.at <= ls.started_at)
        .order_by(PinEvent.at.desc(), PinEvent.id.desc())
        .limit(1)
    )
    during = (
        select(PinEvent)
        .where(PinEvent.booth_id == ls.booth_id, PinEvent.at > ls.started_at, PinEvent.at <= end)
        .order_by(PinEvent.at, PinEvent.id)
    )
    events = list((await s.execute(before)).scalars()) + list((await s.execute(during)).scalars())
    ids = {e.product_id for e in events if e.product_id is not None}
    products = {}
    if ids:
        products = {p.id: p for p in (await s.execute(select(Product).where(Product.id.in_(ids)))).scalars()}
    out = []
    for e in events:
        offset = max(0, int((e.at - ls.started_at) / timedelta(milliseconds=1)))
        p = products.get(e.product_id) if e.product_id is not None else None
        out.append({"offset_ms": offset, "product_id": e.product_id,
                    "product": product_payload(p) if p else None})  # fmt: skip
    return out


# -- wiring ---------------------------------------------------------------------------------------
def setup_live(app: web.Application, *, grace_seconds: float = GRACE_SECONDS) -> None:
    """Routes and the cleanup context of the livestream; the app factory calls this."""
    r = app.router
    r.add_get("/api/live/ingest", ingest_ws)
    r.add_post("/api/live/rtmp/on_publish", rtmp_on_publish)
    r.add_post("/api/live/rtmp/on_publish_done", rtmp_on_publish_done)
    r.add_get(r"/media/{session_id:\d+}/{name}", media_file)
    r.add_get(r"/api/booths/{booth_id:\d+}/stream", get_stream_settings)
    r.add_post(r"/api/booths/{booth_id:\d+}/stream/rotate-key", rotate_stream_key)
    r.add_get(r"/api/booths/{booth_id:\d+}/live", get_live_state)
    r.add_get(r"/api/booths/{booth_id:\d+}/sessions", list_booth_sessions)
    r.add_get(r"/api/sessions/{session_id:\d+}", get_session)
    r.add_post(r"/api/sessions/{session_id:\d+}/end", end_session)

    async def live_ctx(app: web.Application) -> AsyncIterator[None]:
        service = LiveService(app, app[SETTINGS], grace_seconds=grace_seconds)
        app[LIVE] = service
        await service.start()
        pruner = asyncio.create_task(service.housekeeping())
        try:
            yield
        finally:
            pruner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pruner
            await service.aclose()

    app.cleanup_ctx.append(live_ctx)
