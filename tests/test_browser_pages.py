"""server/pages.py without a browser: routes, headers, MIME types, no path escapes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from server.pages import CONTENT_SECURITY_POLICY, setup_pages

WEB = Path(__file__).resolve().parent.parent / "web"


@pytest.fixture
async def client() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    setup_pages(app, WEB)
    async with TestClient(TestServer(app)) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        ("/", "/static/lobby.js"),
        ("/booths/shenzhen-brightway-led", "/static/booth.js"),
        ("/console", "/static/console.js"),
        ("/moderate", "/static/moderate.js"),
        ("/replay/12", "/static/replay.js"),
    ],
)
async def test_pages_carry_the_strict_csp(
    client: TestClient[web.Request, web.Application], path: str, marker: str
) -> None:
    r = await client.get(path)
    assert r.status == 200
    assert r.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.headers["Cache-Control"] == "no-cache"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    body = await r.text()
    assert marker in body
    # CSP forbids inline code: every <script> has a src, and there are no style attributes.
    assert "<script>" not in body and "style=" not in body and "onclick" not in body


async def test_static_modules_and_vendor_files(client: TestClient[web.Request, web.Application]) -> None:
    r = await client.get("/static/events.js")
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("text/javascript")
    r = await client.get("/static/app.css")
    assert r.headers["Content-Type"].startswith("text/css")
    for name in ("socket.io.min.js", "hls.min.js"):
        r = await client.get(f"/vendor/{name}")
        assert r.status == 200, name
        assert r.headers["Content-Type"].startswith("text/javascript")
        assert "max-age" in r.headers["Cache-Control"]
    assert (await client.get("/vendor/socket.io.min.js.map")).status == 200
    assert (await client.get("/vendor/left-pad.js")).status == 404


@pytest.mark.parametrize(
    "path",
    ["/static/../server/pages.py", "/static/%2e%2e/server/pages.py", "/static/.hidden", "/static/nope.js"],
)
async def test_nothing_outside_static_is_served(
    client: TestClient[web.Request, web.Application], path: str
) -> None:
    r = await client.get(path)
    assert r.status == 404
