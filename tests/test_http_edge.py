"""HTTP hygiene against a real server over raw TCP: every request gets an answer, never a 500,
every `/api/` error is JSON, slow and oversized requests are cut off."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import random
from dataclasses import dataclass

import pytest

from server.http_edge import address_key
from tests.support import Server


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def is_json(self) -> bool:
        return self.headers.get("content-type", "").startswith("application/json")


def _port(s: Server) -> int:
    return int(s.url.rsplit(":", 1)[1])


async def send(s: Server, raw: bytes, *, head_only: bool = False, timeout: float = 10) -> Answer | None:
    """Send raw bytes on a fresh connection; the answer, or None when the server just hung up."""
    reader, writer = await asyncio.open_connection("127.0.0.1", _port(s))
    try:
        writer.write(raw)
        await writer.drain()
        async with asyncio.timeout(timeout):
            data = await (reader.readuntil(b"\r\n\r\n") if head_only else reader.read())
    except (asyncio.IncompleteReadError, ConnectionResetError):
        return None
    finally:
        writer.close()
    if not data.startswith(b"HTTP/1."):
        return None
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(
        (k.strip().lower(), v.strip()) for k, v in (ln.split(":", 1) for ln in lines[1:] if ":" in ln)
    )
    if headers.get("transfer-encoding") == "chunked":
        body = _unchunk(body)
    return Answer(int(lines[0].split()[1]), headers, body)


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size, _, data = data.partition(b"\r\n")
        n = int(size, 16)
        if n == 0:
            break
        out, data = out + data[:n], data[n + 2 :]
    return out


def request(method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    head = f"{method} {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    if body or method in ("POST", "PATCH", "PUT"):
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode("latin-1") + b"\r\n" + body


async def test_static_paths_that_cannot_name_a_file_are_404(fair_server: Server) -> None:
    for target in ("/static/%00", "/static/a%00b.js", "/static/%01", "/static/%ed%b3%bf", "/static/x/%00/y",
                   "/static/%0d%0a", "/static/" + "a" * 400):  # fmt: skip
        answer = await send(fair_server, request("GET", target))
        assert answer is not None and answer.status == 404, (target, answer)
    ok = await send(fair_server, request("GET", "/static/events.js"))
    assert ok is not None and ok.status == 200


async def test_addresses_typed_by_hand_reach_the_page_or_a_page_that_says_so(fair_server: Server) -> None:
    """Not aiohttp's bare "404: Not Found" for a trailing slash or a capital letter (a user try)."""
    moved = {
        "/booths/": "/", "/booths": "/", "/booths/shenzhen-brightway-led/": "/booths/shenzhen-brightway-led",
        "/booths/Shenzhen-Brightway-LED": "/booths/shenzhen-brightway-led", "/console/?lang=es": "/console?lang=es",
        "/moderate//": "/moderate", "/booths/%C3%89t%C3%A9": "/booths/ete",
        "/booths/valencia-cer%C3%A1mica": "/booths/valencia-ceramica",
        "/Booths/Shenzhen-Brightway-LED": "/booths/shenzhen-brightway-led", "/moderate.html": "/moderate",
        "/console.html": "/console", "/lobby.html": "/", "/index.html": "/", "/CONSOLE": "/console",
    }  # fmt: skip
    for target, location in moved.items():
        answer = await send(fair_server, request("GET", target))
        assert answer is not None and (answer.status, answer.headers.get("location")) == (301, location), target
    for target in ("/nope", "/booth/shenzhen-brightway-led", "//evil.example/", "/%2F%2Fevil.example/", "/x/y/z/"):
        answer = await send(fair_server, request("GET", target))
        assert answer is not None and answer.status == 404 and "location" not in answer.headers, (target, answer)
        assert answer.headers["content-type"].startswith("text/html") and b'data-i18n="notfound.title"' in answer.body
    # Programs keep their own answers: JSON under /api/, a plain 404 for a file that is not there.
    for target in ("/api/nope", "/api/booths/"):
        answer = await send(fair_server, request("GET", target))
        assert answer is not None and answer.status == 404 and answer.is_json, (target, answer)
    answer = await send(fair_server, request("GET", "/static/nope.js"))
    assert answer is not None and answer.status == 404 and b"notfound" not in answer.body
    answer = await send(fair_server, request("POST", "/nope", body=b"{}"))
    assert answer is not None and answer.status in (404, 405) and b"notfound" not in answer.body


# Every route of the app, with its ids left for the generator to fill in.
ROUTES = [
    "/api/auth/guest", "/api/auth/login", "/api/me", "/api/booths", "/api/booths/{id}", "/api/booths/{id}/leads",
    "/api/leads/{id}", "/api/leads/{id}/notes", "/api/translation", "/api/moderation/audit",
    "/api/booths/{id}/glossary", "/api/booths/{id}/glossary/{id}", "/api/booths/{id}/live",
    "/api/booths/{id}/sessions", "/api/booths/{id}/stream", "/api/booths/{id}/stream/rotate-key",
    "/api/sessions/{id}", "/api/sessions/{id}/end", "/api/live/ingest", "/api/live/rtmp/on_publish",
    "/api/live/rtmp/on_publish_done", "/api/booths/{id}/webhooks", "/api/webhooks", "/api/webhooks/{id}",
    "/api/webhooks/{id}/deliveries", "/api/webhooks/{id}/deliveries/{id}/redeliver", "/api/nope/{id}", "/media/{id}/index.m3u8", "/media/{id}/live.m3u8",
    "/media/{id}/r000_00001.ts", "/media/{id}/{id}", "/static/{id}", "/vendor/{id}", "/booths/{id}",
    "/replay/{id}", "/", "/console", "/booths/{id}/", "/{id}/", "/{id}", "/booths/", "/healthz", "/readyz", "/favicon.ico", "/socket.io/",
]  # fmt: skip
IDS = ["1", "2", "0", "-1", "999999", "2147483648", "1" * 40, "abc", "%d9%a1%d9%a2", "%c2%b2", "%00", "%ff", "%c3%a9", "%ed%b3%bf",
       "%2e%2e", "..", "%2f", "a%00b", "%0d%0a", "x" * 300, "%25", "shenzhen-brightway-led", "events.js"]  # fmt: skip
QUERIES = ["", "?format=csv", "?_HLS_msn=%c2%b2", "?_HLS_msn=99999999999999999999", "?a=%00", "?EIO=4&transport=polling",
           "?EIO=3&transport=websocket", "?x=" + "y" * 2000]  # fmt: skip
BODIES = [b"", b"{}", b"{", b"null", b"[]", b"\x00\xff\xfe", b'{"display_name":"A","lang":"en"}',
          b'{"status":"won"}', b'{"term":"x","translations":{"zh":"y"}}', b'{"text":"' + b"a" * 6000 + b'"}',
          b"name=key&call=publish", json.dumps({"email": "x@y.z", "password": "p" * 300}).encode(),
          b'{"display_name":"a\\u0000","lang":"en"}', b'{"email":"a\\u0000@b.co","password":"x"}',
          b'{"text":"\\ud800"}', b'{"term":"\\u0000"}']  # fmt: skip


def _fuzz_requests(seed: int, n: int, tokens: list[str]) -> list[tuple[str, str, bytes]]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        path = rnd.choice(ROUTES)
        while "{id}" in path:
            path = path.replace("{id}", rnd.choice(IDS), 1)
        method = rnd.choice(["GET", "GET", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS", "PUT"])
        headers: dict[str, str] = {}
        if rnd.random() < 0.5:
            headers["Authorization"] = rnd.choice(
                [f"Bearer {t}" for t in tokens] + ["Bearer x", "Basic YQ==", "Bearer"]
            )
        if rnd.random() < 0.3:
            headers["Content-Type"] = rnd.choice(["application/json", "multipart/form-data; boundary=b",
                                                  "application/x-www-form-urlencoded", "text/plain"])  # fmt: skip
        body = rnd.choice(BODIES)
        if rnd.random() < 0.1:
            headers["Content-Encoding"] = rnd.choice(["gzip", "deflate"])
            body = rnd.choice([body, gzip.compress(body)])
        target = path + rnd.choice(QUERIES)
        out.append((method, target, request(method, target, headers, body)))
    return out


@pytest.mark.parametrize("fair_server", [{"auth_rate_limit": 0}], indirect=True)
async def test_fuzzed_requests_get_an_answer_never_a_500(
    fair_server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    s = fair_server
    caplog.set_level(logging.ERROR)
    tokens = [(await s.guest())[0], (await s.supplier())[0], (await s.moderator())[0]]
    failures = []
    for method, target, raw in _fuzz_requests(seed=12, n=1500, tokens=tokens):
        answer = await send(s, raw)
        if answer is None:
            failures.append(("dropped", method, target))
        elif answer.status >= 500:
            failures.append((answer.status, method, target, answer.body[:200]))
        elif answer.status >= 400 and target.startswith("/api/") and method != "HEAD":
            if not answer.is_json or "code" not in json.loads(answer.body).get("error", {}):
                failures.append(("not json", answer.status, method, target, answer.body[:100]))
    assert not failures, failures[:20]
    # Requests that are not HTTP at all get aiohttp's plain 400, not a hang-up.
    for raw in (b"GARBAGE\r\n\r\n", b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n", b"FOO /api/me HTTP/1.1\r\n\r\n",
                b"GET /api/me HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"):  # fmt: skip
        answer = await send(s, raw)
        assert answer is not None and answer.status == 400, (raw, answer)
    handler_failures = [r for r in caplog.records if "HTTP handler failed" in r.getMessage() or r.exc_info]
    assert not handler_failures, [r.getMessage() for r in handler_failures[:5]]
    ok = await send(s, request("GET", "/healthz"))
    assert ok is not None and ok.status == 200


async def test_request_sizes_are_limited_on_every_route(fair_server: Server) -> None:
    s = fair_server
    big = json.dumps({"display_name": "A", "lang": "en", "company": "x" * 100_000}).encode()
    answer = await send(s, request("POST", "/api/auth/guest", {"Content-Type": "application/json"}, big))
    assert (
        answer is not None and answer.status == 413 and json.loads(answer.body)["error"]["code"] == "too_long"
    )
    # Declared but never sent: refused at once, even where the route reads no body.
    for target in ("/api/booths", "/", "/static/events.js"):
        raw = request("GET", target, {"Content-Length": "50000000"})
        answer = await send(s, raw, head_only=True, timeout=5)
        assert answer is not None and answer.status == 413, (target, answer)
    many = {f"X-Filler-{i}": "a" for i in range(100)}
    answer = await send(s, request("GET", "/api/booths", many))
    assert answer is not None and answer.status == 400
    answer = await send(s, request("GET", "/api/booths", {"X-Long": "a" * 9000}))
    assert answer is not None and answer.status == 400
    answer = await send(
        s, request("POST", "/api/auth/guest", {"Content-Encoding": "gzip"}, b"not gzip at all")
    )
    assert (
        answer is not None
        and answer.status == 400
        and json.loads(answer.body)["error"]["code"] == "bad_request"
    )


@pytest.mark.parametrize("fair_server", [{"header_timeout": 1}], indirect=True)
async def test_slow_request_heads_are_cut_off(fair_server: Server) -> None:
    s = fair_server

    async def slowloris(trickle: bool) -> float:
        """Seconds until the server hangs up on a request head that never ends."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        reader, writer = await asyncio.open_connection("127.0.0.1", _port(s))
        writer.write(b"GET /api/booths HTTP/1.1\r\nHost: x\r\n")
        eof = asyncio.ensure_future(reader.read())  # done when the server closes the connection
        try:
            while not eof.done() and loop.time() - start < 8:
                if trickle:
                    writer.write(b"X-A: b\r\n")  # never the blank line that ends the head
                await asyncio.wait([eof], timeout=0.2)
        finally:
            writer.close()
            eof.cancel()
            with contextlib.suppress(BaseException):
                await eof
        return loop.time() - start

    tok, _ = await s.guest()
    socket_client = await s.client(tok)  # an open websocket is past its head: no timeout applies
    held = await asyncio.gather(*(slowloris(trickle=i % 2 == 1) for i in range(40)))
    assert min(held) >= 0.9 and max(held) < 5, sorted(held)
    assert (await socket_client.call("lobby:watch", {}))["ok"]
    ok = await send(s, request("GET", "/healthz"))
    assert ok is not None and ok.status == 200


def test_one_address_is_an_ipv4_address_or_an_ipv6_slash_64() -> None:
    assert address_key("203.0.113.7") == "203.0.113.7"
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key(None) == "unknown" and address_key("/tmp/sock") == "/tmp/sock"
