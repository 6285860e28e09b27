"""The socket.io endpoint's one-frame edge (server/socket_edge.py) does what the chain does for it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from server.app import create_app
from server.forwarded import forwarded_middleware
from server.http_api import error_middleware
from server.http_edge import size_middleware
from server.keys import SIO
from server.log_format import REQUEST_ID_HEADER, access_log_middleware, request_id_middleware
from server.settings import Settings
from server.socket_edge import socket_edge

SocketHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SEEN = web.AppKey("seen_by_chain", list[str])


def test_the_chain_the_edge_stands_for(tmp_path: Path) -> None:
    """A middleware added to the app is skipped by socket.io requests: add it to the edge too."""
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/x.db", secret_key="s" * 40,
                        rtmp_port=0, trusted_proxies=("10.0.0.0/8",))  # fmt: skip
    app = create_app(settings)
    names = [getattr(m, "__qualname__", repr(m)) for m in app.middlewares]
    assert names == [
        "socket_edge.<locals>.middleware",
        "forwarded_middleware.<locals>.middleware",
        request_id_middleware.__qualname__,
        access_log_middleware.__qualname__,
        error_middleware.__qualname__,
        size_middleware.__qualname__,
        # Pages only (server/pages.py): a socket.io request is never a person's missed page.
        "_not_found_middleware.<locals>.not_found",
    ]
    # The edge recognises the socket.io route by the handler engine.io registered for it.
    socket_routes = [
        r for r in app.router.routes() if r.resource is not None and r.resource.canonical == "/socket.io/"
    ]
    assert socket_routes and all(r.handler == app[SIO].eio.handle_request for r in socket_routes)


@asynccontextmanager
async def _edge_app(
    handler: SocketHandler, settings: Settings
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """A bare app: the socket route and `/other`, behind the same chain as the real one."""
    seen_by_chain: list[str] = []

    @web.middleware
    async def inner(request: web.Request, handler: SocketHandler) -> web.StreamResponse:
        seen_by_chain.append(request.path)
        return await handler(request)

    async def other(request: web.Request) -> web.Response:
        return web.Response(text=f"other from {request.remote}")

    middlewares: list[Any] = [socket_edge(settings, handler)]
    if settings.trusted_proxies:
        middlewares.append(forwarded_middleware(settings.trusted_proxies))
    middlewares += [request_id_middleware, access_log_middleware, error_middleware, inner]
    app = web.Application(middlewares=middlewares)
    app.router.add_route("*", "/socket.io/", handler)
    app.router.add_get("/other", other)
    app[SEEN] = seen_by_chain
    async with TestClient(TestServer(app)) as client:
        yield client


def _settings(tmp_path: Path, **kw: Any) -> Settings:
    return Settings(data_dir=tmp_path, **kw)


async def test_socket_requests_skip_the_chain_and_keep_its_work(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    remotes: list[str | None] = []

    async def handler(request: web.Request) -> web.Response:
        remotes.append(request.remote)
        return web.Response(text="ok")

    settings = _settings(tmp_path, trusted_proxies=("127.0.0.1/32",))
    async with _edge_app(handler, settings) as client:
        with caplog.at_level(logging.INFO, logger="boothcast.access"):
            r = await client.get(
                "/socket.io/?EIO=4", headers={"X-Forwarded-For": "198.51.100.7", REQUEST_ID_HEADER: "abc-1"}
            )
            assert r.status == 200 and r.headers[REQUEST_ID_HEADER] == "abc-1"
            r = await client.get("/socket.io/", headers={REQUEST_ID_HEADER: "bad id!"})
            assert len(r.headers[REQUEST_ID_HEADER]) == 16  # a fresh one, not the forged one
            r = await client.get("/other", headers={"X-Forwarded-For": "198.51.100.8"})
            assert await r.text() == "other from 198.51.100.8" and REQUEST_ID_HEADER in r.headers
        assert remotes == ["198.51.100.7", "127.0.0.1"]
        assert client.app[SEEN] == ["/other"]
        access = [rec.getMessage() for rec in caplog.records if rec.name == "boothcast.access"]
        assert access[0].startswith('198.51.100.7 "GET /socket.io/" 200 ')
        assert access[1].startswith('127.0.0.1 "GET /socket.io/" 200 ')
        assert access[2].startswith('198.51.100.8 "GET /other" 200 ')
        assert len(access) == 3  # one line per request: the chain's access log skipped the socket route


@pytest.mark.parametrize(
    ("raised", "status"),
    [(ConnectionResetError("Connection lost"), 400), (web.HTTPForbidden(), 403), (RuntimeError("bug"), 500)],
)
async def test_socket_errors_are_answered_as_the_chain_answers_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, raised: Exception, status: int
) -> None:
    async def handler(request: web.Request) -> web.Response:
        raise raised

    async with _edge_app(handler, _settings(tmp_path)) as client:
        with caplog.at_level(logging.INFO):
            r = await client.get("/socket.io/", headers={REQUEST_ID_HEADER: "req-9"})
        assert r.status == status and r.headers[REQUEST_ID_HEADER] == "req-9"
        access = [rec.getMessage() for rec in caplog.records if rec.name == "boothcast.access"]
        assert access == [access[0]] and access[0].startswith(f'127.0.0.1 "GET /socket.io/" {status} ')
        if status == 500:
            assert (await r.json())["error"]["code"] == "internal"
            assert any("HTTP handler failed: GET /socket.io/" in rec.getMessage() for rec in caplog.records)


async def test_without_access_log_no_line_is_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async with _edge_app(handler, _settings(tmp_path, access_log=False)) as client:
        with caplog.at_level(logging.INFO, logger="boothcast.access"):
            assert (await client.get("/socket.io/")).status == 200
        assert not [rec for rec in caplog.records if rec.name == "boothcast.access"]
