"""The app's livestream state: pipelines, nginx-rtmp, retention, and what viewers are told."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from media.ingest.rtmp import NginxRtmp, RtmpConfig
from media.manager import EndReason, LiveManager
from media.pipeline import LivePipeline
from media.storage.layout import MediaStore
from rooms import live
from rooms.db import Database
from rooms.models import LiveSession
from server.events import STREAM_STATE
from server.keys import DB, SIO
from server.rooms_naming import LOBBY_ROOM, booth_room
from server.settings import Settings
from server.tasks import Tasks

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
        self._tasks = Tasks("live service")  # work a request started and outlives it

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` after the request that asked for it has answered; `aclose` stops it."""
        self._tasks.spawn(work)

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
        await self._tasks.aclose()
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
        if self.settings.rtmp_public_url:
            return self.settings.rtmp_public_url
        host = self.settings.host
        if host in ("0.0.0.0", "::", ""):
            host = request.url.host or "127.0.0.1"
        return f"rtmp://{host}:{self.settings.rtmp_port}/live"


LIVE = web.AppKey("live", LiveService)
