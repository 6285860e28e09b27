"""RTMP ingest for OBS: the on_publish / on_publish_done hooks our child nginx-rtmp calls."""

from __future__ import annotations

import ipaddress
import logging
import secrets

from aiohttp import web

from rooms import live
from rooms.errors import DomainError
from server.live.service import (
    LIVE,
    LiveService,
)

log = logging.getLogger(__name__)


def _from_our_nginx(request: web.Request, service: LiveService) -> bool:
    remote = request.remote or ""
    try:
        local = ipaddress.ip_address(remote).is_loopback or remote == service.hook_host
    except ValueError:
        local = False
    # As bytes: compare_digest raises TypeError for a str with non-ASCII characters (a 500).
    given = request.query.get("s", "").encode("utf-8", "surrogatepass")
    return local and secrets.compare_digest(given, service.hook_secret.encode())


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
    service.spawn(_pull(service, sid, booth_id, url))
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
