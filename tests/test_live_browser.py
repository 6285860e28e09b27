"""Go live from the supplier console in real Chromium, watch from the booth page, then replay."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from media.testing import ffmpeg_children
from rooms.db import Database
from rooms.demo_fair import DEMO_PASSWORD
from rooms.migrate import upgrade
from rooms.models import Booth, User
from rooms.seed import seed_demo
from server.app import create_app
from server.settings import Settings

pytestmark = [pytest.mark.media, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--use-fake-device-for-media-stream=fps=30",
    "--use-fake-ui-for-media-stream", "--autoplay-policy=no-user-gesture-required",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), rtmp_port=0, secret_key="b" * 48)
    settings.data_dir.mkdir(parents=True)
    await upgrade(settings.effective_database_url)
    db = Database(settings.effective_database_url)
    await seed_demo(db)
    async with db.reader() as s:
        supplier = (
            (await s.execute(select(User).where(User.role == "supplier").order_by(User.id))).scalars().first()
        )
        assert supplier is not None and supplier.booth_id is not None
        booth = await s.get(Booth, supplier.booth_id)
        assert booth is not None
        email, slug, booth_id = supplier.email, booth.slug, booth.id
    await db.aclose()
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.port).start()
    url = f"http://127.0.0.1:{settings.port}"
    async with aiohttp.ClientSession() as http:
        async with http.post(url + "/api/auth/login", json={"email": email, "password": DEMO_PASSWORD}) as r:
            staff = await r.json()
        async with http.post(url + "/api/auth/guest", json={"display_name": "Lin", "lang": "en"}) as r:
            buyer = await r.json()
        yield {"url": url, "staff": staff, "buyer": buyer, "slug": slug, "booth_id": booth_id, "http": http}
    await runner.cleanup()
    assert ffmpeg_children() == []


def session_script(session: dict[str, Any]) -> str:
    data = json.dumps({"token": session["token"], "user": session["user"]})
    return f"localStorage.setItem('boothcast.session', {json.dumps(data)});"


async def test_go_live_watch_stop_replay(site: dict[str, Any]) -> None:
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            supplier_ctx = await browser.new_context()
            await supplier_ctx.add_init_script(session_script(site["staff"]))
            console = await supplier_ctx.new_page()
            await console.goto(site["url"] + "/console")
            go = console.get_by_role("button", name="Go live", exact=True)
            await expect(go).to_be_enabled(timeout=20_000)
            await go.click()
            controls = console.locator("#live-controls")
            await expect(controls).to_have_attribute("data-live-state", "live", timeout=20_000)

            buyer_ctx = await browser.new_context()
            await buyer_ctx.add_init_script(session_script(site["buyer"]))
            booth = await buyer_ctx.new_page()
            await booth.goto(f"{site['url']}/booths/{site['slug']}")
            await booth.wait_for_function(
                "() => { const v = document.querySelector('#player');"
                " return v && v.videoWidth > 0 && v.currentTime > 1.5; }",
                timeout=30_000,
            )
            t0 = await booth.evaluate("document.querySelector('#player').currentTime")
            await booth.wait_for_function(
                f"() => document.querySelector('#player').currentTime > {t0} + 1", timeout=15_000
            )
            await expect(booth.locator("#live-badge")).to_be_visible()
            await booth.locator("#chat-input").fill("Is the blue one in stock?")
            await booth.locator("#chat-send").click()
            await expect(booth.locator("#chat-list li")).to_have_count(1, timeout=10_000)

            await console.get_by_role("button", name="End stream", exact=True).click()
            await expect(controls).to_have_attribute("data-live-state", "ended", timeout=20_000)
            await expect(booth.locator("#stream-offline")).to_be_visible(timeout=15_000)
            await expect(booth.locator("#live-badge")).to_be_hidden()

            async with site["http"].get(f"{site['url']}/api/booths/{site['booth_id']}/sessions") as r:
                sessions = (await r.json())["sessions"]
            assert sessions and sessions[0]["ended_at"] and sessions[0]["duration_ms"] > 2000
            replay = await booth.context.new_page()
            await replay.goto(site["url"] + sessions[0]["replay_url"])
            await replay.wait_for_function(
                "() => { const v = document.querySelector('#player');"
                " return v && v.videoWidth > 0 && v.currentTime > 0.5; }",
                timeout=30_000,
            )
            # The chat message appears beside the video once playback reaches its moment.
            await expect(replay.locator("#chat-list li")).to_have_count(1, timeout=30_000)
            await expect(replay.locator("#chat-list")).to_contain_text("blue one")
            await expect(replay.get_by_role("button", name="Inquire about this moment")).to_be_visible()
        finally:
            await browser.close()
