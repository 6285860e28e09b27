"""The pages' files go out gzipped to browsers that accept it (server/static_gzip.py), through a
real server: the same bytes once unzipped, revalidated by their own ETag, compressed again after
an edit, and left to FileResponse for ranges and for clients that want no compression."""

from __future__ import annotations

import asyncio
import gzip
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from multidict import CIMultiDict

from server.settings import CHECKOUT_WEB_DIR
from tests.support import Server, database_from_template, settings_for_test, start_server

GZ = {"Accept-Encoding": "gzip, deflate, br"}
PLAIN = {"Accept-Encoding": "identity"}


@pytest.fixture
async def web_copy_server(
    templates: Callable[[str], str], tmp_path: Path, models_dir: Path
) -> AsyncIterator[tuple[Server, Path]]:
    """A server whose pages are a copy of web/ this test may edit (BOOTHCAST_WEB_DIR)."""
    web = tmp_path / "web"
    shutil.copytree(CHECKOUT_WEB_DIR, web, ignore=shutil.ignore_patterns("node_modules"))
    (web / "node_modules").symlink_to(CHECKOUT_WEB_DIR / "node_modules")
    url, drop = await database_from_template("sqlite", await asyncio.to_thread(templates, "sqlite"), tmp_path)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "models").symlink_to(models_dir)
    server, runner = await start_server(settings_for_test(data_dir, url, web_dir=web))
    try:
        yield server, web
    finally:
        await runner.cleanup()
        await drop()


async def _get(url: str, headers: dict[str, str], method: str = "GET") -> tuple[int, CIMultiDict[str], bytes]:
    # auto_decompress off: the test sees the bytes on the wire.
    async with aiohttp.ClientSession(auto_decompress=False) as h, h.request(method, url, headers=headers) as r:
        return r.status, CIMultiDict(r.headers), await r.read()


async def test_modules_styles_and_pages_go_out_gzipped_and_revalidate(web_copy_server: tuple[Server, Path]) -> None:
    server, web = web_copy_server
    for path, file in (("/static/booth.js", web / "static" / "booth.js"), ("/static/app.css", web / "static" / "app.css"),
                       ("/static/i18n/zh.js", web / "static" / "i18n" / "zh.js"),
                       ("/booths/shenzhen-brightway-led", web / "booth.html"),
                       ("/vendor/hls.min.js", web / "node_modules" / "hls.js" / "dist" / "hls.min.js")):  # fmt: skip
        status, headers, body = await _get(server.url + path, GZ)
        assert status == 200 and headers.get("Content-Encoding") == "gzip", (path, headers)
        assert headers["Vary"] == "Accept-Encoding" and gzip.decompress(body) == file.read_bytes(), path
        assert len(body) < file.stat().st_size * 0.6, (path, len(body))
        # The same headers as before: caching, type, and the pages' security policy.
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Content-Type"].split(";")[0] in (
            "text/javascript", "text/css", "text/html")  # fmt: skip
        if path.startswith("/booths/"):
            assert "default-src 'self'" in headers["Content-Security-Policy"]
        status, again, body = await _get(server.url + path, {**GZ, "If-None-Match": headers["ETag"]})
        assert status == 304 and body == b"" and again["ETag"] == headers["ETag"], path
        # Uncompressed for a client that wants it so, with another ETag (a cache keeps both apart).
        status, plain, body = await _get(server.url + path, PLAIN)
        assert status == 200 and "Content-Encoding" not in plain and body == file.read_bytes(), path
        assert plain.get("ETag") != headers["ETag"]
    status, headers, _ = await _get(server.url + "/static/booth.js", {"Accept-Encoding": "gzip;q=0"})
    assert status == 200 and "Content-Encoding" not in headers
    status, headers, body = await _get(server.url + "/static/booth.js", {**GZ, "Range": "bytes=0-9"})
    assert status == 206 and "Content-Encoding" not in headers and body == (web / "static" / "booth.js").read_bytes()[:10]
    status, headers, body = await _get(server.url + "/static/booth.js", GZ, method="HEAD")
    assert status == 200 and headers["Content-Encoding"] == "gzip" and body == b""
    status, headers, _ = await _get(server.url + "/static/nope.js", GZ)
    assert status == 404


async def test_an_edited_file_is_sent_as_it_now_is(web_copy_server: tuple[Server, Path]) -> None:
    """A checkout serves web/ as it is on disk: an edit shows on the next reload, compressed."""
    server, web = web_copy_server
    css = web / "static" / "app.css"
    _, first, body = await _get(server.url + "/static/app.css", GZ)
    assert gzip.decompress(body) == css.read_bytes()
    css.write_text(css.read_text() + "\n/* edited */\n" + "x" * 100)
    status, headers, body = await _get(server.url + "/static/app.css", {**GZ, "If-None-Match": first["ETag"]})
    assert status == 200 and gzip.decompress(body).endswith(b"x" * 100) and headers["ETag"] != first["ETag"]
