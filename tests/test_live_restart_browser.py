"""A supplier live from the browser when the server restarts: the console carries on by itself.

A restart ends every session on its way down (ffmpeg flushes, the recording is kept). The
console's broadcaster reconnects; resuming its old session is refused (`not_found`), so it goes on
as a new session instead of telling the supplier, in the server's English, that "no such live
session for this booth" exists (a user try).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser_support import booth, open_fair, ui_strings
from tests.fault_nodes import Node
from tests.support import database_from_template

pytestmark = [pytest.mark.browser, pytest.mark.media]

CASEWORKS = booth("yiwu-caseworks")


async def test_a_browser_stream_goes_on_as_a_new_session_after_a_restart(
    templates: Any, tmp_path: Path, models_dir: Path
) -> None:
    url, drop = await database_from_template("sqlite", await asyncio.to_thread(templates, "sqlite"), tmp_path)
    node = Node.make(tmp_path, "a", models_dir, url, f"secret-{uuid.uuid4().hex}")
    await node.start()
    try:
        async with open_fair(node.s.url, fake_media=True) as fair:
            console = await fair.staff("/console", CASEWORKS.email)
            zh = await ui_strings(console, "zh")
            controls = console.locator("#live-controls")
            go = controls.get_by_role("button", name=zh["live.go_live"], exact=True)
            await expect(go).to_be_enabled(timeout=20_000)
            await go.click()
            await expect(controls).to_have_attribute("data-live-state", "live", timeout=30_000)
            _, before = await node.s.get(f"/api/booths/{CASEWORKS.slug}")
            first_session = before["live_session"]["id"]

            assert node.proc is not None
            node.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(node.proc.wait, 30)
            except subprocess.TimeoutExpired:
                raise AssertionError("the node did not stop") from None
            node.proc = None
            await node.start()

            # Live again, by itself, in a new session; the first one is a recording now.
            await expect(controls).to_have_attribute("data-live-state", "live", timeout=60_000)
            _, after = await node.s.get(f"/api/booths/{CASEWORKS.slug}")
            assert after["live_session"] and after["live_session"]["id"] != first_session, after
            staff_token, _ = await node.s.supplier(CASEWORKS.slug)
            _, old = await node.s.get(f"/api/sessions/{first_session}", staff_token)
            assert old["session"]["status"] == "ended", old
            await controls.get_by_role("button", name=zh["live.end"], exact=True).click()
            await expect(controls).to_have_attribute("data-live-state", "ended", timeout=20_000)
    finally:
        await node.stop()
        await drop()
