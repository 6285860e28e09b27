"""What a buyer on a slow phone connection waits for: the first load of a booth page.

Chromium (Debian's, headless) opens a booth page cold (empty cache) under emulated network
conditions, and the script reports the time until the page can be used (the guest sign-in form of
a first visit is on screen, the page's modules and dictionaries loaded) and the bytes that crossed
the network. The same page is then opened with the browser asking for no compression, in the same
run, so the figures compare the two on the same machine and link.

    .venv/bin/python bench/pageload/run.py --url http://127.0.0.1:8080 [--kbps 400 --rtt 400 --rounds 3]

Against a running server (`boothcast demo`). Prints one line per round and the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from playwright.async_api import async_playwright

CHROMIUM = "/usr/bin/chromium"


async def one_load(browser: Any, url: str, kbps: float, rtt_ms: float, compressed: bool) -> tuple[float, int, int]:
    context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    throughput = kbps * 1000 / 8  # bytes per second
    await cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": rtt_ms, "downloadThroughput": throughput, "uploadThroughput": throughput,
    })  # fmt: skip
    if not compressed:
        await cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": "identity"}})
    received = {"bytes": 0, "requests": 0}

    def finished(event: dict[str, Any]) -> None:
        received["bytes"] += int(event.get("encodedDataLength", 0))
        received["requests"] += 1

    cdp.on("Network.loadingFinished", finished)
    start = time.perf_counter()
    await page.goto(url, wait_until="commit")
    await page.locator("form.signin-form").wait_for(state="visible", timeout=120_000)
    seconds = time.perf_counter() - start
    await page.wait_for_load_state("networkidle")
    await context.close()
    return seconds, received["bytes"], received["requests"]


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--booth", default="shenzhen-brightway-led")
    ap.add_argument("--kbps", type=float, default=400)
    ap.add_argument("--rtt", type=float, default=400, help="round-trip latency, ms")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    page_url = f"{args.url.rstrip('/')}/booths/{args.booth}"
    results: dict[bool, list[tuple[float, int, int]]] = {True: [], False: []}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
        for i in range(args.rounds):
            for compressed in (True, False):  # alternating, so drift on a shared machine hits both
                s, b, n = await one_load(browser, page_url, args.kbps, args.rtt, compressed)
                results[compressed].append((s, b, n))
                print(f"round {i + 1} {'gzip    ' if compressed else 'identity'}: {s:5.2f} s  {b / 1024:7.1f} KiB  {n} requests")
        await browser.close()
    for compressed in (True, False):
        rows = results[compressed]
        print(f"median {'gzip    ' if compressed else 'identity'}: {statistics.median(r[0] for r in rows):5.2f} s  "
              f"{statistics.median(r[1] for r in rows) / 1024:7.1f} KiB")
    print(f"(a booth page, first visit, {args.kbps:g} kbit/s, {args.rtt:g} ms RTT, phone viewport, cold cache)")


if __name__ == "__main__":
    asyncio.run(main())
