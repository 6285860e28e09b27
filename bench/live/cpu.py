"""Server CPU per live session: the ffmpeg of the session and the server process, from /proc.

    .venv/bin/python -m bench.live.cpu [--seconds 30] [--sessions 1]

A pre-encoded 720p30 2.5 Mbit/s stream (H.264 → remux, VP8 → transcode) is sent to the ingest
socket at real-time pace, like MediaRecorder; no viewers.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bench.live.common import (
    children,
    cpu_seconds,
    feed_ingest,
    first_supplier,
    login,
    make_source,
    run_server,
)


async def measure(codec: str, seconds: float, sessions: int, work: Path) -> dict[str, float]:
    source = make_source(work / f"src-{codec}.mkv", codec, int(seconds) + 20)
    async with run_server(work / f"data-{codec}") as srv:
        import sqlite3

        with sqlite3.connect(srv.data_dir / "boothcast.db") as c:
            suppliers = c.execute(
                "select email, booth_id from users where role='supplier' group by booth_id order by id"
            ).fetchall()[:sessions]
        stop = asyncio.Event()
        feeders = []
        for email, booth_id in suppliers:
            token = str((await login(srv.url, email))["token"])
            feeders.append(asyncio.create_task(feed_ingest(srv.url, token, booth_id, source, stop=stop)))
        await asyncio.sleep(5)  # warm-up: ffmpeg started, first segments written
        ffmpegs = children(srv.pid, "ffmpeg")
        s0 = cpu_seconds(srv.pid)
        f0 = {p: cpu_seconds(p) for p in ffmpegs}
        t0 = asyncio.get_running_loop().time()
        await asyncio.sleep(seconds)
        t1 = asyncio.get_running_loop().time()
        s1 = cpu_seconds(srv.pid)
        f1 = {p: cpu_seconds(p) for p in ffmpegs}
        stop.set()
        await asyncio.wait(feeders, timeout=30)
        for f in feeders:
            f.cancel()
    wall = t1 - t0
    return {
        "sessions": len(suppliers),
        "ffmpeg_processes": len(ffmpegs),
        "ffmpeg_pct_per_session": 100 * sum(f1[p] - f0[p] for p in ffmpegs) / wall / max(1, len(ffmpegs)),
        "server_pct": 100 * (s1 - s0) / wall,
        "wall_s": wall,
    }


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--sessions", type=int, default=1)
    ap.add_argument("--codecs", default="h264,vp8")
    args = ap.parse_args()
    _ = first_supplier
    with tempfile.TemporaryDirectory(prefix="bench-live-cpu-") as tmp:
        for codec in args.codecs.split(","):
            r = await measure(codec, args.seconds, args.sessions, Path(tmp))
            mode = "remux" if codec == "h264" else "transcode (libx264 veryfast)"
            print(f"{codec:5} {mode:30} sessions={r['sessions']} ffmpeg={r['ffmpeg_pct_per_session']:.1f}% of a core "
                  f"per session, server process={r['server_pct']:.1f}% (over {r['wall_s']:.0f} s)", flush=True)  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
