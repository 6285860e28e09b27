"""Livestream over HTTP: the browser ingest WebSocket, RTMP hooks, media files, live/replay API.

The pipeline itself is `media/` (asyncio + ffmpeg); session records are `rooms/live.py`. This
package connects them to aiohttp and Socket.IO: `service.LiveService` is the pipeline's hooks
(record the end, tell the booth) and owns nginx-rtmp and the retention task; the handlers are thin.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from server.keys import SETTINGS
from server.live.api import (
    end_session,
    get_live_state,
    get_session,
    get_stream_settings,
    list_booth_sessions,
    media_file,
    rotate_stream_key,
)
from server.live.ingest import ingest_ws
from server.live.rtmp_hooks import rtmp_on_publish, rtmp_on_publish_done
from server.live.service import GRACE_SECONDS, LIVE, LiveService

__all__ = ["setup_live"]


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
