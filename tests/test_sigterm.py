"""SIGTERM with pages open: the node closes their connections at once, exits, and they come back.

A websocket is a request that lasts as long as its client stays, and aiohttp waits for open
requests before the app's cleanup runs: a stopping node used to keep every page saying
"Connected" until the ping timeout dropped them (~45 s), and a restart found it still there.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import uuid
from pathlib import Path
from typing import Any

import socketio

from server import events
from tests.fault_nodes import Node
from tests.support import database_from_template

# Far longer than the test may take: without the close, only aiohttp's own 60 s wait would end it.
PING = {"BOOTHCAST_PING_INTERVAL": "300", "BOOTHCAST_PING_TIMEOUT": "300"}


async def test_sigterm_closes_open_connections_and_they_reconnect_to_the_restarted_node(
    templates: Any, tmp_path: Path, models_dir: Path
) -> None:
    url, drop = await database_from_template("sqlite", await asyncio.to_thread(templates, "sqlite"), tmp_path)
    node = Node.make(tmp_path, "a", models_dir, url, f"secret-{uuid.uuid4().hex}", extra_env=PING)
    await node.start()
    sio = socketio.AsyncClient(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
    seen: list[str] = []
    connected = asyncio.Event()

    async def on_connect() -> None:
        seen.append("connect")
        connected.set()

    async def on_disconnect(*_reason: Any) -> None:
        seen.append("disconnect")

    sio.on("connect", on_connect)
    sio.on("disconnect", on_disconnect)
    try:
        token, _ = await node.s.guest("Ana", "es")
        booth_id = await node.s.booth_id("shenzhen-brightway-led")
        await sio.connect(node.s.url, auth={"token": token}, transports=["websocket"])
        assert (await sio.call(events.BOOTH_JOIN, {"booth_id": booth_id}, timeout=15))["ok"]

        assert node.proc is not None
        node.proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.to_thread(node.proc.wait, 30)
        except subprocess.TimeoutExpired:
            raise AssertionError("the node was still running 30 s after SIGTERM with a page open") from None
        assert code == 0, node.log_text()[-3000:]
        assert seen == ["connect", "disconnect"]
        node.proc = None

        # Restarted (a rolling restart, or the load balancer's other node): the page comes back by itself.
        connected.clear()
        await node.start()
        await asyncio.wait_for(connected.wait(), 30)
        assert (await sio.call(events.BOOTH_JOIN, {"booth_id": booth_id}, timeout=15))["ok"]
        ack = await sio.call(events.CHAT_SEND, {"booth_id": booth_id, "text": "¿Seguimos?", "client_id": "after"},
                             timeout=15)  # fmt: skip
        assert ack["ok"], ack
    finally:
        await sio.disconnect()
        await node.stop()
        await drop()
