"""Test helpers: a real Boothcast server on an ephemeral port, real Socket.IO clients, waits.

Every test gets its own database: a copy of a migrated, seeded template (a file copy for SQLite,
`CREATE DATABASE ... TEMPLATE` for PostgreSQL), so tests never see each other's messages.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import socketio
from aiohttp import web

from rooms import demo_fair
from rooms.db import Database
from rooms.migrate import upgrade
from rooms.payloads import ChatRecord
from rooms.seed import seed_demo
from server.app import create_app
from server.http_edge import server_options
from server.keys import FAIR, FANOUT, SETTINGS
from server.settings import Settings

PG_ADMIN_DSN = os.environ.get("BOOTHCAST_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BOOTHCAST_TEST_REDIS", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "translation" / "bundled"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_url(dsn_db: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{dsn_db}"


async def pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def prepare_template(backend: str, workdir: Path) -> str:
    """A migrated, seeded database to copy per test: a file path (sqlite) or a database name."""
    if backend == "sqlite":
        path = workdir / "template.db"
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade(url)
        db = Database(url)
        await seed_demo(db)
        await db.aclose()
        return str(path)
    name = f"bc_tmpl_{uuid.uuid4().hex[:10]}"
    await pg_admin(f'CREATE DATABASE "{name}"')
    url = pg_url(name)
    await upgrade(url)
    db = Database(url)
    await seed_demo(db)
    await db.aclose()
    return name


async def database_from_template(backend: str, template: str, workdir: Path) -> tuple[str, Callable[[], Any]]:
    """A fresh database URL copied from the template, and an async function that drops it."""
    if backend == "sqlite":
        path = workdir / f"db-{uuid.uuid4().hex[:8]}.db"
        shutil.copy(template, path)

        async def drop_file() -> None:
            return None

        return f"sqlite+aiosqlite:///{path}", drop_file
    name = f"bc_t_{uuid.uuid4().hex[:10]}"
    await pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    async def drop_db() -> None:
        await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return pg_url(name), drop_db


def install_models(models_dir: Path) -> None:
    """The bundled translation packages, installed the way `boothcast demo` installs them."""
    from translation.packages import install_bundled

    for _ in install_bundled(models_dir):
        pass


@dataclass
class Events:
    """Every event a client received, with waits that time out instead of sleeping."""

    items: list[tuple[str, Any]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, name: str, data: Any) -> None:
        self.items.append((name, data))
        self.changed.set()

    def of(self, name: str) -> list[Any]:
        return [d for n, d in self.items if n == name]

    async def wait_for(
        self, name: str, pred: Callable[[Any], bool] = lambda _d: True, timeout: float = 10.0
    ) -> Any:
        async def find() -> Any:
            while True:
                for n, d in self.items:
                    if n == name and pred(d):
                        return d
                self.changed.clear()
                await self.changed.wait()

        return await asyncio.wait_for(find(), timeout)


class Client:
    """A real python-socketio client over websocket, recording what it receives."""

    def __init__(
        self, url: str, token: str, *, batch: bool = False, http_session: aiohttp.ClientSession | None = None
    ) -> None:
        self.url = url
        self.token = token
        self.batch = batch
        # http_session: e.g. one bound to a source address, to connect as another client host.
        self.sio = socketio.AsyncClient(reconnection=False, http_session=http_session)
        self.events = Events()
        self.sio.on("*", self._any)
        self.sio.on("connect_error", self._connect_error)
        self.sio.on("disconnect", self._disconnected)

    async def _connect_error(self, data: Any = None) -> None:
        self.events.add("connect_error", data)

    async def _disconnected(self, *_reason: Any) -> None:
        self.events.add("disconnect", None)

    async def _any(self, event: str, data: Any = None) -> None:
        self.events.add(event, data)

    async def connect(self) -> Client:
        auth: dict[str, Any] = {"token": self.token}
        if self.batch:
            auth["batch"] = True
        await self.sio.connect(self.url, auth=auth, transports=["websocket"], wait_timeout=10)
        return self

    async def call(self, event: str, data: Any = None, timeout: float = 15) -> Any:
        return await self.sio.call(event, data, timeout=timeout)

    def messages(self) -> list[dict[str, Any]]:
        """Chat messages received, whether one by one or in batches."""
        out = list(self.events.of("chat:message"))
        for batch in self.events.of("chat:batch"):
            out.extend(batch["messages"])
        return out

    async def wait_message(self, pred: Callable[[dict[str, Any]], bool], timeout: float = 10.0) -> dict[str, Any]:
        async def find() -> dict[str, Any]:
            while True:
                for m in self.messages():
                    if pred(m):
                        return m
                self.events.changed.clear()
                await self.events.changed.wait()

        return await asyncio.wait_for(find(), timeout)

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


@dataclass
class Server:
    url: str
    settings: Settings
    app: web.Application | None = None
    clients: list[Client] = field(default_factory=list)

    async def post(self, path: str, body: Any, token: str | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with aiohttp.ClientSession() as h, h.post(self.url + path, json=body, headers=headers) as r:
            return r.status, await _json_or_text(r)

    async def request(self, method: str, path: str, token: str | None = None, **kw: Any) -> tuple[int, Any]:
        headers = dict(kw.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        async with aiohttp.ClientSession() as h, h.request(method, self.url + path, headers=headers, **kw) as r:
            return r.status, await _json_or_text(r)

    async def get(self, path: str, token: str | None = None) -> tuple[int, Any]:
        return await self.request("GET", path, token)

    async def guest(self, name: str = "Ana", lang: str = "es", **extra: Any) -> tuple[str, dict[str, Any]]:
        status, data = await self.post("/api/auth/guest", {"display_name": name, "lang": lang, **extra})
        assert status == 200, data
        return data["token"], data["user"]

    async def login(self, email: str, password: str = demo_fair.DEMO_PASSWORD) -> tuple[str, dict[str, Any]]:
        status, data = await self.post("/api/auth/login", {"email": email, "password": password})
        assert status == 200, data
        return data["token"], data["user"]

    async def supplier(self, slug: str = "shenzhen-brightway-led") -> tuple[str, dict[str, Any]]:
        booth = next(b for b in demo_fair.BOOTHS if b.slug == slug)
        return await self.login(booth.email)

    async def moderator(self) -> tuple[str, dict[str, Any]]:
        return await self.login(demo_fair.MODERATOR_EMAIL)

    async def client(self, token: str, *, batch: bool = False) -> Client:
        c = await Client(self.url, token, batch=batch).connect()
        self.clients.append(c)
        return c

    async def booth_id(self, slug: str) -> int:
        status, data = await self.get(f"/api/booths/{slug}")
        assert status == 200, data
        return int(data["id"])

    async def close_clients(self) -> None:
        for c in self.clients:
            await c.close()


async def _json_or_text(r: aiohttp.ClientResponse) -> Any:
    if r.content_type == "application/json":
        return await r.json()
    return await r.text()


async def start_server(settings: Settings) -> tuple[Server, web.AppRunner]:
    app = create_app(settings)
    # The same connection limits as `boothcast serve` (header timeout, header sizes).
    runner = web.AppRunner(app, access_log=None, **server_options(app[SETTINGS]))
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    return Server(f"http://127.0.0.1:{port}", app[SETTINGS], app), runner


def settings_for_test(data_dir: Path, database_url: str, **kw: Any) -> Settings:
    base = Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key="test-secret-" + uuid.uuid4().hex,
        rtmp_port=0,
        auth_rate_limit=100_000,  # tests sign many users in from one address; one test checks the limit
    )
    return replace(base, **kw)


async def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until `proc`'s server answers /healthz; fails at once if the process exits."""

    async def poll() -> None:
        async with aiohttp.ClientSession() as h:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"node exited with {proc.returncode}")
                try:
                    async with h.get(url + "/healthz") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)

    await asyncio.wait_for(poll(), timeout)


@asynccontextmanager
async def node_processes(
    tmp_path: Path, models_dir: Path, database_url: str, redis_url: str, prefix: str, names: tuple[str, ...] = ("a", "b"),
    env: dict[str, str] | None = None,
) -> AsyncIterator[list[tuple[subprocess.Popen[bytes], Server, Path]]]:
    """`boothcast serve` nodes as real processes sharing one database and one Redis.

    `env` adds to (or overrides) each node's environment. Yields (process, server, log path) per
    node once every node is healthy; stops them all.
    """
    secret = prefix + uuid.uuid4().hex + uuid.uuid4().hex
    nodes: list[tuple[subprocess.Popen[bytes], Server, Path]] = []
    try:
        for name in names:
            data_dir = tmp_path / name
            data_dir.mkdir()
            (data_dir / "models").symlink_to(models_dir)
            port = free_port()
            # Its own name: rebinding `env` here gave the second node the first's data dir (and
            # everything else of its environment), which `serve` now refuses.
            node_env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "BOOTHCAST_REDIS_PREFIX": prefix + secret[len(prefix) : len(prefix) + 16],
                "BOOTHCAST_SECRET_KEY": secret,
                "BOOTHCAST_DATA_DIR": str(data_dir),
                "BOOTHCAST_RTMP_PORT": "0",
                "BOOTHCAST_AUTH_RATE_LIMIT": "10000",
                "BOOTHCAST_CHAT_RATE_LIMIT": "0",
                **(env or {}),
            }
            log_path = tmp_path / f"node-{name}.log"
            with open(log_path, "wb") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port)],
                    env=node_env, stdout=log, stderr=subprocess.STDOUT,
                )  # fmt: skip
            server = Server(f"http://127.0.0.1:{port}", settings_for_test(data_dir, database_url, secret_key=secret))
            nodes.append((proc, server, log_path))
        for proc, server, _ in nodes:
            await wait_healthy(server.url, proc)
        yield nodes
    finally:
        for proc, server, _ in nodes:
            await server.close_clients()
            proc.terminate()
            try:
                await asyncio.to_thread(proc.wait, 15)
            except subprocess.TimeoutExpired:
                proc.kill()
                await asyncio.to_thread(proc.wait)


@asynccontextmanager
async def pg_node_pair(
    template: str, tmp_path: Path, models_dir: Path, env: dict[str, str] | None = None
) -> AsyncIterator[tuple[Server, Server]]:
    """Two `boothcast serve` processes on a fresh copy of the PostgreSQL `template` and the shared
    Redis, under a Redis prefix of their own; the database is dropped afterwards."""
    url, drop = await database_from_template("postgres", template, tmp_path)
    try:
        async with node_processes(tmp_path, models_dir, url, REDIS_URL, f"bc2-{uuid.uuid4().hex[:8]}-", env=env) as nodes:
            yield nodes[0][1], nodes[1][1]
    finally:
        await drop()


async def commit_message(server: Server, actor: Any, booth_id: int, text: str, *, deliver: bool) -> ChatRecord:
    """Commit a message as `chat:send` would; fan it out (to viewers and moderators) only if asked,
    so a test can make a client miss it and then watch it catch up."""
    assert server.app is not None
    rec: ChatRecord = await server.app[FAIR].chat_writer.write(actor, booth_id, text, None, "en")
    if deliver:
        server.app[FANOUT].submit(rec)
    return rec
