"""The livestream through a real server: ingest socket, media files, API, RTMP via nginx."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from media.ingest.rtmp import find_module
from media.testing import chunks, ffmpeg_children, make_webm, process_gone
from media.transcode.ffmpeg import FFMPEG
from rooms.db import Database
from rooms.demo_fair import DEMO_PASSWORD
from rooms.migrate import upgrade
from rooms.models import Booth, LiveSession, User
from rooms.seed import seed_demo
from server.app import create_app
from server.live.service import LIVE
from server.settings import Settings

pytestmark = pytest.mark.media


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    app: web.Application
    settings: Settings
    http: aiohttp.ClientSession
    staff: dict[int, str]  # booth id -> a staff token
    buyer: str

    async def json(self, method: str, path: str, token: str | None = None, **kw: Any) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.request(method, self.url + path, headers=headers, **kw) as r:
            return r.status, await r.json(content_type=None)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("samples")
    return {c: make_webm(d / f"{c}.webm", c, seconds=3).read_bytes() for c in ("h264", "vp8")}


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    settings = Settings(
        data_dir=tmp_path / "data", port=free_port(), rtmp_port=free_port(), secret_key="t" * 48
    )
    settings.data_dir.mkdir(parents=True)
    await upgrade(settings.effective_database_url)
    db = Database(settings.effective_database_url)
    await seed_demo(db)
    async with db.reader() as s:
        suppliers = list((await s.execute(select(User).where(User.role == "supplier"))).scalars())
    await db.aclose()
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.port).start()
    url = f"http://127.0.0.1:{settings.port}"
    async with aiohttp.ClientSession() as http:
        staff: dict[int, str] = {}
        for u in suppliers:
            async with http.post(
                url + "/api/auth/login", json={"email": u.email, "password": DEMO_PASSWORD}
            ) as r:
                assert r.status == 200, await r.text()
                assert u.booth_id is not None
                staff.setdefault(u.booth_id, (await r.json())["token"])
        async with http.post(url + "/api/auth/guest", json={"display_name": "Ana", "lang": "es"}) as r:
            buyer = (await r.json())["token"]
        yield Server(url, app, settings, http, staff, buyer)
    await runner.cleanup()
    assert ffmpeg_children() == []


async def start_ingest(
    srv: Server, booth_id: int, token: str, **extra: Any
) -> aiohttp.ClientWebSocketResponse:
    ws = await srv.http.ws_connect(srv.url + "/api/live/ingest")
    await ws.send_json({"type": "start", "token": token, "booth_id": booth_id, **extra})
    return ws


async def receive_json(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    msg = await ws.receive(timeout=20)
    assert msg.type == aiohttp.WSMsgType.TEXT, (msg.type, msg.data, msg.extra)
    data: dict[str, Any] = __import__("json").loads(msg.data)
    return data


async def live_session(srv: Server, booth_id: int) -> LiveSession | None:
    async with srv.app[LIVE].db.reader() as s:
        q = select(LiveSession).where(LiveSession.booth_id == booth_id, LiveSession.status == "live")
        return (await s.execute(q)).scalar_one_or_none()


async def wait_until(cond: Any, within: float = 20.0) -> None:
    async with asyncio.timeout(within):
        # Bounded polling of state that has no event of its own (database rows, /proc).
        while not await cond():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def test_browser_go_live_serve_and_replay(server: Server, samples: dict[str, bytes]) -> None:
    booth_id, token = next(iter(server.staff.items()))
    ws = await start_ingest(server, booth_id, token, mime="video/webm;codecs=h264,opus")
    assert (await receive_json(ws))["type"] == "ready"
    parts = chunks(samples["h264"])
    await ws.send_bytes(parts[0])
    started = await receive_json(ws)
    assert started["type"] == "started" and started["resumed"] is False and started["codec"] == "h264"
    sid = started["session_id"]
    for c in parts[1:]:
        await ws.send_bytes(c)
    pipeline = server.app[LIVE].manager.get(sid)
    assert pipeline is not None and await pipeline.wait_for_segments(2, within=20)

    status, state = await server.json("GET", f"/api/booths/{booth_id}/live")
    assert status == 200 and state["live"] and state["session_id"] == sid and state["ready"]
    async with server.http.get(server.url + state["hls_url"]) as r:
        assert r.status == 200 and r.headers["Content-Type"] == "application/vnd.apple.mpegurl"
        assert r.headers["Cache-Control"] == "no-cache"
        playlist = await r.text()
    seg = next(line for line in playlist.splitlines() if line.endswith(".ts"))
    async with server.http.get(f"{server.url}/media/{sid}/{seg}") as r:
        assert r.status == 200 and r.headers["Content-Type"] == "video/mp2t"
        assert "immutable" in r.headers["Cache-Control"]
        assert (await r.read())[:1] == b"\x47"  # MPEG-TS sync byte

    run = pipeline.run
    assert run is not None
    await ws.send_json({"type": "end"})
    ended = await receive_json(ws)
    assert ended["type"] == "ended" and ended["duration_ms"] > 2000
    await ws.close()
    assert process_gone(run.proc.pid)
    assert await live_session(server, booth_id) is None

    status, listing = await server.json("GET", f"/api/booths/{booth_id}/sessions")
    assert status == 200 and listing["sessions"][0]["id"] == sid
    assert listing["sessions"][0]["replay_url"] == f"/replay/{sid}"
    async with server.http.get(server.url + listing["sessions"][0]["hls_url"]) as r:
        vod = await r.text()
    assert r.status == 200 and vod.rstrip().endswith("#EXT-X-ENDLIST")
    status, detail = await server.json("GET", f"/api/sessions/{sid}", server.buyer)
    assert status == 200 and detail["session"]["status"] == "ended" and detail["chat"] == []
    assert (await server.json("GET", f"/api/sessions/{sid}"))[0] == 401


async def test_ingest_refusals_leave_no_ffmpeg(server: Server, samples: dict[str, bytes]) -> None:
    (booth_a, token_a), (booth_b, _) = list(server.staff.items())[:2]
    # not staff of that booth
    ws = await start_ingest(server, booth_b, token_a)
    assert (await receive_json(ws))["error"]["code"] == "forbidden"
    assert (await ws.receive(timeout=5)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    # a buyer
    ws = await start_ingest(server, booth_a, server.buyer)
    assert (await receive_json(ws))["error"]["code"] == "forbidden"
    # a bad token, a malformed start
    ws = await start_ingest(server, booth_a, "nope")
    assert (await receive_json(ws))["error"]["code"] == "unauthorized"
    ws = await server.http.ws_connect(server.url + "/api/live/ingest")
    await ws.send_json({"type": "start", "booth_id": booth_a, "token": token_a, "extra": 1})
    assert (await receive_json(ws))["error"]["code"] == "bad_request"
    # a session that is not this booth's live session
    ws = await start_ingest(server, booth_a, token_a, session_id=999)
    assert (await receive_json(ws))["type"] == "ready"
    await ws.send_bytes(samples["h264"][:20000])
    assert (await receive_json(ws))["error"]["code"] == "not_found"
    # garbage instead of WebM
    ws = await start_ingest(server, booth_a, token_a)
    assert (await receive_json(ws))["type"] == "ready"
    await ws.send_bytes(b"\x00garbage" * 1000)
    assert (await receive_json(ws))["error"]["code"] == "bad_request"
    assert await live_session(server, booth_a) is None
    # a valid header followed by garbage: ffmpeg fails, the session ends, ffmpeg is reaped
    ws = await start_ingest(server, booth_a, token_a)
    await receive_json(ws)
    await ws.send_bytes(b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 300)
    assert (await receive_json(ws))["type"] == "started"
    with contextlib.suppress(aiohttp.ClientConnectionResetError):
        await ws.send_bytes(bytes(range(256)) * 100)
    msg = await receive_json(ws)
    assert msg["type"] == "error" and msg["error"]["code"] == "media_error"

    async def ended() -> bool:
        return await live_session(server, booth_a) is None and ffmpeg_children() == []

    await wait_until(ended)


async def test_drop_and_resume_continues_the_session(server: Server, samples: dict[str, bytes]) -> None:
    booth_id, token = next(iter(server.staff.items()))
    ws = await start_ingest(server, booth_id, token)
    await receive_json(ws)
    for c in chunks(samples["vp8"]):
        await ws.send_bytes(c)
    sid = (await receive_json(ws))["session_id"]
    await ws.close()  # dropped, not ended
    manager = server.app[LIVE].manager

    async def detached() -> bool:
        p = manager.get(sid)
        return p is not None and p.state == "detached"

    await wait_until(detached)
    ws = await start_ingest(server, booth_id, token, session_id=sid)
    await receive_json(ws)
    for c in chunks(samples["vp8"]):
        await ws.send_bytes(c)
    again = await receive_json(ws)
    assert again["session_id"] == sid and again["resumed"] is True
    await ws.send_json({"type": "end"})
    assert (await receive_json(ws))["type"] == "ended"
    vod = (server.app[LIVE].store.session_dir(sid) / "index.m3u8").read_text()
    assert "#EXT-X-DISCONTINUITY" in vod and "r002_" in vod


async def test_media_paths_are_guarded(server: Server) -> None:
    store = server.app[LIVE].store
    d = store.create_session_dir(4242)
    (d / "r001_00000.ts").write_bytes(b"G")
    for path in (
        "/media/4242/r001_00000.ts",  # no such session in the database
        "/media/1/..%2F..%2Fboothcast.db",
        "/media/1/%2Fetc%2Fpasswd",
        "/media/1/../../secret.key",
        "/media/1/r001.m3u8",
    ):
        async with server.http.get(server.url + path) as r:
            assert r.status == 404, path


async def test_stream_key_endpoints(server: Server) -> None:
    booth_id, token = next(iter(server.staff.items()))
    status, body = await server.json("GET", f"/api/booths/{booth_id}/stream", token)
    assert (
        status == 200
        and body["stream_key"]
        and body["rtmp_url"].endswith(f":{server.settings.rtmp_port}/live")
    )
    # Behind a balancer, OBS is told the balancer's URL, not this node's own port.
    service = server.app[LIVE]
    service.settings = replace(service.settings, rtmp_public_url="rtmp://fair.example.com:1935/live")
    try:
        status, public = await server.json("GET", f"/api/booths/{booth_id}/stream", token)
        assert public["rtmp_url"] == "rtmp://fair.example.com:1935/live"
    finally:
        service.settings = replace(service.settings, rtmp_public_url="")
    status, rotated = await server.json("POST", f"/api/booths/{booth_id}/stream/rotate-key", token)
    assert status == 200 and rotated["stream_key"] != body["stream_key"]
    assert (await server.json("GET", f"/api/booths/{booth_id}/stream", server.buyer))[0] == 403
    other = next(b for b in server.staff if b != booth_id)
    assert (await server.json("GET", f"/api/booths/{other}/stream", token))[0] == 403
    assert (await server.json("GET", f"/api/booths/{booth_id}/stream"))[0] == 401


def push(url: str, seconds: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-re",
         "-f", "lavfi", "-i", "testsrc=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=300",
         "-t", str(seconds), "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-g", "30",
         "-c:a", "aac", "-f", "flv", url],
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


@pytest.mark.skipif(find_module() is None, reason="libnginx-mod-rtmp is not installed")
async def test_rtmp_publish_with_key(server: Server) -> None:
    service = server.app[LIVE]
    assert service.rtmp is not None, service.rtmp_error
    booth_id = next(iter(server.staff))
    async with service.db.reader() as s:
        booth = await s.get(Booth, booth_id)
        assert booth is not None
        key = booth.stream_key
    port = server.settings.rtmp_port

    wrong = push(f"rtmp://127.0.0.1:{port}/live/not-the-key", 3)
    assert await asyncio.to_thread(wrong.wait, 20) != 0
    assert await live_session(server, booth_id) is None

    pusher = push(f"rtmp://127.0.0.1:{port}/live/{key}", 6)
    try:

        async def has_segments() -> bool:
            p = service.manager.for_booth(booth_id)
            return p is not None and len(p.segments) >= 2

        await wait_until(has_segments)
        p = service.manager.for_booth(booth_id)
        assert p is not None and p.source == "rtmp"
        async with server.http.get(f"{server.url}/media/{p.session_id}/live.m3u8") as r:
            playlist = await r.text()
        seg = next(line for line in playlist.splitlines() if line.endswith(".ts"))
        async with server.http.get(f"{server.url}/media/{p.session_id}/{seg}") as r:
            assert r.status == 200 and (await r.read())[:1] == b"\x47"
        assert await asyncio.to_thread(pusher.wait, 30) == 0
    finally:
        if pusher.poll() is None:
            pusher.kill()
            pusher.wait()

    async def ended() -> bool:
        return await live_session(server, booth_id) is None and service.manager.for_booth(booth_id) is None

    await wait_until(ended)
    assert ffmpeg_children() == []
    # The stream's recording is there for the replay: OBS's sessions were ended with ffmpeg killed
    # (it did not stop on SIGINT while nginx-rtmp kept its play connection), leaving "0 ms
    # recorded" and an empty playlist (found by a deploy try).
    async with server.http.get(f"{server.url}/media/{p.session_id}/index.m3u8") as r:
        assert r.status == 200, r.status
        recording = await r.text()
    assert sum(1 for line in recording.splitlines() if line.endswith(".ts")) >= 4, recording
    assert "#EXT-X-ENDLIST" in recording


async def test_staff_can_end_a_live_session(server: Server, samples: dict[str, bytes]) -> None:
    booth_id, token = next(iter(server.staff.items()))
    ws = await start_ingest(server, booth_id, token)
    await receive_json(ws)
    for c in chunks(samples["h264"]):
        await ws.send_bytes(c)
    sid = (await receive_json(ws))["session_id"]
    assert (await server.json("POST", f"/api/sessions/{sid}/end", server.buyer))[0] == 404
    status, body = await server.json("POST", f"/api/sessions/{sid}/end", token)
    assert status == 200 and body["session"]["status"] == "ended"
    msg = await receive_json(ws)
    assert msg["type"] == "error" and msg["error"]["code"] == "closed"
    assert (await server.json("POST", f"/api/sessions/{sid}/end", token))[0] == 409
    assert await live_session(server, booth_id) is None
