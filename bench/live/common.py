"""Shared pieces of the livestream benchmarks: a real server process, a paced WebM source, /proc."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from media.testing import child_processes

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")
DEMO_PASSWORD = "demo-pass-2026"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServerProc:
    proc: asyncio.subprocess.Process
    url: str
    port: int
    data_dir: Path

    @property
    def pid(self) -> int:
        return self.proc.pid


@contextlib.asynccontextmanager
async def run_server(data_dir: Path, *, rtmp_port: int = 0) -> AsyncIterator[ServerProc]:
    """`boothcast demo --no-serve` then `boothcast serve` as a child process (what production runs)."""
    port = free_port()
    env = {**os.environ, "BOOTHCAST_RTMP_PORT": str(rtmp_port), "BOOTHCAST_PORT": str(port),
           "BOOTHCAST_CHAT_RATE_LIMIT": "0", "BOOTHCAST_MAX_SOCKETS_PER_ADDRESS": "0"}  # fmt: skip
    base = [PY, "-m", "server", "--data-dir", str(data_dir)]
    demo = await asyncio.create_subprocess_exec(*base, "demo", "--no-serve", cwd=ROOT, env=env,
                                                stdout=asyncio.subprocess.DEVNULL)  # fmt: skip
    if await demo.wait() != 0:
        raise RuntimeError("boothcast demo --no-serve failed")
    proc = await asyncio.create_subprocess_exec(
        *base, "serve", cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            async with asyncio.timeout(120):  # model loading on a busy machine takes a while
                while True:
                    if proc.returncode is not None:
                        raise RuntimeError(f"boothcast serve exited with {proc.returncode}")
                    with contextlib.suppress(aiohttp.ClientError):
                        async with http.get(url + "/healthz") as r:
                            if r.status == 200:
                                break
                    await asyncio.sleep(0.1)
        yield ServerProc(proc, url, port, data_dir)
    finally:
        proc.send_signal(signal.SIGINT)
        started = time.monotonic()
        try:
            await asyncio.wait_for(proc.wait(), 15)
            print(f"(server stopped {time.monotonic() - started:.1f} s after SIGINT)", file=sys.stderr)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def login(url: str, email: str) -> dict[str, object]:
    async with aiohttp.ClientSession() as http:
        async with http.post(url + "/api/auth/login", json={"email": email, "password": DEMO_PASSWORD}) as r:
            r.raise_for_status()
            data: dict[str, object] = await r.json()
            return data


def first_supplier(data_dir: Path) -> tuple[str, int]:
    import sqlite3

    with contextlib.closing(sqlite3.connect(data_dir / "boothcast.db")) as c:
        row = c.execute(
            "select email, booth_id from users where role='supplier' order by id limit 1"
        ).fetchone()
    return str(row[0]), int(row[1])


def make_source(path: Path, codec: str, seconds: int, size: str = "1280x720") -> Path:
    """A pre-encoded camera-like stream (1 s keyframes, 2.5 Mbit/s, Opus), encoded once."""
    if path.exists():
        return path
    video = (
        ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "baseline", "-pix_fmt", "yuv420p"]
        if codec == "h264"
        else ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8"]
    )
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30", "-f", "lavfi", "-i", "sine=frequency=500",
         "-t", str(seconds), *video, "-g", "30", "-b:v", "2500k", "-maxrate", "2500k", "-bufsize", "2500k",
         "-c:a", "libopus", "-b:a", "96k", "-f", "matroska", "-live", "1", str(path)],
        check=True,
    )  # fmt: skip
    return path


async def feed_ingest(url: str, token: str, booth_id: int, source: Path, *, stop: asyncio.Event) -> int:
    """Send `source` to the ingest socket at real-time pace (like MediaRecorder); the session id."""
    pacer = await asyncio.create_subprocess_exec(
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", str(source), "-map", "0",
        "-c", "copy", "-f", "matroska", "-live", "1", "-cluster_time_limit", "100", "pipe:1",
        stdout=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert pacer.stdout is not None
    session_id = -1
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(url.replace("http", "ws") + "/api/live/ingest") as ws,
    ):
        await ws.send_json({"type": "start", "token": token, "booth_id": booth_id, "mime": "video/webm"})
        assert json.loads((await ws.receive(timeout=10)).data)["type"] == "ready"
        try:
            while not stop.is_set():
                chunk = await pacer.stdout.read(64 * 1024)
                if not chunk:
                    break
                await ws.send_bytes(chunk)
                if session_id < 0:
                    with contextlib.suppress(asyncio.TimeoutError):
                        msg = await ws.receive(timeout=0.01)
                        if msg.type == aiohttp.WSMsgType.TEXT:
                            session_id = json.loads(msg.data).get("session_id", -1)
            await ws.send_json({"type": "end"})
            with contextlib.suppress(asyncio.TimeoutError):
                while True:
                    msg = await ws.receive(timeout=10)
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        break
                    data = json.loads(msg.data)
                    session_id = data.get("session_id", session_id)
                    if data.get("type") == "ended":
                        break
        finally:
            if pacer.returncode is None:
                pacer.kill()
            await pacer.wait()
    return session_id


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (its own threads, not its children)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children(pid: int, name: str) -> list[int]:
    return child_processes(pid, name)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def now() -> float:
    return time.monotonic()


if __name__ == "__main__":  # pragma: no cover
    sys.exit("import me")
