"""Concurrent viewers of one live stream: where playlist/segment latency or errors degrade.

    .venv/bin/python -m bench.live.viewers [--steps 50,200,500,1000] [--step-seconds 20] [--via app,nginx]

One server process (`boothcast serve`), one live session fed at real-time pace through the ingest
socket (a pre-encoded 720p30 H.264 2.5 Mbit/s stream: the browser's remux path). Each simulated
viewer behaves like our hls.js player: a blocking playlist reload (`_HLS_msn` = next segment),
then every new segment fetched in full. The load generator shares the machine's cores with the
server; the server's own CPU use is reported from /proc.

`--via nginx` puts deploy/nginx's balancer in front (bench/cluster/nginx.py): segments come
from nginx reading the server's media directory, playlists (blocking reloads) still from the
server through nginx. `--via app,nginx` runs each step both ways on the same stream, so the
two compare in the same run; nginx's CPU (master and workers) is reported beside the server's.

A viewer is "behind" when, over a step, it fetched 2+ segments fewer than the stream produced
(a real player at the 2 s target would have stalled); "late" counts segment downloads that took
longer than a segment lasts (1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.cluster.nginx import balancer
from bench.fanout.run import cpu_s
from bench.live.common import (
    children,
    cpu_seconds,
    feed_ingest,
    first_supplier,
    free_port,
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
    per_viewer: list[int] = field(default_factory=list)  # segments fetched, per viewer
    edge: int = 0  # the newest media sequence number a playlist announced

    def reset(self, viewers: int) -> None:
        self.playlist_ms.clear()
        self.segment_ms.clear()
        self.errors = self.bytes = self.segments = 0
        self.per_viewer = [0] * viewers


async def viewer(http: aiohttp.ClientSession, base: str, stats: Stats, stop: asyncio.Event, me: int) -> None:
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
            stats.edge = max(stats.edge, next_msn)
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
                stats.per_viewer[me] += 1
                seen.add(u)
        except (aiohttp.ClientError, TimeoutError):
            stats.errors += 1
            await asyncio.sleep(1)


HEADER = (
    f"{'viewers':>7} {'via':>5} {'MB/s':>6} {'pl p50':>7} {'pl p95':>7} {'seg p50':>7} {'seg p95':>7} "
    f"{'seg p99':>7} {'late':>5} {'behind':>6} {'errors':>6} {'server CPU':>10} {'nginx CPU':>9} {'load':>5}"
)


async def step(
    http: aiohttp.ClientSession, base: str, n: int, seconds: float, srv_pid: int, nginx_pid: int | None
) -> str:
    """N viewers for `seconds` after a ramp-up: one row of the table."""
    stats, stop = Stats(per_viewer=[0] * n), asyncio.Event()
    tasks = [asyncio.create_task(viewer(http, base, stats, stop, i)) for i in range(n)]
    await asyncio.sleep(3)  # ramp-up
    stats.reset(n)
    ff = children(srv_pid, "ffmpeg")
    edge0 = stats.edge
    n0 = cpu_s(nginx_pid) if nginx_pid else 0.0
    c0, f0, t0 = cpu_seconds(srv_pid), sum(cpu_seconds(p) for p in ff), time.monotonic()
    await asyncio.sleep(seconds)
    c1, f1, t1 = cpu_seconds(srv_pid), sum(cpu_seconds(p) for p in ff), time.monotonic()
    n1 = cpu_s(nginx_pid) if nginx_pid else 0.0
    produced = stats.edge - edge0
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    wall = t1 - t0
    late = sum(1 for ms in stats.segment_ms if ms > 1000)
    behind = sum(1 for got in stats.per_viewer if got < produced - 2)
    nginx = f"{100 * (n1 - n0) / wall:>8.0f}%" if nginx_pid else f"{'-':>9}"
    # Blocking reloads wait for the next segment: their latency is ~1 s by design; the segment
    # fetches show the server's cost.
    return (f"{n:>7} {'nginx' if nginx_pid else 'app':>5} {stats.bytes / wall / 1e6:>6.1f} "
            f"{percentile(stats.playlist_ms, 50):>7.0f} {percentile(stats.playlist_ms, 95):>7.0f} "
            f"{percentile(stats.segment_ms, 50):>7.0f} {percentile(stats.segment_ms, 95):>7.0f} "
            f"{percentile(stats.segment_ms, 99):>7.0f} {late:>5} {behind:>6} {stats.errors:>6} "
            f"{100 * (c1 - c0) / wall:>9.0f}% {nginx} {os.getloadavg()[0]:>5.1f}"
            f"   (ffmpeg {100 * (f1 - f0) / wall:.0f}%, {produced} segments produced)")  # fmt: skip


async def run(steps: list[int], step_seconds: float, via: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-live-viewers-") as tmp:
        runs = len(steps) * len(via)
        source = make_source(Path(tmp) / "src.mkv", "h264", int((step_seconds + 5) * runs + 60))
        async with run_server(Path(tmp) / "data") as srv:
            email, booth_id = first_supplier(srv.data_dir)
            token = str((await login(srv.url, email))["token"])
            feed_stop = asyncio.Event()
            feeder = asyncio.create_task(feed_ingest(srv.url, token, booth_id, source, stop=feed_stop))
            connector = aiohttp.TCPConnector(limit=0, force_close=False)
            timeout = aiohttp.ClientTimeout(total=20)
            with contextlib.ExitStack() as stack:
                # The server's default media directory: what nginx serves from (deploy's shared volume).
                lb = None
                if "nginx" in via:
                    lb = stack.enter_context(
                        balancer(Path(tmp) / "nginx", free_port(), [srv.url.removeprefix("http://")],
                                 srv.data_dir / "media")
                    )  # fmt: skip
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
                    print(HEADER, flush=True)
                    for n in steps:
                        for how in via:
                            url, nginx_pid = (
                                (lb.url, lb.proc.pid) if how == "nginx" and lb else (srv.url, None)
                            )
                            row = await step(http, f"{url}/media/{sid}", n, step_seconds, srv.pid, nginx_pid)
                            print(row, flush=True)
            feed_stop.set()
            # The numbers are printed; never let a slow goodbye from the source hang the run.
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(feeder, 30)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", default="50,200,500,1000")
    ap.add_argument("--step-seconds", type=float, default=20)
    ap.add_argument("--via", default="app", help="app, nginx, or app,nginx: who serves the segments")
    args = ap.parse_args()
    await run([int(s) for s in args.steps.split(",")], args.step_seconds, args.via.split(","))


if __name__ == "__main__":
    asyncio.run(main())
