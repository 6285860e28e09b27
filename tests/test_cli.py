"""The command line: demo seeding is idempotent, accounts, help that explains everything."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from rooms import demo_fair
from rooms.db import Database
from rooms.models import Booth, Product, User
from server.cli import build_parser, main


def _run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


async def _counts(url: str) -> tuple[int, int, int]:
    db = Database(url)
    try:
        async with db.reader() as s:
            return (
                (await s.execute(select(func.count()).select_from(Booth))).scalar_one(),
                (await s.execute(select(func.count()).select_from(Product))).scalar_one(),
                (await s.execute(select(func.count()).select_from(User))).scalar_one(),
            )
    finally:
        await db.aclose()


def test_demo_seeds_idempotently_and_prints_accounts(tmp_path: Path) -> None:
    first = _run("demo", "--no-serve", data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "http://127.0.0.1:8080/" in first.stdout
    for booth in demo_fair.BOOTHS:
        assert booth.email in first.stdout
    assert demo_fair.MODERATOR_EMAIL in first.stdout and demo_fair.ADMIN_EMAIL in first.stdout
    url = f"sqlite+aiosqlite:///{tmp_path / 'boothcast.db'}"
    once = asyncio.run(_counts(url))
    second = _run("demo", "--no-serve", data_dir=tmp_path)
    assert second.returncode == 0, second.stderr
    assert asyncio.run(_counts(url)) == once
    booths, products, users = once
    assert booths >= 6 and products == sum(len(b.products) for b in demo_fair.BOOTHS)
    assert users == len(demo_fair.BOOTHS) + 2
    assert all(3 <= len(b.products) <= 6 for b in demo_fair.BOOTHS)
    assert {b.lang for b in demo_fair.BOOTHS} == {"zh", "en", "es"}


def test_users_create_hashes_the_password_and_checks_input(tmp_path: Path) -> None:
    assert _run("migrate", data_dir=tmp_path).returncode == 0
    assert _run("demo", "--no-serve", data_dir=tmp_path).returncode == 0
    ok = _run("users", "create", "--email", "New@Example.com", "--password", "s3cret-pass", "--role", "supplier",
              "--booth", "yiwu-caseworks", data_dir=tmp_path)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    dup = _run("users", "create", "--email", "new@example.com", "--password", "s3cret-pass", "--role", "moderator",
               data_dir=tmp_path)  # fmt: skip
    assert dup.returncode == 2 and "exists" in dup.stderr
    nobooth = _run("users", "create", "--email", "x@example.com", "--password", "s3cret-pass", "--role", "supplier",
                   data_dir=tmp_path)  # fmt: skip
    assert nobooth.returncode == 2 and "--booth" in nobooth.stderr
    short = _run("users", "create", "--email", "y@example.com", "--password", "short", "--role", "admin",
                 data_dir=tmp_path)  # fmt: skip
    assert short.returncode == 2

    async def stored() -> str | None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'boothcast.db'}")
        try:
            async with db.reader() as s:
                return (await s.execute(select(User.password_hash).where(User.email == "new@example.com"))).scalar_one()
        finally:
            await db.aclose()

    digest = asyncio.run(stored())
    assert digest is not None and digest.startswith("$argon2") and "s3cret-pass" not in digest


def test_help_names_every_command_and_setting(capsys: object) -> None:
    text = build_parser().format_help()
    for word in ("demo", "serve", "migrate", "users", "models", "BOOTHCAST_DATA_DIR", "DATABASE_URL", "REDIS_URL",
                 "BOOTHCAST_SECRET_KEY", "BOOTHCAST_CHAT_RATE_LIMIT", "BOOTHCAST_MAX_SOCKETS_PER_USER",
                 "BOOTHCAST_MAX_SOCKETS_PER_ADDRESS", "BOOTHCAST_HEADER_TIMEOUT", "BOOTHCAST_PING_INTERVAL",
                 "BOOTHCAST_PING_TIMEOUT"):  # fmt: skip
        assert word in text, word


def test_settings_command_masks_secrets(capsys: object, monkeypatch: object, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://boothcast:hunter2@db/boothcast")  # type: ignore[attr-defined]
    monkeypatch.setenv("BOOTHCAST_SECRET_KEY", "k" * 40)  # type: ignore[attr-defined]
    assert main(["--data-dir", str(tmp_path), "settings"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "hunter2" not in out and "kkkk" not in out and "boothcast:***@db" in out
