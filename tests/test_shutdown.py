"""Shutting a busy node down: every background task has an owner that stops it.

A real server over Redis, with open sockets, a translated chat message, an inquiry (its lead
announcement runs after the ack), a moderator's watch and a live browser stream with its ffmpeg.
After `runner.cleanup()`, nothing the server started may still be pending, and asyncio must not
have complained about a destroyed pending task or an exception nobody retrieved.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from media.testing import chunks, ffmpeg_children, make_webm
from server.live.service import LIVE
from tests.support import REDIS_URL, database_from_template, free_port, settings_for_test, start_server

pytestmark = [pytest.mark.media, pytest.mark.redis]


async def _receive_json(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    msg = await ws.receive(timeout=20)
    assert msg.type == aiohttp.WSMsgType.TEXT, (msg.type, msg.data)
    data: dict[str, Any] = json.loads(msg.data)
    return data


async def test_shutdown_leaves_no_pending_task(
    templates: Any, tmp_path: Path, models_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    ours = asyncio.all_tasks()
    url, drop = await database_from_template("sqlite", await asyncio.to_thread(templates, "sqlite"), tmp_path)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "models").symlink_to(models_dir)
    video = await asyncio.to_thread(make_webm, tmp_path / "h264.webm", "h264", 3)
    settings = settings_for_test(data_dir, url, redis_url=REDIS_URL, redis_prefix=f"shut-{uuid.uuid4().hex}",
                                 metrics_port=free_port())  # fmt: skip
    server, runner = await start_server(settings)
    assert server.app is not None
    http = aiohttp.ClientSession()
    try:
        stok, sup = await server.supplier("shenzhen-brightway-led")
        btok, _ = await server.guest("Ben", "en")
        mtok, _ = await server.moderator()
        booth_id = sup["booth_id"]
        supplier, buyer = await server.client(stok), await server.client(btok, batch=True)
        moderator = await server.client(mtok)
        for c in (supplier, buyer):
            assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
        assert (await moderator.call("mod:watch", {}))["ok"]
        ack = await supplier.call("chat:send", {"booth_id": booth_id, "text": "欢迎光临，今天全场九折。"})
        assert ack["ok"], ack
        await buyer.wait_message(lambda m: m["id"] == ack["message"]["id"], timeout=30)
        inquiry = {"booth_id": booth_id, "message": "Price for 500 pcs FOB?", "email": "ben@example.com",
                   "consent": True}  # fmt: skip
        assert (await buyer.call("inquiry:submit", inquiry))["ok"]

        # A live browser stream, still live at shutdown.
        ws = await http.ws_connect(server.url + "/api/live/ingest")
        await ws.send_json({"type": "start", "token": stok, "booth_id": booth_id,
                            "mime": "video/webm;codecs=h264,opus"})  # fmt: skip
        assert (await _receive_json(ws))["type"] == "ready"
        parts = chunks(video.read_bytes())
        await ws.send_bytes(parts[0])
        started = await _receive_json(ws)
        assert started["type"] == "started", started
        for part in parts[1:]:
            await ws.send_bytes(part)
        pipeline = server.app[LIVE].manager.get(started["session_id"])
        assert pipeline is not None and await pipeline.wait_for_segments(1, within=20)
        assert ffmpeg_children()
    finally:
        await runner.cleanup()  # with every socket and the stream still open
        await http.close()
    for c in server.clients:
        await c.events.wait_for("disconnect")  # the server closed them
    await server.close_clients()
    await drop()

    gc.collect()
    left = [t for t in asyncio.all_tasks() - ours if not t.done()]
    # The log says whether a close missed its deadline or never ran: both have failed this once.
    assert left == [], "\n".join(repr(t) for t in left) + "\n" + caplog.text
    assert ffmpeg_children() == []
    for complaint in ("Task was destroyed but it is pending", "never retrieved", "Unclosed"):
        assert complaint not in caplog.text, caplog.text
