"""Concurrent viewers of one live stream: where playlist/segment latency or errors degrade.

    .venv/bin/python -m bench.live.viewers [--steps 50,200,500,1000] [--step-seconds 20]

One server process (`boothcast serve`), one live session fed at real-time pace through the ingest
socket (a pre-encoded 720p30 H.264 2.5 Mbit/s stream: the browser's remux path). Each simulated
viewer behaves like our hls.js player: a blocking playlist reload (`_HLS_msn` = next segment),
then every new segment fetched in full. The load generator shares the machine's cores with the
server; the server's own CPU use is reported from /proc.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.live.common import (
    children,
    cpu_seconds,
    feed_ingest,
    first_supplier,
    login,
    make_source,
    percentile,
    run_server,
)

SEQ_RE = re.compile(r"#EXT-X-MEDIA-SEQUENCE:(\d+)")


@dataclass
class Stats:
    playlist_ms: list[float] = field(default_factory=list)
    segment_ms: list[float] = field(default_factory=list)
    errors: int = 0
    bytes: int = 0
    segments: int = 0


async def viewer(http: aiohttp.ClientSession, base: str, stats: Stats, stop: asyncio.Event) -> None:
    next_msn: int | None = None
    seen: set[str] = set()
    while not stop.is_set():
        url = base + "/live.m3u8" + (f"?_HLS_msn={next_msn}" if next_msn is not None else "")
        t0 = time.monotonic()
        try:
            async with http.get(url) as r:
                text = await r.text()
                if r.status != 200:
                    stats.errors += 1
                    await asyncio.sleep(1)
                    continue
            stats.playlist_ms.append((time.monotonic() - t0) * 1000)
            m = SEQ_RE.search(text)
            uris = [line for line in text.splitlines() if line.endswith(".ts")]
            if m is None or not uris:
                await asyncio.sleep(0.5)
                continue
            next_msn = int(m.group(1)) + len(uris)
            fresh = [u for u in uris if u not in seen]
            if not seen:
                fresh = fresh[-3:]  # a player starts near the live edge
            for u in fresh:
                t1 = time.monotonic()
                async with http.get(f"{base}/{u}") as r:
                    body = await r.read()
                    if r.status != 200:
                        stats.errors += 1
                        continue
                stats.segment_ms.append((time.monotonic() - t1) * 1000)
                stats.bytes += len(body)
                stats.segments += 1
                seen.add(u)
        except (aiohttp.ClientError, TimeoutError):
            stats.errors += 1
            await asyncio.sleep(1)


async def run(steps: list[int], step_seconds: float) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-live-viewers-") as tmp:
        source = make_source(Path(tmp) / "src.mkv", "h264", int(step_seconds * len(steps) + 60))
        async with run_server(Path(tmp) / "data") as srv:
            email, booth_id = first_supplier(srv.data_dir)
            token = str((await login(srv.url, email))["token"])
            feed_stop = asyncio.Event()
            feeder = asyncio.create_task(feed_ingest(srv.url, token, booth_id, source, stop=feed_stop))
            connector = aiohttp.TCPConnector(limit=0, force_close=False)
            timeout = aiohttp.ClientTimeout(total=20)
            async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
                sid = None
                for _ in range(200):
                    async with http.get(f"{srv.url}/api/booths/{booth_id}/live") as r:
                        state = await r.json()
                    if state.get("ready"):
                        sid = state["session_id"]
                        break
                    await asyncio.sleep(0.1)
                assert sid is not None, "the stream did not start"
                base = f"{srv.url}/media/{sid}"
                print(f"{'viewers':>7} {'MB/s':>6} {'pl p50':>7} {'pl p95':>7} {'seg p50':>7} {'seg p95':>7} "
                      f"{'seg p99':>7} {'errors':>6} {'server CPU':>10}", flush=True)  # fmt: skip
                for n in steps:
                    stats, stop = Stats(), asyncio.Event()
                    tasks = [asyncio.create_task(viewer(http, base, stats, stop)) for _ in range(n)]
                    await asyncio.sleep(3)  # ramp-up
                    stats.playlist_ms.clear()
                    stats.segment_ms.clear()
                    stats.errors = stats.bytes = 0
                    ff = children(srv.pid, "ffmpeg")
                    c0, f0, t0 = cpu_seconds(srv.pid), sum(cpu_seconds(p) for p in ff), time.monotonic()
                    await asyncio.sleep(step_seconds)
                    c1, f1, t1 = cpu_seconds(srv.pid), sum(cpu_seconds(p) for p in ff), time.monotonic()
                    stop.set()
                    for t in tasks:
                        t.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
                    wall = t1 - t0
                    # Blocking reloads wait for the next segment: their latency is ~1 s by design;
                    # the segment fetches show the server's cost.
                    print(f"{n:>7} {stats.bytes / wall / 1e6:>6.1f} {percentile(stats.playlist_ms, 50):>7.0f} "
                          f"{percentile(stats.playlist_ms, 95):>7.0f} {percentile(stats.segment_ms, 50):>7.0f} "
                          f"{percentile(stats.segment_ms, 95):>7.0f} {percentile(stats.segment_ms, 99):>7.0f} "
                          f"{stats.errors:>6} {100 * (c1 - c0) / wall:>9.0f}% (ffmpeg {100 * (f1 - f0) / wall:.0f}%)",
                          flush=True)  # fmt: skip
            feed_stop.set()
            # The numbers are printed; never let a slow goodbye from the source hang the run.
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(feeder, 30)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", default="50,200,500,1000")
    ap.add_argument("--step-seconds", type=float, default=20)
    args = ap.parse_args()
    await run([int(s) for s in args.steps.split(",")], args.step_seconds)


if __name__ == "__main__":
    asyncio.run(main())
