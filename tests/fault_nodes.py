"""Server processes a fault test may kill -9 and restart on the same data dir, and a PostgreSQL of
the test's own (initdb + pg_ctl on a free port) that it may stop and start.

Never the shared PostgreSQL (127.0.0.1:5432) or Redis: other tests and sessions use those.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rooms.chat import CATCH_UP_MAX
from tests.support import Client, Server, free_port, settings_for_test, wait_healthy


@dataclass
class Node:
    """One `boothcast serve` process; `restart()` brings it back on the same port and data dir."""

    data_dir: Path
    log_path: Path
    env: dict[str, str]
    port: int
    proc: subprocess.Popen[bytes] | None = None
    server: Server | None = None

    @classmethod
    def make(cls, workdir: Path, name: str, models_dir: Path, database_url: str, secret: str,
             extra_env: dict[str, str] | None = None) -> Node:  # fmt: skip
        data_dir = workdir / name
        data_dir.mkdir()
        (data_dir / "models").symlink_to(models_dir)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "BOOTHCAST_SECRET_KEY": secret,
            "BOOTHCAST_DATA_DIR": str(data_dir),
            "BOOTHCAST_RTMP_PORT": "0",
            "BOOTHCAST_AUTH_RATE_LIMIT": "100000",
            "BOOTHCAST_CHAT_RATE_LIMIT": "0",
            "BOOTHCAST_INQUIRY_RATE_LIMIT": "100000",
            **(extra_env or {}),
        }
        node = cls(data_dir, workdir / f"node-{name}.log", env, free_port())
        node.server = Server(f"http://127.0.0.1:{node.port}",
                             settings_for_test(data_dir, database_url, secret_key=secret))  # fmt: skip
        return node

    @property
    def s(self) -> Server:
        assert self.server is not None
        return self.server

    async def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        await wait_healthy(self.s.url, self.proc)

    def kill9(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye to the clients."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None

    async def stop(self) -> None:
        for c in self.s.clients:
            await c.close()
        self.s.clients.clear()
        if self.proc is not None:
            self.proc.terminate()
            try:
                await asyncio.to_thread(self.proc.wait, 15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                await asyncio.to_thread(self.proc.wait)
            self.proc = None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    assert found, f"no PostgreSQL {name} under /usr/lib/postgresql"
    return found[-1]


class OwnPostgres:
    """A PostgreSQL cluster of the test's own in a temp dir, on a free port (trust auth).

    initdb refuses to run as root, so as root the cluster belongs to the `postgres` account.
    """

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.dir = Path(f"/tmp/bc-pg-{uuid.uuid4().hex[:10]}")  # postgres must reach it: not under /root
        self.datadir = self.dir / "data"
        self.admin_dsn = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as_root = os.geteuid() == 0
        self._log = workdir / f"postgres-{self.port}.log"

    def _run(self, *argv: str) -> None:
        cmd = list(argv)
        if self._as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    def url(self, db: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{db}"

    async def init(self) -> None:
        self.dir.mkdir(mode=0o755)
        if self._as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        await asyncio.to_thread(
            self._run, _pg_bin("initdb"), "-D", str(self.datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
        )  # fmt: skip
        await self.start()

    async def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on"
        log = self.dir / "server.log"
        await asyncio.to_thread(self._run, _pg_bin("pg_ctl"), "-D", str(self.datadir), "-l", str(log),
                                "-o", opts, "-w", "-t", "60", "start")  # fmt: skip

    async def stop(self, mode: str = "fast") -> None:
        """`fast` disconnects every client and shuts down cleanly; `immediate` is a crash."""
        await asyncio.to_thread(
            self._run, _pg_bin("pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "stop"
        )

    async def admin(self, sql: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def destroy(self) -> None:
        try:
            await self.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        log = self.dir / "server.log"
        if log.exists():
            shutil.copy(log, self._log)
        shutil.rmtree(self.dir, ignore_errors=True)


async def history(client: Client, booth_id: int) -> list[dict[str, Any]]:
    """Every visible message of the booth, through `chat:history` pages."""
    out: list[dict[str, Any]] = []
    after = 0
    while True:
        ack = await client.call("chat:history", {"booth_id": booth_id, "after_seq": after, "limit": CATCH_UP_MAX})
        if not ack["ok"] and ack["error"]["code"] == "rate_limited":
            # What a real client does: wait as told. A full history of a long burst is many pages.
            await asyncio.sleep(ack["error"]["retry_after"])
            continue
        assert ack["ok"], ack
        out += ack["messages"]
        if not ack["messages"] or not ack["more"]:
            return out
        after = ack["messages"][-1]["seq"]
