"""Browser go-live: a `start` message, then MediaRecorder chunks over a WebSocket into the pipeline."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Literal

import orjson
from aiohttp import WSMsgType, web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from media.ingest.sniff import Codec, HeaderSniffer
from media.manager import wait_closed
from media.transcode.ffmpeg import FfmpegError
from rooms import live
from rooms.auth import AuthUser, session_actor
from rooms.errors import BadRequest, DomainError
from rooms.payloads import Json
from rooms.users import load_actor
from server.keys import DB, TOKENS
from server.live.service import (
    CLOSE_MESSAGES,
    LIVE,
    MAX_CHUNK,
    START_TIMEOUT,
)

log = logging.getLogger(__name__)


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
            await ws.send_str(orjson.dumps(data).decode())


async def _refuse(ws: web.WebSocketResponse, err: DomainError) -> web.WebSocketResponse:
    await _send(ws, {"type": "error", "error": err.as_dict()})
    await ws.close(code=4000 + err.status, message=err.code.encode())
    return ws


async def _ingest_actor(app: web.Application, token: str) -> AuthUser:
    claims = app[TOKENS].read(token)
    _, actor = await load_actor(app[DB], claims.user_id)
    return session_actor(actor, claims)


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
        # Flagged before the old run stops: when it has closed, the new one may not be there yet.
        replaced = run.superseded or (pipeline.run is not None and pipeline.run is not run)
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
        await asyncio.gather(watcher, return_exceptions=True)  # gone before the handler returns
    return ws


def _is_end(data: str) -> bool:
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        return False
    return isinstance(parsed, dict) and parsed.get("type") == "end"
