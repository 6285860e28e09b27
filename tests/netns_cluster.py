"""The production topology on separate hosts (tests/netns.py): balancer, two app hosts, data host.

- `data`: its own PostgreSQL (initdb + pg_ctl as the `postgres` user, listening on the host's
  address only) and its own `redis-server`, which a test may kill and start again;
- `a`, `b`: `boothcast serve` each, trusting only the balancer's address for forwarded headers;
- `lb`: Debian's nginx with deploy/nginx's shipped templates, rendered as tests/test_deploy_lb.py
  renders them;
- the test process, in the root namespace, is the client host.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from rooms.db import Database
from rooms.migrate import upgrade
from rooms.seed import seed_demo
from tests.netns import Host, Network
from tests.redis_server import wait_answering
from tests.support import wait_healthy
from tests.test_deploy_lb import DEPLOY, NGINX, _until_listening, main_conf, render

APP_PORT = 8080
LB_PORT = 80
PG_PORT = 5432
REDIS_PORT = 6390
# The Socket.IO heartbeat of the nodes (BOOTHCAST_PING_INTERVAL / _TIMEOUT): a client behind a
# cut-off node notices within their sum. Production keeps 25 + 20 s.
HEARTBEAT_S = 3


def pg_bin() -> Path:
    """Debian's newest PostgreSQL server binaries (postgresql-NN)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise RuntimeError("no /usr/lib/postgresql/*/bin/pg_ctl: install Debian's postgresql")
    return found[-1].parent


def _run(args: list[str], what: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}): {done.stdout}{done.stderr}")


class DataRedis:
    """The data host's redis-server, without persistence: a restart comes back empty."""

    def __init__(self, host: Host, workdir: Path) -> None:
        self.host = host
        self.workdir = workdir
        self.url = f"redis://{host.address}:{REDIS_PORT}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        with open(self.workdir / "redis.log", "ab") as log:
            self.proc = subprocess.Popen(
                self.host.cmd("redis-server", "--port", str(REDIS_PORT), "--bind", self.host.address,
                              "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
                              # Reached from the app hosts: the data network is private, as in deploy/.
                              "--protected-mode", "no"),
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        await wait_answering(self.url, self.proc, 15)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye to the nodes."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


@dataclass
class Topology:
    net: Network
    lb: Host
    apps: dict[str, Host]
    data: Host
    url: str  # the balancer, as the clients reach it
    nodes: dict[str, subprocess.Popen[bytes]]
    node_logs: dict[str, Path]
    redis: DataRedis
    access_log: Path


async def _postgres(data: Host, pgdir: Path, subnet: str) -> str:
    """A cluster of the data host's own; the URL of its migrated, seeded `boothcast` database."""
    bin_ = pg_bin()
    shutil.chown(pgdir, "postgres", "postgres")  # initdb refuses root; its user owns the directory
    as_pg = ["runuser", "-u", "postgres", "--"]
    await asyncio.to_thread(_run, [*as_pg, str(bin_ / "initdb"), "-D", str(pgdir / "data"), "-U", "postgres",
                                   "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"], "initdb")  # fmt: skip
    with open(pgdir / "data" / "pg_hba.conf", "a") as hba:
        hba.write(f"host all all {subnet} trust\n")
    options = (
        f"-c listen_addresses={data.address} -p {PG_PORT} -c unix_socket_directories={pgdir} -c fsync=off"
    )
    await asyncio.to_thread(_run, data.cmd(*as_pg, str(bin_ / "pg_ctl"), "-D", str(pgdir / "data"),
                                           "-l", str(pgdir / "postgres.log"), "-w", "-t", "60", "-o", options,
                                           "start"), "pg_ctl start")  # fmt: skip
    conn = await asyncpg.connect(f"postgresql://postgres@{data.address}:{PG_PORT}/postgres")
    try:
        await conn.execute("CREATE DATABASE boothcast")
    finally:
        await conn.close()
    url = f"postgresql+asyncpg://postgres@{data.address}:{PG_PORT}/boothcast"
    await upgrade(url)  # the one-shot migrate service of deploy/, run from the operator's host
    db = Database(url)
    await seed_demo(db)
    await db.aclose()
    return url


def _stop_postgres(pgdir: Path) -> None:
    if (pgdir / "data" / "postmaster.pid").exists():
        subprocess.run(["runuser", "-u", "postgres", "--", str(pg_bin() / "pg_ctl"), "-D", str(pgdir / "data"),
                        "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60)  # fmt: skip


def _nginx_conf(work: Path, lb: Host, apps: list[Host], media: Path) -> Path:
    values = {
        "BOOTHCAST_LISTEN": f"{lb.address}:{LB_PORT}",
        "BOOTHCAST_APP_SERVERS": " ".join(f"server {h.address}:{APP_PORT};" for h in apps),
        "BOOTHCAST_MEDIA_ROOT": str(media),
        "BOOTHCAST_RTMP_LISTEN": f"{lb.address}:1935",
        "BOOTHCAST_RTMP_SERVERS": f"server {apps[0].address}:1935;",
    }
    work.mkdir()
    (work / "boothcast.conf").write_text(render(DEPLOY / "templates" / "boothcast.conf.template", values))
    (work / "rtmp.conf").write_text(render(DEPLOY / "templates" / "rtmp.conf.stream-template", values))
    (work / "nginx.conf").write_text(main_conf(work))
    return work / "nginx.conf"


async def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            await asyncio.to_thread(proc.wait, 10)
            return
        except subprocess.TimeoutExpired:
            proc.kill()
    await asyncio.to_thread(proc.wait, 10)


@asynccontextmanager
async def topology(tmp_path: Path, models_dir: Path) -> AsyncIterator[Topology]:
    """Every host up and healthy; everything torn down afterwards, whatever state it is in.

    Raises NetnsUnavailable when this machine cannot make namespaces.
    """
    net = Network()  # no namespace yet: names and a free subnet
    pgdir = Path(tempfile.mkdtemp(prefix="bc-netns-pg-"))  # tmp_path is root's alone: 0700
    procs: list[subprocess.Popen[bytes]] = []
    redis: DataRedis | None = None
    try:
        net.open()
        lb, a, b, data = (net.add(n) for n in ("lb", "a", "b", "data"))
        redis = DataRedis(data, tmp_path)
        await redis.start()
        db_url = await _postgres(data, pgdir, str(net.subnet))
        media = tmp_path / "media"
        (media / "sessions").mkdir(parents=True)
        secret = uuid.uuid4().hex + uuid.uuid4().hex
        nodes: dict[str, subprocess.Popen[bytes]] = {}
        logs: dict[str, Path] = {}
        for host in (a, b):
            data_dir = tmp_path / host.name
            data_dir.mkdir()
            (data_dir / "models").symlink_to(models_dir)
            env = {
                **os.environ,
                "DATABASE_URL": db_url,
                "REDIS_URL": redis.url,
                "BOOTHCAST_SECRET_KEY": secret,
                "BOOTHCAST_DATA_DIR": str(data_dir),
                "BOOTHCAST_MEDIA_DIR": str(media),
                "BOOTHCAST_RTMP_PORT": "0",
                "BOOTHCAST_TRUSTED_PROXIES": lb.address,
                "BOOTHCAST_AUTH_RATE_LIMIT": "10000",  # every client of the test is one host
                "BOOTHCAST_CHAT_RATE_LIMIT": "0",
                "BOOTHCAST_PING_INTERVAL": str(HEARTBEAT_S),
                "BOOTHCAST_PING_TIMEOUT": str(HEARTBEAT_S),
            }
            logs[host.name] = tmp_path / f"node-{host.name}.log"
            with open(logs[host.name], "wb") as log:
                nodes[host.name] = subprocess.Popen(
                    host.cmd(sys.executable, "-m", "server", "serve", "--host", host.address, "--port", str(APP_PORT)),
                    env=env, stdout=log, stderr=subprocess.STDOUT,
                )  # fmt: skip
            procs.append(nodes[host.name])
        for name, proc in nodes.items():
            await wait_healthy(f"http://{net.hosts[name].address}:{APP_PORT}", proc)
        work = tmp_path / "nginx"
        conf = _nginx_conf(work, lb, [a, b], media)
        nginx = subprocess.Popen(
            lb.cmd(NGINX, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log"), "-g", "daemon off;"),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        procs.append(nginx)
        url = f"http://{lb.address}:{LB_PORT}"
        await _until_listening(f"{url}/lb-health", nginx, work / "error.log")
        yield Topology(net, lb, {"a": a, "b": b}, data, url, nodes, logs, redis, work / "access.log")
    finally:
        net.heal()  # a node whose link a test cut shuts down as quickly as the others
        await asyncio.gather(*(_stop(proc) for proc in procs))
        if redis is not None:
            redis.kill()
        await asyncio.to_thread(_stop_postgres, pgdir)
        net.close()
        shutil.rmtree(pgdir, ignore_errors=True)
