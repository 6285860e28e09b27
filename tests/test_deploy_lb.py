"""The shipped load-balancer configuration, run for real: nginx in front of two Boothcast nodes.

nginx is Debian's, started as this test's own process with deploy/nginx's templates rendered the
way the nginx image renders them (envsubst of the BOOTHCAST_* variables). The two nodes are
`boothcast serve` processes on a fresh PostgreSQL database of their own and the shared Redis
under their own key prefix. Clients connect from distinct loopback addresses (127.0.0.2, ...),
so nginx sees distinct client hosts and forwards their addresses; the nodes trust only nginx.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio

from rooms import demo_fair
from tests.support import REDIS_URL, ROOT, Client, database_from_template, free_port, node_processes

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DEPLOY = ROOT / "deploy" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
STREAM_MODULE = Path("/usr/lib/nginx/modules/ngx_stream_module.so")  # Debian's libnginx-mod-stream
AUTH_LIMIT = 3  # guest sign-ins per minute per client address, on every node together


def render(template: Path, values: dict[str, str]) -> str:
    """envsubst as the nginx image runs it (only BOOTHCAST_* variables); a missing one fails."""
    return re.sub(r"\$\{(BOOTHCAST_[A-Z_]+)\}", lambda m: values[m.group(1)], template.read_text())


def main_conf(work: Path) -> str:
    """The part of nginx.conf that differs from deploy/nginx/nginx.conf: paths of our own."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the pytest tmp dirs
    temps = "\n".join(
        f"    {kind}_temp_path {work / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""load_module {STREAM_MODULE};
{user}worker_processes 1;
pid {work / "nginx.pid"};
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format lb '$remote_addr $request_method $uri $arg_who $status $upstream_addr';
    access_log {work / "access.log"} lb;
{temps}
    include {work / "boothcast.conf"};
}}
stream {{
    include {work / "rtmp.conf"};
}}
"""


@dataclass
class Cluster:
    url: str  # the balancer
    nodes: list[str]  # each node's own URL
    media: Path
    access_log: Path

    def session(self, source: str) -> aiohttp.ClientSession:
        """An HTTP client on another loopback address: a different client host for nginx."""
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(source, 0)))

    async def guest(
        self, source: str, name: str, lang: str, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        async with self.session(source) as h, h.post(self.url + "/api/auth/guest", headers=headers or {},
                                                     json={"display_name": name, "lang": lang}) as r:  # fmt: skip
            return r.status, await r.json()

    async def client(self, source: str, token: str, who: str) -> tuple[Client, aiohttp.ClientSession]:
        session = self.session(source)
        client = Client(f"{self.url}?who={who}", token, http_session=session)
        await client.connect()
        return client, session

    def upstream_of(self, who: str) -> str:
        """The node nginx sent the websocket of `who` to (logged once the socket closed)."""
        for line in self.access_log.read_text().splitlines():
            _addr, _method, uri, tag, _status, upstream = line.split(" ", 5)
            if uri == "/socket.io/" and tag == who:
                return upstream
        raise AssertionError(f"no websocket of {who} in the access log")


@pytest.fixture
async def cluster(
    templates: Callable[[str], str], tmp_path: Path, models_dir: Path
) -> AsyncIterator[Cluster]:
    template = await asyncio.to_thread(templates, "postgres")
    db_url, drop = await database_from_template("postgres", template, tmp_path)
    media = tmp_path / "media"
    (media / "sessions").mkdir(parents=True)
    env = {
        "BOOTHCAST_TRUSTED_PROXIES": "127.0.0.1",  # nginx connects to the nodes from 127.0.0.1
        "BOOTHCAST_AUTH_RATE_LIMIT": str(AUTH_LIMIT),
        "BOOTHCAST_MAX_SOCKETS_PER_ADDRESS": "1",
        "BOOTHCAST_MEDIA_DIR": str(media),  # the shared media volume
    }
    work = tmp_path / "nginx"
    work.mkdir()
    try:
        async with node_processes(tmp_path, models_dir, db_url, REDIS_URL, "bclb-", env=env) as nodes:
            port = free_port()
            values = {
                "BOOTHCAST_LISTEN": f"127.0.0.1:{port}",
                "BOOTHCAST_APP_SERVERS": " ".join(
                    f"server {s.url.removeprefix('http://')};" for _, s, _ in nodes
                ),
                "BOOTHCAST_MEDIA_ROOT": str(media),
                "BOOTHCAST_RTMP_LISTEN": f"127.0.0.1:{free_port()}",
                "BOOTHCAST_RTMP_SERVERS": f"server 127.0.0.1:{free_port()};",
            }
            (work / "boothcast.conf").write_text(
                render(DEPLOY / "templates" / "boothcast.conf.template", values)
            )
            (work / "rtmp.conf").write_text(
                render(DEPLOY / "templates" / "rtmp.conf.stream-template", values)
            )
            (work / "nginx.conf").write_text(main_conf(work))
            proc = subprocess.Popen(
                [NGINX, "-p", str(work), "-c", str(work / "nginx.conf"), "-e", str(work / "error.log"), "-g", "daemon off;"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            try:
                await _until_listening(f"http://127.0.0.1:{port}/lb-health", proc, work / "error.log")
                yield Cluster(
                    f"http://127.0.0.1:{port}", [s.url for _, s, _ in nodes], media, work / "access.log"
                )
            finally:
                proc.terminate()
                await asyncio.to_thread(proc.wait, 10)
    finally:
        await drop()


async def _until_listening(url: str, proc: subprocess.Popen[bytes], error_log: Path) -> None:
    async def poll() -> None:
        async with aiohttp.ClientSession() as h:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"nginx exited with {proc.returncode}: {_read(error_log)}")
                try:
                    async with h.get(url) as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), 15)


async def test_two_nodes_behind_nginx_serve_one_fair_without_sticky_sessions(cluster: Cluster) -> None:
    async with cluster.session("127.0.0.2") as h:
        async with h.get(cluster.url + "/") as r:
            assert r.status == 200 and r.content_type == "text/html"
        async with h.get(cluster.url + "/readyz") as r:
            assert r.status == 200 and (await r.json())["checks"] == {"database": "ok", "redis": "ok"}
        async with h.get(cluster.url + "/api/booths") as r:
            booths = await r.json()
            assert r.status == 200 and len(booths) == len(demo_fair.BOOTHS)
        # Long-polling needs sticky sessions; the balancer refuses it rather than break later.
        async with h.get(cluster.url + "/socket.io/?EIO=4&transport=polling") as r:
            assert r.status == 400
        # The nodes' RTMP hooks are not reachable from outside.
        async with h.post(cluster.url + "/api/live/rtmp/on_publish", data={"name": "x"}) as r:
            assert r.status == 404
        async with h.post(cluster.url + "/api/auth/login", json={
            "email": demo_fair.BOOTHS[0].email, "password": demo_fair.DEMO_PASSWORD}) as r:  # fmt: skip
            assert r.status == 200
            staff_token, staff_user = (await r.json())["token"], (await r.json())["user"]
    status, buyer_in = await cluster.guest("127.0.0.3", "Ana", "es")
    assert status == 200
    booth_id = staff_user["booth_id"]

    # Round robin: consecutive websockets go to different nodes, with no affinity at all.
    buyer, s1 = await cluster.client("127.0.0.3", buyer_in["token"], "buyer")
    staff, s2 = await cluster.client("127.0.0.2", staff_token, "staff")
    try:
        assert (await staff.call("booth:join", {"booth_id": booth_id}))["ok"]
        assert (await buyer.call("booth:join", {"booth_id": booth_id}))["ok"]
        sent = await buyer.call(
            "chat:send", {"booth_id": booth_id, "text": "Hola, ¿precio por 500 unidades?"}
        )
        assert sent["ok"], sent
        got = await staff.wait_message(lambda m: m["id"] == sent["message"]["id"])
        assert got["original"] == "Hola, ¿precio por 500 unidades?"
        reply = await staff.call("chat:send", {"booth_id": booth_id, "text": "Hello, USD 2.40 per unit"})
        back = await buyer.wait_message(lambda m: m["id"] == reply["message"]["id"])
        assert back["seq"] == sent["message"]["seq"] + 1
    finally:
        for c, s in ((buyer, s1), (staff, s2)):
            await c.close()
            await s.close()
    await _until_logged(cluster, (" /socket.io/ buyer ", " /socket.io/ staff "))
    on = {who: cluster.upstream_of(who) for who in ("buyer", "staff")}
    assert on["buyer"] != on["staff"], on
    assert {f"http://{u}" for u in on.values()} == set(cluster.nodes)


async def test_the_client_address_reaches_the_limits_through_nginx(cluster: Cluster) -> None:
    # Sign-in buckets are per client host (shared by both nodes through Redis), not per balancer.
    statuses = [(await cluster.guest("127.0.0.2", f"G{i}", "en"))[0] for i in range(AUTH_LIMIT + 1)]
    assert statuses == [200] * AUTH_LIMIT + [429]
    # A header of its own does not give the client a fresh bucket: nginx appends the real address.
    assert (await cluster.guest("127.0.0.2", "Spoof", "en", {"X-Forwarded-For": "203.0.113.7"}))[0] == 429
    assert (await cluster.guest("127.0.0.3", "Other", "en"))[0] == 200
    # Straight to a node, the header comes from an untrusted peer and is ignored.
    async with cluster.session("127.0.0.4") as h:
        for i in range(AUTH_LIMIT):
            async with h.post(cluster.nodes[0] + "/api/auth/guest", json={"display_name": f"D{i}", "lang": "en"},
                              headers={"X-Forwarded-For": f"203.0.113.{i}"}) as r:  # fmt: skip
                assert r.status == 200
        async with h.post(cluster.nodes[1] + "/api/auth/guest", json={"display_name": "D", "lang": "en"},
                          headers={"X-Forwarded-For": "203.0.113.99"}) as r:  # fmt: skip
            assert r.status == 429

    # One socket per client address per node: host 127.0.0.5's third socket through the balancer
    # lands on a node that already has one of its sockets, while another host is still admitted.
    tokens = [(await cluster.guest("127.0.0.6", f"S{i}", "en"))[1]["token"] for i in range(AUTH_LIMIT)]
    tokens.append((await cluster.guest("127.0.0.7", "S3", "en"))[1]["token"])
    opened: list[tuple[Client, aiohttp.ClientSession]] = []
    try:
        for i in range(2):
            opened.append(await cluster.client("127.0.0.5", tokens[i], f"s{i}"))
        async with cluster.session("127.0.0.5") as h:
            third = Client(f"{cluster.url}?who=s2", tokens[2], http_session=h)
            with pytest.raises(socketio.exceptions.ConnectionError):
                await third.connect()
        assert third.events.of("connect_error")[0]["data"]["code"] == "too_many_connections"
        opened.append(await cluster.client("127.0.0.7", tokens[3], "s3"))
    finally:
        for c, s in opened:
            await c.close()
            await s.close()


async def test_nginx_serves_segments_from_the_media_volume(cluster: Cluster) -> None:
    session_dir = cluster.media / "sessions" / "7"
    session_dir.mkdir()
    (session_dir / "r001_00003.ts").write_bytes(b"\x47" * 188 * 4)
    (session_dir / "r001_00004.ts").symlink_to("/etc/hostname")
    async with cluster.session("127.0.0.2") as h:
        async with h.get(cluster.url + "/media/7/r001_00003.ts") as r:
            # Session 7 does not exist in the database: only nginx could have answered this.
            assert r.status == 200 and await r.read() == b"\x47" * 188 * 4
            assert r.headers["Content-Type"] == "video/mp2t"
            assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert r.headers["X-Content-Type-Options"] == "nosniff"
        async with h.get(cluster.url + "/media/7/r001_00004.ts") as r:
            assert r.status in (403, 404)  # never a symlink out of the volume
        async with h.get(cluster.url + "/media/7/r001_00009.ts") as r:
            assert r.status == 404 and "immutable" not in r.headers.get("Cache-Control", "")
        # Playlists are the app's (rendered per request, blocking reloads).
        async with h.get(cluster.url + "/media/7/live.m3u8") as r:
            assert r.status == 404
    # ... so that one reached a node (nginx logged its upstream address).
    await _until_logged(cluster, (r"/media/7/live\.m3u8 - 404 127\.0\.0\.1:\d+",))


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


async def _until_logged(cluster: Cluster, patterns: tuple[str, ...]) -> str:
    """nginx logs a request after its answer has gone (a websocket: once it closes): wait."""

    async def poll() -> str:
        while True:
            text = _read(cluster.access_log)
            if all(re.search(p, text) for p in patterns):
                return text
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), 10)


async def test_behind_a_tls_proxy_browser_websockets_are_accepted(cluster: Cluster) -> None:
    """A TLS proxy in front of the balancer (docs/deploy.md, TLS) says https in X-Forwarded-Proto;
    the balancer passes that on instead of its own plain-http scheme, so a page served over https
    opens its websocket (before, every one was refused as "not an accepted origin")."""
    host = cluster.url.removeprefix("http://")
    path = "/socket.io/?EIO=4&transport=websocket"
    async with cluster.session("127.0.0.8") as h:
        behind_tls = {"Origin": f"https://{host}", "X-Forwarded-Proto": "https"}
        async with h.ws_connect(cluster.url + path, headers=behind_tls) as ws:
            opened = await ws.receive_str(timeout=10)
            assert opened.startswith("0{") and '"sid"' in opened, opened
        # Without the proxy's word, an https page on this plain-http balancer is another origin.
        with pytest.raises(aiohttp.WSServerHandshakeError):
            async with h.ws_connect(cluster.url + path, headers={"Origin": f"https://{host}"}):
                pass
        async with h.ws_connect(cluster.url + path, headers={"Origin": f"http://{host}"}) as ws:
            assert (await ws.receive_str(timeout=10)).startswith("0{")
