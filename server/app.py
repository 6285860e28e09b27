"""The app factory: every resource in a cleanup context, closed in reverse order."""

from __future__ import annotations

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
from rooms.glossary_store import GlossaryStore
from rooms.presence import MemoryPresence, Presence, RedisPresence
from rooms.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from server.fanout import ChatFanout
from server.frames import GuardedPacket
from server.http_api import setup_api
from server.http_edge import MAX_REQUEST_BODY, size_middleware
from server.keys import CONNECTIONS, DB, FAIR, FANOUT, REDIS, SETTINGS, SIO, TOKENS, TRANSLATOR
from server.redis_link import open_redis
from server.settings import Settings
from server.sockets import Connections, SocketApi
from server.wire import DirectSocketIO, FastEmitManager, FastRedisManager
from translation.api import Translator

log = logging.getLogger(__name__)


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
        ping_interval=25,
        ping_timeout=20,
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
    sio = create_sio(settings)
    sio.attach(app)
    app[SIO] = sio
    app[CONNECTIONS] = Connections(
        max_per_user=settings.max_sockets_per_user, max_per_address=settings.max_sockets_per_address
    )
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_redis)
    app.cleanup_ctx.append(_translator)
    app.cleanup_ctx.append(_fair)
    app.cleanup_ctx.append(_sockets)
    setup_api(app)
    app.middlewares.append(size_middleware)  # inside the error middleware: JSON under /api/
    _optional_features(app, settings)
    return app


def _optional_features(app: web.Application, settings: Settings) -> None:
    try:
        from server.live import setup_live
    except ImportError:
        log.warning("livestream module not available")
    else:
        setup_live(app)
    try:
        from server.pages import setup_pages
    except ImportError:
        log.warning("web pages not available")
    else:
        setup_pages(app, settings.web_dir)


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
    redis = open_redis(url)  # fails fast: an outage is handled by each caller, not waited out
    await redis.ping()
    app[REDIS] = redis
    yield
    await redis.aclose()


async def _translator(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    translator: Translator
    try:
        from translation.service import open_translator
    except ImportError:
        from translation.passthrough import PassthroughTranslator

        log.warning("translation engine not available: chat goes out untranslated")
        app[TRANSLATOR] = PassthroughTranslator()
        yield
        return
    async with open_translator(
        settings.models_dir, workers=settings.translation_workers, timeout=settings.translation_timeout
    ) as translator:
        app[TRANSLATOR] = translator
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
    bans = Bans(app[DB], app.get(REDIS), channel=f"{settings.redis_prefix}:bans")
    await bans.start()
    writer = ChatWriter(app[DB])
    glossaries = GlossaryStore(app[DB])
    app[FAIR] = Fair(app[DB], presence, limiter, app[TRANSLATOR], limits, writer, bans, glossaries)
    yield
    await writer.aclose()
    await bans.aclose()
    await presence.aclose()


async def _sockets(app: web.Application) -> AsyncIterator[None]:
    fanout = ChatFanout(app[SIO], app[FAIR])
    app[FANOUT] = fanout
    api = SocketApi(app[SIO], app[FAIR], app[TOKENS], fanout, app[CONNECTIONS])
    api.start()
    yield
    await api.aclose()
    await fanout.aclose()
    if isinstance(app[SIO].manager, FastRedisManager):
        await app[SIO].manager.aclose()
