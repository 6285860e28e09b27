"""`/metrics` on a real server with real sockets: what chat and translation move, where it is
reachable, and that the Grafana dashboard asks only for metrics the server exports."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.settings import Settings
from tests.redis_server import OwnRedis
from tests.support import ROOT, Server, database_from_template, free_port, settings_for_test, start_server

DASHBOARD = ROOT / "deploy" / "grafana" / "boothcast.json"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "templates" / "boothcast.conf.template"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@dataclass
class Metered:
    server: Server
    metrics_url: str

    async def scrape(self) -> Samples:
        async with aiohttp.ClientSession() as h, h.get(self.metrics_url) as r:
            assert r.status == 200
            assert r.headers["Content-Type"].startswith("text/plain")
            text = await r.text()
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
async def metered(
    templates: Callable[[str], str], tmp_path: Path, models_dir: Path
) -> AsyncIterator[Metered]:
    """The real server (SQLite, bundled models) with its metrics listener on a free port."""
    url, drop = await database_from_template("sqlite", await asyncio.to_thread(templates, "sqlite"), tmp_path)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "models").symlink_to(models_dir)
    port = free_port()
    server, runner = await start_server(settings_for_test(data_dir, url, metrics_port=port))
    try:
        yield Metered(server, f"http://127.0.0.1:{port}/metrics")
    finally:
        await server.close_clients()
        await runner.cleanup()
        await drop()


async def test_translated_chat_moves_chat_fanout_and_translation_metrics(metered: Metered) -> None:
    s = metered.server
    before = await metered.scrape()
    stok, sup = await s.supplier("shenzhen-brightway-led")  # writes zh
    etok, _ = await s.guest("Ben", "en")
    ftok, _ = await s.guest("Lucía", "es")
    booth_id = sup["booth_id"]
    zh, en, es = await s.client(stok), await s.client(etok), await s.client(ftok, batch=True)
    for c in (zh, en, es):
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    # A sentence no earlier test translated: the models run, not the cache.
    text = f"Can you ship {uuid.uuid4().int % 9000 + 1000} lamps to Valencia next month?"
    ack = await en.call("chat:send", {"booth_id": booth_id, "text": text})
    assert ack["ok"], ack
    msg_id = ack["message"]["id"]
    for reader in (zh, es):
        m = await reader.wait_message(lambda m: m["id"] == msg_id, timeout=30)
        assert m["translated"] is True
    await en.wait_message(lambda m: m["id"] == msg_id)
    after = await metered.scrape()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert value(after, "boothcast_connections") == 3
    assert moved("boothcast_booth_joins_total") == 3
    assert moved("boothcast_chat_messages_in_total") == 1
    # One chat:message each to the en and zh readers; one chat:batch message to the es reader.
    assert moved("boothcast_chat_messages_out_total", frame="message") == 2
    assert moved("boothcast_chat_messages_out_total", frame="batch") == 1
    assert moved("boothcast_fanout_delay_seconds_count", kind="original") == 1
    assert moved("boothcast_fanout_delay_seconds_count", kind="translated") == 2  # zh and es
    assert moved("boothcast_fanout_delay_seconds_bucket", kind="translated", le="+Inf") == 2
    assert moved("boothcast_chat_commit_seconds_count") >= 1
    assert moved("boothcast_translation_seconds_count") >= 1
    assert moved("boothcast_translation_batch_size_count") >= 1
    assert moved("boothcast_translations_total") >= 2  # en→zh and en→es (via their models)
    assert ("boothcast_translations_uncertain_total", ()) in after
    assert value(after, "boothcast_translations_uncertain_total") <= value(
        after, "boothcast_translations_total"
    )
    assert ("boothcast_redis_errors_total", ()) in after
    assert value(after, "boothcast_live_sessions") == 0


async def test_metrics_are_not_on_the_public_port(metered: Metered) -> None:
    status, body = await metered.server.get("/metrics")
    assert status == 404
    assert "boothcast_" not in str(body)
    # The listener is on loopback only: another address of this host refuses the connection.
    port = int(metered.metrics_url.rsplit(":", 1)[1].split("/")[0])
    other = _non_loopback_address()
    if other is not None:
        with pytest.raises(OSError), socket.create_connection((other, port), timeout=2):
            pass
    # The balancer refuses it too (defence in depth for a node that binds the port publicly).
    assert re.search(r"location = /metrics \{\s*return 404;", NGINX_TEMPLATE.read_text())


def test_metrics_listener_is_off_or_loopback_by_default() -> None:
    s = Settings.from_env({})
    assert s.metrics_port == 0 and s.metrics_host == "127.0.0.1"
    s = Settings.from_env({"BOOTHCAST_METRICS_PORT": "9464", "BOOTHCAST_METRICS_HOST": "10.0.0.5"})
    assert (s.metrics_host, s.metrics_port) == ("10.0.0.5", 9464)


async def test_grafana_dashboard_uses_only_exported_metrics(metered: Metered) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 12
    exported = {name for name, _ in await metered.scrape()}
    used = {m for e in exprs for m in re.findall(r"\b[a-z_][a-z0-9_]*\b", e) if m.startswith("boothcast_")}
    assert used, exprs
    assert used - exported == set(), (
        f"the dashboard asks for metrics the server does not export: {used - exported}"
    )
    # Every metric the issue lists has a panel.
    for wanted in ("connections", "booth_joins", "chat_messages_in", "chat_messages_out", "fanout_delay",
                   "translation_seconds", "translation_batch_size", "translations_uncertain",
                   "chat_commit_seconds", "redis_errors", "live_sessions", "ffmpeg_restarts"):  # fmt: skip
        assert any(f"boothcast_{wanted}" in u for u in used), wanted


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: no packet is sent by connect() on UDP
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.mark.redis
async def test_redis_errors_are_counted(templates: Callable[[str], str], tmp_path: Path) -> None:
    redis = OwnRedis(tmp_path)
    await redis.start()
    url, drop = await database_from_template("sqlite", await asyncio.to_thread(templates, "sqlite"), tmp_path)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    port = free_port()
    server, runner = await start_server(
        settings_for_test(data_dir, url, redis_url=redis.url, metrics_port=port)
    )
    metered = Metered(server, f"http://127.0.0.1:{port}/metrics")
    try:
        token, _ = await server.guest("Ben", "en")
        booth_id = await server.booth_id("shenzhen-brightway-led")
        client = await server.client(token)
        assert value(await metered.scrape(), "boothcast_redis_errors_total") == 0
        redis.kill()
        # Presence and the chat limit fall back to this node's memory; each failed call is counted.
        assert (await client.call("booth:join", {"booth_id": booth_id}))["ok"]
        await client.call("chat:send", {"booth_id": booth_id, "text": "hello"})
        assert value(await metered.scrape(), "boothcast_redis_errors_total") >= 1
    finally:
        await server.close_clients()
        await runner.cleanup()
        redis.kill()
        await drop()


def test_domain_packages_do_not_import_prometheus() -> None:
    for package in ("rooms", "translation", "media", "lifecycle"):
        for path in (ROOT / package).rglob("*.py"):
            assert "prometheus" not in path.read_text(encoding="utf-8"), path
