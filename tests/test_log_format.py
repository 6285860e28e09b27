"""`BOOTHCAST_LOG_FORMAT=json`: one JSON object per line, tagged with the request and socket ids."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import aiohttp
import socketio
from sqlalchemy import update

from media.ingest.rtmp import find_module
from rooms import demo_fair
from rooms.db import Database
from rooms.migrate import upgrade
from rooms.models import User
from server import events
from server.log_format import JsonFormatter
from tests.support import database_from_template, free_port, settings_for_test, start_server


def test_bad_log_format_is_refused_in_one_sentence(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server", "--data-dir", str(tmp_path), "settings"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "BOOTHCAST_LOG_FORMAT": "xml"},
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == "boothcast: BOOTHCAST_LOG_FORMAT must be text or json, not 'xml'"


def test_serve_logs_json_lines_and_answers_request_ids(tmp_path: Path) -> None:
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{tmp_path / 'boothcast.db'}"))
    port = free_port()
    # With nginx-rtmp installed, its start-up line is a log line to look at.
    rtmp = str(free_port()) if find_module() is not None else "0"
    env = {**os.environ, "BOOTHCAST_LOG_FORMAT": "json", "BOOTHCAST_RTMP_PORT": rtmp,
           "BOOTHCAST_SECRET_KEY": "log-format-" + "q7w8e9" * 8}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "--data-dir", str(tmp_path), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdout.readline().startswith("Boothcast on")

        async def ids() -> list[str]:
            out = []
            async with aiohttp.ClientSession() as http:
                for sent in ("lb-7f3a.42", "no spaces or\ttabs", "x" * 65, None):
                    headers = {"X-Request-Id": sent} if sent is not None else {}
                    async with http.get(f"http://127.0.0.1:{port}/healthz", headers=headers) as r:
                        assert r.status == 200
                        out.append(r.headers["X-Request-Id"])
                async with http.get(f"http://127.0.0.1:{port}/api/booths/999999") as r:
                    assert r.status == 404 and len(r.headers["X-Request-Id"]) == 16  # errors too
            return out

        kept, *made = asyncio.run(ids())
        assert kept == "lb-7f3a.42"  # a proxy's id is kept; unusable ones are replaced
        assert all(len(i) == 16 and int(i, 16) >= 0 for i in made) and len(set(made)) == 3
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    records = [json.loads(line) for line in err.splitlines() if line.strip()]  # every line is JSON
    assert all({"ts", "level", "logger", "msg"} <= set(r) for r in records), records
    if rtmp != "0":
        assert any(r["logger"] == "media.ingest.rtmp" and "listening" in r["msg"] for r in records), records
    # The access log: one line per request, with the client, status and the request's id.
    access = [r for r in records if r["logger"] == "boothcast.access"]
    assert any(r["msg"].startswith('127.0.0.1 "GET /healthz" 200') and r.get("request_id") == "lb-7f3a.42"
               for r in access), access  # fmt: skip
    assert any('"GET /api/booths/999999" 404' in r["msg"] for r in access), access


async def test_a_socket_events_log_lines_carry_its_socket_and_request_ids(
    tmp_path: Path, templates: Callable[[str], str]
) -> None:
    url, drop = await database_from_template("sqlite", await asyncio.to_thread(templates, "sqlite"), tmp_path)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server, runner = await start_server(settings_for_test(data_dir, url))
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(JsonFormatter())
    watch_log = logging.getLogger("server.account_watch")
    watch_log.addHandler(handler)
    watch_log.setLevel(logging.INFO)
    client = socketio.AsyncClient(reconnection=False)
    try:
        token, _ = await server.moderator()
        await client.connect(server.url, auth={"token": token}, transports=["websocket"],
                             headers={"X-Request-Id": "ws-upgrade-1"}, wait_timeout=10)  # fmt: skip
        sid = client.get_sid()
        # A renamed account is re-read on the next privileged event, which logs the change.
        db = Database(url)
        try:
            async with db.session() as s:
                await s.execute(
                    update(User).where(User.email == demo_fair.MODERATOR_EMAIL).values(display_name="Ren")
                )
        finally:
            await db.aclose()
        ack = await client.call(
            events.BOOTH_JOIN, {"booth_id": await server.booth_id("yiwu-caseworks")}, timeout=15
        )
        assert ack["ok"] is True, ack
        lines = [json.loads(line) for line in sink.getvalue().splitlines()]
        mine = [r for r in lines if "now acts as" in r["msg"]]
        assert mine and mine[0]["socket_id"] == sid and mine[0]["request_id"] == "ws-upgrade-1", lines
    finally:
        watch_log.removeHandler(handler)
        watch_log.setLevel(logging.NOTSET)
        await client.disconnect()
        await server.close_clients()
        await runner.cleanup()
        await drop()
