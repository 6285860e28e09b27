"""`/readyz`: ready while the database and Redis answer, `503` while either does not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.redis_server import OwnRedis
from tests.support import Server, database_from_template, settings_for_test, start_server


async def test_one_node_without_redis_is_ready(fair_server: Server) -> None:
    status, body = await fair_server.get("/readyz")
    assert status == 200
    assert body == {"status": "ready", "checks": {"database": "ok", "redis": "unused"}}


async def _until(server: Server, expected: int) -> Any:
    """Poll until /readyz answers `expected` (its answer is cached for a second)."""

    async def poll() -> Any:
        while True:
            status, body = await server.get("/readyz")
            if status == expected:
                return body
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(poll(), 15)


@pytest.mark.redis
async def test_a_node_whose_redis_is_gone_is_not_ready_until_it_is_back(
    templates: Callable[[str], str], tmp_path: Path, models_dir: Path
) -> None:
    redis = OwnRedis(tmp_path)
    await redis.start()
    url, drop = await database_from_template("sqlite", await asyncio.to_thread(templates, "sqlite"), tmp_path)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "models").symlink_to(models_dir)
    server, runner = await start_server(settings_for_test(data_dir, url, redis_url=redis.url))
    try:
        assert (await _until(server, 200))["checks"] == {"database": "ok", "redis": "ok"}
        redis.kill()
        body = await _until(server, 503)
        assert body["status"] == "unready" and body["checks"]["database"] == "ok"
        assert body["checks"]["redis"].startswith("failed") or body["checks"]["redis"] == "timed out"
        await redis.start()
        await _until(server, 200)
    finally:
        await runner.cleanup()
        redis.kill()
        await drop()
