"""A redis-server of a test's own, on a free port: a test may kill and restart it.

Never the shared Redis (127.0.0.1:6379): other tests and sessions use that one. Started without
persistence, a restart comes back empty, as after a crash of a cache-only Redis; with
`persist=True` (an fsync'ed append-only file) it comes back with everything it had.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from redis.asyncio import Redis

from tests.support import free_port


async def wait_answering(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Until the redis-server just started as `proc` answers PING at `url` (it must not exit)."""
    client = Redis.from_url(url)

    async def ping() -> None:
        while True:
            assert proc.poll() is None, "redis-server exited"
            try:
                if await client.ping():
                    return
            except Exception:
                await asyncio.sleep(0.05)  # not listening yet

    try:
        await asyncio.wait_for(ping(), timeout)
    finally:
        await client.aclose()


class OwnRedis:
    def __init__(self, workdir: Path, *, persist: bool = False) -> None:
        self.persist = persist
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self, timeout: float = 10) -> None:
        aof = ["--appendonly", "yes", "--appendfsync", "always"] if self.persist else ["--appendonly", "no"]
        with open(self.workdir / f"redis-{self.port}.log", "ab") as log:
            self.proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--dir", str(self.workdir), *aof],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        await wait_answering(self.url, self.proc, timeout)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye to the clients."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None
