"""Glass-to-glass latency of a browser livestream, measured by the browsers themselves.

    .venv/bin/python -m bench.live.latency [--seconds 40] [--hls '{"liveSyncDurationCount": 1}']

A sending page draws the current `Date.now()` as a barcode (32 bits + their inverse, 8×8 black and
white blocks) into a canvas; `canvas.captureStream(30)` goes through the real broadcaster module
(MediaRecorder → ingest WebSocket → ffmpeg remux → HLS). A receiving page plays the booth with the
real player module (hls.js, the live settings) and, on every decoded frame
(`requestVideoFrameCallback`), draws it to a canvas, decodes the barcode and records
`Date.now() − code`. Both pages run in one Chromium on one machine: one clock.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from bench.live.common import children, cpu_seconds, first_supplier, login, percentile, run_server

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required", "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
]  # fmt: skip

SENDER_JS = """
async ({boothId, token}) => {
  const W = 640, H = 360, COLS = 8, ROWS = 8;
  const canvas = Object.assign(document.createElement('canvas'), {width: W, height: H});
  document.body.append(canvas);
  const g = canvas.getContext('2d');
  const draw = () => {
    const t = Date.now() >>> 0;
    g.fillStyle = '#808080'; g.fillRect(0, 0, W, H);
    for (let i = 0; i < 64; i++) {
      const bit = i < 32 ? (t >>> i) & 1 : 1 - ((t >>> (i - 32)) & 1);
      g.fillStyle = bit ? '#ffffff' : '#000000';
      const x = (i % COLS) * (W / COLS), y = Math.floor(i / COLS) * (H / ROWS);
      g.fillRect(x + 4, y + 4, W / COLS - 8, H / ROWS - 8);
    }
  };
  setInterval(draw, 8);
  draw();
  const stream = canvas.captureStream(30);
  const { mountBroadcaster } = await import('/static/live/broadcaster.js');
  const box = document.createElement('div');
  document.body.append(box);
  const b = mountBroadcaster(box, {booth: {id: boothId}, token});
  await new Promise((r) => setTimeout(r, 300));
  b.useStream(stream);
  b.goLive();
  window.__bc = b;
}
"""

RECEIVER_JS = """
async ({boothId, token, hlsConfig}) => {
  const video = Object.assign(document.createElement('video'), {muted: true, autoplay: true, playsInline: true});
  document.body.append(video);
  const { mountPlayer } = await import('/static/live/player.js');
  window.__player = mountPlayer(video, {booth: {id: boothId}, token, onState: () => {}, hlsConfig});
  const c = document.createElement('canvas');
  const g = c.getContext('2d', {willReadFrequently: true});
  window.__lat = []; window.__bad = 0; window.__stalls = 0; window.__hlsLat = [];
  video.addEventListener('waiting', () => { if (window.__lat.length) window.__stalls++; });
  const onFrame = () => {
    const W = video.videoWidth, H = video.videoHeight;
    if (W && H) {
      c.width = W; c.height = H;
      g.drawImage(video, 0, 0, W, H);
      const px = g.getImageData(0, 0, W, H).data;
      let v = 0, inv = 0;
      for (let i = 0; i < 64; i++) {
        const x = Math.floor(((i % 8) + 0.5) * W / 8), y = Math.floor((Math.floor(i / 8) + 0.5) * H / 8);
        const o = (y * W + x) * 4;
        const bit = (px[o] + px[o + 1] + px[o + 2]) / 3 > 128 ? 1 : 0;
        if (i < 32) v |= bit << i; else inv |= (1 - bit) << (i - 32);
      }
      if ((v >>> 0) === (inv >>> 0)) {
        const now = Date.now() >>> 0;
        window.__lat.push(((now - (v >>> 0)) >>> 0));
        const hls = window.__player.hls;
        // hls.js's own view: distance behind the live point it estimates, and its target.
        if (hls) window.__hlsLat.push([hls.latency, hls.targetLatency]);
      } else window.__bad++;
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}
"""


async def run(seconds: float, hls_config: dict[str, Any]) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory(prefix="bench-live-lat-") as tmp:
        async with run_server(Path(tmp) / "data") as srv:
            email, booth_id = first_supplier(srv.data_dir)
            staff = await login(srv.url, email)
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                try:
                    send = await (await browser.new_context()).new_page()
                    await send.goto(srv.url + "/healthz")
                    await send.evaluate(SENDER_JS, {"boothId": booth_id, "token": staff["token"]})
                    recv = await (await browser.new_context()).new_page()
                    await recv.goto(srv.url + "/healthz")
                    args = {"boothId": booth_id, "token": staff["token"], "hlsConfig": hls_config}
                    await recv.evaluate(RECEIVER_JS, args)
                    await recv.wait_for_function("window.__lat.length > 30", timeout=60_000)
                    await recv.evaluate(
                        "window.__lat = []; window.__bad = 0; window.__stalls = 0; window.__hlsLat = []"
                    )
                    ff = children(srv.pid, "ffmpeg")
                    c0 = cpu_seconds(srv.pid), sum(cpu_seconds(p) for p in ff)
                    await asyncio.sleep(seconds)
                    c1 = cpu_seconds(srv.pid), sum(cpu_seconds(p) for p in ff)
                    lat: list[float] = await recv.evaluate("window.__lat")
                    bad: int = await recv.evaluate("window.__bad")
                    stalls: int = await recv.evaluate("window.__stalls")
                    hls_lat: list[list[float]] = await recv.evaluate("window.__hlsLat")
                    codec = await send.evaluate("window.__bc.mime")
                    await send.evaluate("window.__bc.end()")
                finally:
                    await browser.close()
    return {
        "hls_overrides": hls_config, "frames": len(lat), "undecodable": bad, "stalls": stalls, "codec": codec,
        "p50_ms": percentile(lat, 50), "p95_ms": percentile(lat, 95), "min_ms": min(lat or [0]),
        "max_ms": max(lat or [0]), "seconds": seconds,
        "hls_latency_p50_s": percentile([x[0] for x in hls_lat], 50),
        "hls_target_latency_s": percentile([x[1] for x in hls_lat], 50),
        "server_cpu_pct": 100 * (c1[0] - c0[0]) / seconds, "ffmpeg_cpu_pct": 100 * (c1[1] - c0[1]) / seconds,
    }  # fmt: skip


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=40)
    ap.add_argument(
        "--hls", default="{}", help='hls.js overrides of LIVE_CONFIG, JSON, e.g. {"liveSyncDuration": 1.5}'
    )
    args = ap.parse_args()
    r = await run(args.seconds, json.loads(args.hls))
    print(json.dumps(r, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
