"""The app factory: every resource in a cleanup context, closed in reverse order."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
import socketio
from aiohttp import web

from rooms.auth import Tokens
from rooms.bans import Bans
from rooms.chat_writer import ChatWriter
from rooms.context import Fair, Limits
from rooms.db import Database
from rooms.filter_store import FilterStore
from rooms.glossary_store import GlossaryStore
from rooms.outbox import RetryPolicy
from rooms.presence import MemoryPresence, Presence, RedisPresence
from rooms.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from rooms.retention import Retention
from rooms.slow_mode import SlowModeStore
from rooms.users import GuestSignIns
from rooms.visits import VisitLog
from server.connections import Connections
from server.fanout import ChatFanout
from server.forwarded import forwarded_middleware
from server.frames import GuardedPacket
from server.http_analytics import setup_analytics_api
from server.http_api import setup_api
from server.http_calendar import setup_calendar_api
from server.http_edge import MAX_REQUEST_BODY, size_middleware
from server.http_images import STORE as IMAGE_STORE
from server.http_images import setup_images_api
from server.http_moderation import setup_moderation_api
from server.http_waiting import setup_waiting_api
from server.http_webhooks import setup_webhook_api
from server.keys import (
    CONNECTIONS,
    DB,
    FAIR,
    FANOUT,
    METRICS,
    REDIS,
    SETTINGS,
    SIO,
    TOKENS,
    TRANSLATOR,
    WEBHOOK_SENDER,
)
from server.live import setup_live
from server.log_format import access_log_middleware, request_id_middleware
from server.metrics import Metrics, serve_metrics
from server.openapi import setup_openapi
from server.pages import setup_pages
from server.readiness import setup_readiness
from server.redis_link import open_redis
from server.settings import Settings
from server.socket_edge import socket_edge
from server.sockets import SocketApi
from server.webhook_sender import WebhookSender
from server.wire import DirectQueue, DirectSocketIO, FastEmitManager, FastRedisManager
from translation.api import Translator
from translation.service import open_translator
from translation.variants import ScriptVariants

log = logging.getLogger(__name__)

# Seconds the socket layer gets at shutdown to finish or cancel everything it started.
SOCKETS_CLOSE_S = 5.0
# Seconds a pruning batch under way gets to commit at shutdown before it is cancelled.
RETENTION_CLOSE_S = 5.0


class _OrjsonForSocketIO:
    """python-socketio's `json` hook: orjson is several times faster than json.

    orjson refuses integers beyond 64 bits; those rare payloads take the standard library's path,
    so a client sending one gets a validation error rather than a broken connection.
    """

    @staticmethod
    def dumps(obj: Any, **_: Any) -> str:
        try:
            return orjson.dumps(obj).decode()
        except TypeError:
            return json.dumps(obj, separators=(",", ":"))

    @staticmethod
    def loads(s: str | bytes, **_: Any) -> Any:
        try:
            return orjson.loads(s)
        except orjson.JSONDecodeError:
            return json.loads(s)


def create_sio(settings: Settings) -> socketio.AsyncServer:
    manager: socketio.AsyncManager
    if settings.redis_url:
        manager = FastRedisManager(settings.redis_url, channel=settings.redis_prefix)
    else:
        manager = FastEmitManager()
    # DirectSocketIO: websockets without permessage-deflate, frames written straight to the
    # transport (server/fanout.py says why).
    return DirectSocketIO(
        async_mode="aiohttp",
        client_manager=manager,
        # Events named like python-socketio's own (connect, disconnect) are malformed frames.
        serializer=GuardedPacket,
        json=_OrjsonForSocketIO,
        # Payloads far above the chat limit get an error ack rather than a dropped connection.
        max_http_buffer_size=1_000_000,
        ping_interval=settings.ping_interval,
        ping_timeout=settings.ping_timeout,
        logger=False,
        engineio_logger=False,
    )


def create_app(settings: Settings) -> web.Application:
    settings = settings.with_secret()
    # Every route's body limit (the largest JSON body is far below it); larger is `413 too_long`.
    app = web.Application(client_max_size=MAX_REQUEST_BODY)
    app[SETTINGS] = settings
    app[TOKENS] = Tokens(settings.secret_key, guest_hours=settings.guest_token_hours,
                         staff_hours=settings.staff_token_hours)  # fmt: skip
    app[METRICS] = metrics = Metrics()
    sio = create_sio(settings)
    if isinstance(sio.manager, FastRedisManager):
        sio.manager.on_error = metrics.redis_error
    sio.attach(app)
    app[SIO] = sio
    app[CONNECTIONS] = conns = Connections(
        max_per_user=settings.max_sockets_per_user, max_per_address=settings.max_sockets_per_address
    )
    metrics.readings.gauge("boothcast_connections", "Socket.IO connections on this node.", lambda: len(conns.by_sid))
    app.cleanup_ctx.append(_metrics_site)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_redis)
    app.cleanup_ctx.append(_translator)
    app.cleanup_ctx.append(_fair)
    app.cleanup_ctx.append(_webhooks)
    app.cleanup_ctx.append(_retention)
    app.cleanup_ctx.append(_sockets)
    app.on_shutdown.append(_close_client_connections)
    setup_api(app)
    setup_webhook_api(app)
    setup_moderation_api(app)  # word and link filter, reports
    setup_analytics_api(app)  # booth and fair figures
    setup_waiting_api(app)  # who waits for a booth's staff
    setup_images_api(app)  # logo, cover and product photo uploads; /media/images/
    setup_calendar_api(app)  # a booth's next stream as .ics
    setup_readiness(app)  # /readyz: the database and Redis answer
    app.middlewares.append(size_middleware)  # inside the error middleware: JSON under /api/
    if settings.access_log:
        app.middlewares.insert(0, access_log_middleware)  # sees the final status, logs with the id
    app.middlewares.insert(0, request_id_middleware)  # outside it: error lines carry the id too
    if settings.trusted_proxies:
        # Outermost but the socket edge below (which does the same for socket.io): everything
        # after it, limits and socket caps included, sees the real client.
        app.middlewares.insert(0, forwarded_middleware(settings.trusted_proxies, settings.forwarded_header))
    # Outside everything: the socket.io route gets the chain's work in one frame per connection
    # (server/socket_edge.py); a middleware added above must be added there too.
    app.middlewares.insert(0, socket_edge(settings, sio.eio.handle_request))
    _features(app, settings)
    setup_openapi(app)  # last: it documents every route registered above
    return app


def _features(app: web.Application, settings: Settings) -> None:
    setup_live(app)
    setup_pages(app, settings.web_dir)


async def _metrics_site(app: web.Application) -> AsyncIterator[None]:
    """`/metrics` on its own listener (server/metrics.py says why), when a port is set."""
    s = app[SETTINGS]
    if not s.metrics_port:
        yield
        return
    async for _site in serve_metrics(app[METRICS], s.metrics_host, s.metrics_port):
        yield


async def _database(app: web.Application) -> AsyncIterator[None]:
    db = Database(app[SETTINGS].effective_database_url)
    app[DB] = db
    yield
    await db.aclose()


async def _redis(app: web.Application) -> AsyncIterator[None]:
    url = app[SETTINGS].redis_url
    if not url:
        yield
        return
    redis = open_redis(url, on_error=app[METRICS].redis_error)  # fails fast: an outage is handled by each caller, not waited out
    await redis.ping()
    app[REDIS] = redis
    yield
    await redis.aclose()


async def _translator(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    translator: Translator
    async with open_translator(
        settings.models_dir,
        workers=settings.translation_workers,
        timeout=settings.translation_timeout,
        beam_size=settings.translation_beam,
        engines=settings.translation_engines,
    ) as translator:
        app[METRICS].watch_translator(translator)
        # Traditional Chinese readers and writers: exact script conversion around the models.
        app[TRANSLATOR] = app[METRICS].timed(ScriptVariants(translator))
        yield


async def _fair(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    presence: Presence
    limiter: RateLimiter
    if REDIS in app:
        prefix = settings.redis_prefix
        redis_presence = RedisPresence(app[REDIS], prefix=f"{prefix}:presence:")
        await redis_presence.start()
        presence, limiter = redis_presence, RedisRateLimiter(app[REDIS], prefix=f"{prefix}:rl:")
    else:
        presence, limiter = MemoryPresence(), MemoryRateLimiter()
    limits = Limits(
        chat_per_minute=settings.chat_rate_limit,
        chat_burst=settings.chat_burst,
        chat_max_length=settings.chat_max_length,
        inquiries_per_10_min=settings.inquiry_rate_limit,
        history_size=settings.history_size,
    )
    bans = Bans(app[DB], app.get(REDIS), channel=f"{settings.redis_prefix}:bans",
                address_hours=settings.ban_address_hours, proxies=settings.trusted_proxies)  # fmt: skip
    await bans.start()
    writer = ChatWriter(app[DB])
    writer.on_commit = app[METRICS].commit_latency.observe
    glossaries = GlossaryStore(app[DB])
    slow_mode = SlowModeStore(app[DB], app.get(REDIS), channel=f"{settings.redis_prefix}:slow_mode")
    await slow_mode.start()
    guests = GuestSignIns(app[DB])
    visits = VisitLog(app[DB], interval=settings.analytics_sample_seconds)  # the node's one writer of visits
    visits.start()
    app[FAIR] = Fair(app[DB], presence, limiter, app[TRANSLATOR], limits, writer, bans, glossaries,
                     FilterStore(app[DB]), slow_mode, guests, visits)  # fmt: skip
    yield
    await visits.aclose()  # after the sockets closed: it closes the visits still open
    await guests.aclose()
    await writer.aclose()
    await slow_mode.aclose()
    await bans.aclose()
    await presence.aclose()


async def _webhooks(app: web.Application) -> AsyncIterator[None]:
    """The node's one CRM delivery task (server/webhook_sender.py), over the outbox."""
    s = app[SETTINGS]
    policy = RetryPolicy(base=s.webhook_retry_base, cap=s.webhook_retry_cap, max_attempts=s.webhook_max_attempts)
    sender = WebhookSender(app[DB], timeout=s.webhook_timeout, policy=policy, poll_interval=s.webhook_poll_interval,
                           allow_private=s.webhook_allow_private)  # fmt: skip
    sender.start()
    app[WEBHOOK_SENDER] = sender
    yield
    await sender.aclose()


async def _retention(app: web.Application) -> AsyncIterator[None]:
    """The node's one pruning task (rooms/retention.py): old outbox rows, analytics events, and
    image files nothing names."""
    s = app[SETTINGS]
    retention = Retention(app[DB], app.get(IMAGE_STORE), outbox_days=s.outbox_retention_days,
                          analytics_days=s.analytics_retention_days)  # fmt: skip
    retention.start()
    yield
    await retention.aclose(asyncio.get_running_loop().time() + RETENTION_CLOSE_S)


async def _sockets(app: web.Application) -> AsyncIterator[None]:
    fanout = ChatFanout(app[SIO], app[FAIR], metrics=app[METRICS])
    app[FANOUT] = fanout
    api = SocketApi(app[SIO], app[FAIR], app[TOKENS], fanout, app[CONNECTIONS], metrics=app[METRICS])
    api.start()
    yield
    # One deadline for this node's socket work: handlers' follow-ups, pushes, then deliveries.
    deadline = asyncio.get_running_loop().time() + SOCKETS_CLOSE_S
    await api.aclose(deadline)
    await fanout.aclose(deadline)
    if isinstance(app[SIO].manager, FastRedisManager):
        await app[SIO].manager.aclose()
    await app[SIO].shutdown()


async def _close_client_connections(app: web.Application) -> None:
    """Close every client's connection as shutdown starts (aiohttp's `on_shutdown`).

    aiohttp waits for open requests before it runs the cleanup contexts, and a websocket is a
    request that lasts as long as its client stays: left open, a stopping node kept every page
    saying "Connected" (their sends timing out) until the ping timeout dropped them, ~45 s, and a
    restart found the old process still there. Closed at the engine.io level, so clients see their
    transport close and reconnect (through the load balancer, to another node) and catch up by
    seq. Neither a socket.io disconnect nor engine.io's close packet: clients take either as "the
    server sent me away" and do not come back (python-socketio's client does not, for the second).
    So a websocket gets only its close frame. Each close runs the socket's disconnect handler
    (presence, visits). Past the deadline the rest are aborted.
    """
    eio = app[SIO].eio
    socks = list(eio.sockets.values())
    try:
        async with asyncio.timeout(SOCKETS_CLOSE_S):
            for sock in socks:
                queue = sock.queue
                websocket = isinstance(queue, DirectQueue) and queue.all_direct and queue.on_close is not None
                try:
                    # A polling client gets the close packet: its next poll answers with it.
                    await sock.close(wait=False, abort=websocket, reason=eio.reason.SERVER_DISCONNECT)
                    if websocket and queue.on_close is not None:
                        queue.on_close()  # the websocket's close frame
                except Exception:  # one socket's disconnect handler must not keep the rest open
                    log.exception("closing a client connection at shutdown failed")
    except TimeoutError:
        log.warning("closing client connections took over %.0f s: aborting the rest", SOCKETS_CLOSE_S)
        for sock in socks:
            transport = getattr(sock.queue, "transport", None)
            if not sock.closed and transport is not None:
                transport.abort()
