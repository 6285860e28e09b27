"""Livestream over HTTP: the browser ingest WebSocket, RTMP hooks, media files, live/replay API.

The pipeline itself is `media/` (asyncio + ffmpeg); session records are `rooms/live.py`. This
package connects them to aiohttp and Socket.IO: `service.LiveService` is the pipeline's hooks
(record the end, tell the booth) and owns nginx-rtmp and the retention task; the handlers are thin.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from lifecycle.stop import stop
from server import responses, schemas
from server.api_routes import api_routes
from server.keys import METRICS, SETTINGS
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
    api = api_routes(app)
    api.get("/api/live/ingest", ingest_ws, summary="Browser go-live (WebSocket)", auth="none", tag="live",
            description="A WebSocket: the token travels in the first message (docs/protocol.md).",
            status=101, errors=(400,))  # fmt: skip
    for path, hook in (("on_publish", rtmp_on_publish), ("on_publish_done", rtmp_on_publish_done)):
        api.post(f"/api/live/rtmp/{path}", hook, summary=f"nginx-rtmp's {path} hook", auth="nginx", tag="live",
                 description="Our own nginx-rtmp only: loopback and the per-process secret.",
                 query=schemas.RtmpHookQuery, body=schemas.RtmpHookForm,
                 body_media="application/x-www-form-urlencoded", response_media="text/plain",
                 errors=(403, 409))  # fmt: skip
    r = app.router
    r.add_get(r"/media/{session_id:\d+}/{name}", media_file)
    staff = "Staff of the booth."
    api.get(r"/api/booths/{booth_id:\d+}/stream", get_stream_settings, summary="OBS settings of a booth",
            description=staff, auth="bearer", tag="live", response=responses.StreamSettings)  # fmt: skip
    api.post(r"/api/booths/{booth_id:\d+}/stream/rotate-key", rotate_stream_key, summary="A new stream key",
             description=staff, auth="bearer", tag="live", response=responses.StreamSettings)  # fmt: skip
    api.get(r"/api/booths/{booth_id:\d+}/live", get_live_state, summary="A booth's stream state", auth="none",
            tag="live", response=responses.LiveState)  # fmt: skip
    api.get(r"/api/booths/{booth_id:\d+}/sessions", list_booth_sessions, summary="A booth's sessions",
            auth="none", tag="live", response=responses.SessionsOut)  # fmt: skip
    api.get(r"/api/sessions/{session_id:\d+}", get_session, summary="A session with its chat and pins",
            auth="bearer", tag="live", response=responses.SessionDetail)  # fmt: skip
    api.post(r"/api/sessions/{session_id:\d+}/end", end_session, summary="End a live session", auth="bearer",
             description="Staff of the booth and moderators.", tag="live", response=responses.SessionOut,
             errors=(409,))  # fmt: skip

    async def live_ctx(app: web.Application) -> AsyncIterator[None]:
        service = LiveService(app, app[SETTINGS], grace_seconds=grace_seconds)
        app[LIVE] = service
        if METRICS in app:
            app[METRICS].watch_live(service.manager)
        await service.start()
        pruner = asyncio.create_task(service.housekeeping())
        try:
            yield
        finally:
            await stop(pruner, "the live housekeeping")
            await service.aclose()

    app.cleanup_ctx.append(live_ctx)
