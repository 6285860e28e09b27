"""`boothcast doctor` through the real entry point: one line per check, exit 1 on a failure.

Against a migrated and an unmigrated SQLite database, and against the local PostgreSQL and Redis
(reachable, clock compared) and a Redis that is not there.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from rooms.migrate import head_revisions, upgrade
from tests.support import REDIS_URL, free_port, install_models, pg_admin, pg_url

SECRET = "doctor-" + uuid.uuid4().hex + uuid.uuid4().hex


def _doctor(data_dir: Path, **env: str) -> tuple[int, dict[str, str]]:
    """Exit status and {check name: its whole line}."""
    result = subprocess.run(
        [sys.executable, "-m", "server", "--data-dir", str(data_dir), "doctor"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "BOOTHCAST_SECRET_KEY": SECRET, "BOOTHCAST_RTMP_PORT": "0", **env},
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if line.strip()}
    assert set(lines) == {"database", "redis", "ffmpeg", "nginx", "chromium", "models", "disk", "secret",
                          "clock"}, result.stdout  # fmt: skip
    return result.returncode, lines


def _status(line: str) -> str:
    return line.split()[0]


def test_doctor_on_a_migrated_database_is_ok(tmp_path: Path) -> None:
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{tmp_path / 'boothcast.db'}"))
    install_models(tmp_path / "models")
    code, lines = _doctor(tmp_path)
    assert code == 0, lines
    head = ", ".join(sorted(head_revisions()))
    assert _status(lines["database"]) == "ok" and f"at revision {head}" in lines["database"]
    for name in ("redis", "ffmpeg", "nginx", "disk", "secret", "clock"):
        assert _status(lines[name]) == "ok", lines[name]
    assert "ffmpeg version" in lines["ffmpeg"] and "RTMP ingest is off" in lines["nginx"]
    # The bundled models: the pairs they serve, pivots through English named.
    assert _status(lines["models"]) == "ok" and "en→zh" in lines["models"]
    assert "es→zh (via en)" in lines["models"], lines["models"]
    assert _status(lines["chromium"]) in ("ok", "warn")


def test_doctor_on_an_unmigrated_database_fails_and_changes_nothing(tmp_path: Path) -> None:
    code, lines = _doctor(tmp_path, BOOTHCAST_SECRET_KEY="")
    assert code == 1
    assert _status(lines["database"]) == "FAIL" and "boothcast migrate" in lines["database"]
    assert _status(lines["models"]) == "warn"
    assert "generated" in lines["secret"]
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no database file, no secret.key
    code, lines = _doctor(tmp_path, BOOTHCAST_SECRET_KEY="too-short")
    assert code == 1 and _status(lines["secret"]) == "FAIL" and "at least 32" in lines["secret"]
    code, lines = _doctor(tmp_path, BOOTHCAST_SECRET_KEY="ab" * 40)
    assert _status(lines["secret"]) == "warn" and "different characters" in lines["secret"]
    # Several nodes (REDIS_URL) each making a key of their own refuse each other's sign-ins.
    code, lines = _doctor(tmp_path, BOOTHCAST_SECRET_KEY="", REDIS_URL="redis://127.0.0.1:6379/0")
    assert code == 1 and _status(lines["secret"]) == "FAIL" and "same value on every node" in lines["secret"]


def test_doctor_without_nginx_or_ffmpeg_fails(tmp_path: Path) -> None:
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{tmp_path / 'boothcast.db'}"))
    code, lines = _doctor(tmp_path, BOOTHCAST_FFMPEG="/nonexistent/ffmpeg", BOOTHCAST_NGINX="/nonexistent/nginx",
                          BOOTHCAST_RTMP_PORT=str(free_port()))  # fmt: skip
    assert code == 1
    assert _status(lines["ffmpeg"]) == "FAIL" and _status(lines["nginx"]) == "FAIL", lines
    assert _status(lines["database"]) == "ok"


@pytest.mark.postgres
@pytest.mark.redis
def test_doctor_on_postgres_and_redis_compares_clocks(tmp_path: Path) -> None:
    name = f"bc_doctor_{uuid.uuid4().hex[:10]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        url = pg_url(name)
        code, lines = _doctor(tmp_path, DATABASE_URL=url, REDIS_URL=REDIS_URL)
        assert _status(lines["database"]) == "FAIL" and "boothcast migrate" in lines["database"]
        asyncio.run(upgrade(url))
        code, lines = _doctor(tmp_path, DATABASE_URL=url, REDIS_URL=REDIS_URL)
        assert _status(lines["database"]) == "ok", lines["database"]
        assert _status(lines["redis"]) == "ok" and "Redis " in lines["redis"]
        assert "the database is" in lines["clock"] and "this machine" in lines["clock"], lines["clock"]
        code, lines = _doctor(tmp_path, DATABASE_URL=url, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
        assert code == 1 and _status(lines["redis"]) == "FAIL" and "cannot reach" in lines["redis"]
    finally:
        asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    code, lines = _doctor(tmp_path, DATABASE_URL=pg_url(f"bc_missing_{uuid.uuid4().hex[:8]}"))
    assert code == 1 and _status(lines["database"]) == "FAIL" and "cannot reach" in lines["database"]
