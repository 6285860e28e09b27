"""The command line: demo seeding is idempotent, accounts, help that explains everything."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from unittest import mock

import pytest
import socketio
from sqlalchemy import func, select

from rooms import demo_fair
from rooms.db import Database
from rooms.errors import BadRequest, Banned, InvalidCredentials, NotFound
from rooms.models import AuditEntry, Booth, Product, User
from rooms.users import (
    do_disable_account,
    do_enable_account,
    do_guest_sign_in,
    do_login,
    do_update_account,
    find_account,
    list_accounts,
)
from server.cli import build_parser, main
from tests.support import ROOT, Client, Server

T = TypeVar("T")


def _run(
    *args: str, data_dir: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=120, input=stdin,
        env=None if env is None else {**os.environ, **env},
    )  # fmt: skip


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def _cli(*args: str, data_dir: Path, stdin: str | None = None) -> Ran:
    """`boothcast ...` in this process. The users commands are run dozens of times here, and a
    subprocess each took 2 to 5 s on a loaded CI machine; `_run` keeps `python -m server` covered."""
    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                mock.patch.object(sys, "stdin", io.StringIO(stdin or "")):  # fmt: skip
            try:
                code = main(["--data-dir", str(data_dir), *args])
            except SystemExit as exc:  # argparse refusing the arguments
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
        root.handlers[:] = handlers  # main() configures logging for a process of its own
        root.setLevel(level)
    return Ran(code, out.getvalue(), err.getvalue())


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
    # Listening on every address, it still prints an address a browser opens.
    every = _run("demo", "--no-serve", "--host", "0.0.0.0", data_dir=tmp_path)
    assert "http://127.0.0.1:8080/" in every.stdout and "0.0.0.0" not in every.stdout, every.stdout
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
    # Every setting the server reads is named there, so `--help` finds every feature.
    read = set(re.findall(r'"(BOOTHCAST_[A-Z_]+)"', (ROOT / "server" / "settings.py").read_text()))
    assert sorted(v for v in read if v not in text) == []


def test_settings_command_masks_secrets(capsys: object, monkeypatch: object, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://boothcast:hunter2@db/boothcast")  # type: ignore[attr-defined]
    monkeypatch.setenv("BOOTHCAST_SECRET_KEY", "k" * 40)  # type: ignore[attr-defined]
    assert main(["--data-dir", str(tmp_path), "settings"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "hunter2" not in out and "kkkk" not in out and "boothcast:***@db" in out


# --- `users list | set | password | disable | enable` ---------------------------------------------

LED = next(b for b in demo_fair.BOOTHS if b.slug == "shenzhen-brightway-led")
CASES = next(b for b in demo_fair.BOOTHS if b.slug == "yiwu-caseworks")


@pytest.fixture
def fair_dir(templates: Callable[[str], str], tmp_path: Path) -> Path:
    """A data directory holding a copy of the migrated demo fair (no models: none are needed)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(templates("sqlite"), data_dir / "boothcast.db")
    return data_dir


def _on(data_dir: Path, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        db = Database(f"sqlite+aiosqlite:///{data_dir / 'boothcast.db'}")
        try:
            return await work(db)
        finally:
            await db.aclose()

    return asyncio.run(run())


def _refused(result: subprocess.CompletedProcess[str] | Ran, *words: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stderr.startswith("boothcast: "), result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)


def test_users_list_shows_staff_and_guests_only_on_request(fair_dir: Path) -> None:
    made = _run("users", "create", "--email", "new@fair.example.com", "--role", "supplier", "--booth", CASES.slug,
                "--password-stdin", data_dir=fair_dir, stdin="s3cret-pass\n")  # fmt: skip
    assert made.returncode == 0, made.stderr
    _on(fair_dir, lambda db: do_guest_sign_in(db, display_name="Guest Gus", lang="es", company=None, country=None))
    staff = _cli("users", "list", data_dir=fair_dir)
    assert staff.returncode == 0, staff.stderr
    line = next(x for x in staff.stdout.splitlines() if "new@fair.example.com" in x)
    assert line.split()[2:6] == ["supplier", CASES.slug, CASES.lang, "active"]
    assert demo_fair.MODERATOR_EMAIL in staff.stdout and "Guest Gus" not in staff.stdout
    guests = _cli("users", "list", "--role", "buyer", "--json", data_dir=fair_dir)
    assert guests.returncode == 0, guests.stderr
    assert [(g["display_name"], g["email"], g["booth"]) for g in json.loads(guests.stdout)] == [("Guest Gus", None, None)]
    one = _cli("users", "list", "--booth", CASES.slug, "--json", data_dir=fair_dir)
    assert sorted(a["email"] for a in json.loads(one.stdout)) == sorted([CASES.email, "new@fair.example.com"])
    capped = _cli("users", "list", "--all", "--limit", "2", data_dir=fair_dir)
    assert capped.returncode == 0 and len(capped.stdout.splitlines()) == 3  # the header and two
    assert f"{len(demo_fair.BOOTHS) + 2} more" in capped.stderr  # the demo staff, ours and a guest, less two
    _refused(_cli("users", "list", "--booth", "no-such-booth", data_dir=fair_dir), "no-such-booth")


def test_users_set_moves_and_demotes_with_the_checks_of_create(fair_dir: Path) -> None:
    moved = _cli("users", "set", LED.email, "--booth", CASES.slug, data_dir=fair_dir)
    assert moved.returncode == 0, moved.stderr
    assert f"booth {LED.slug} → {CASES.slug}" in moved.stdout
    # Said, not refused: the LED booth has nobody to open its console now.
    assert f"note: booth {LED.slug} has no enabled supplier account now" in moved.stderr
    assert _on(fair_dir, lambda db: find_account(db, LED.email)).booth_slug == CASES.slug
    demoted = _cli("users", "set", LED.email, "--role", "buyer", data_dir=fair_dir)
    assert demoted.returncode == 0, demoted.stderr
    assert f"supplier {LED.email}" in demoted.stdout and "role supplier → buyer" in demoted.stdout
    after = _on(fair_dir, lambda db: find_account(db, LED.email))
    assert (after.role, after.booth_slug) == ("buyer", None)
    # A supplier needs a booth; a booth belongs to suppliers only.
    _refused(_cli("users", "set", demo_fair.MODERATOR_EMAIL, "--role", "supplier", data_dir=fair_dir), "needs --booth")
    _refused(_cli("users", "set", demo_fair.MODERATOR_EMAIL, "--booth", CASES.slug, data_dir=fair_dir),
             "--booth applies to supplier accounts only")  # fmt: skip
    _refused(_cli("users", "set", "not-an-email", "--role", "admin", data_dir=fair_dir), "not a valid e-mail")
    _refused(_cli("users", "set", LED.email, "--role", "supplier", "--booth", "nowhere", data_dir=fair_dir), "nowhere")
    _refused(_cli("users", "set", LED.email, data_dir=fair_dir), "nothing to change")
    back = _cli("users", "set", LED.email, "--role", "supplier", "--booth", LED.slug, "--name", "Li Wei",
                data_dir=fair_dir)  # fmt: skip
    assert back.returncode == 0 and "role buyer → supplier" in back.stdout and "name" in back.stdout, back.stderr
    mod = _on(fair_dir, lambda db: find_account(db, demo_fair.MODERATOR_EMAIL))
    assert (mod.role, mod.booth_slug) == ("moderator", None)
    # Each change is in the moderators' audit log, by the organiser; refused ones are not.
    assert _on(fair_dir, _audit_details) == [
        ("account", f"boothcast users set: booth {LED.slug} → {CASES.slug}"),
        ("account", f"boothcast users set: role supplier → buyer, booth {CASES.slug} → none"),
        ("account", f"boothcast users set: role buyer → supplier, booth none → {LED.slug}, name {LED.supplier_name} → Li Wei"),
    ]


async def _audit_details(db: Database) -> list[tuple[str, str]]:
    async with db.reader() as s:
        rows = await s.execute(select(AuditEntry.action, AuditEntry.detail).where(AuditEntry.actor_id.is_(None)))
        return [(r[0], r[1]) for r in rows.all()]


def test_users_password_replaces_the_one_that_signs_in(fair_dir: Path) -> None:
    old = _on(fair_dir, lambda db: do_login(db, email=LED.email, password=demo_fair.DEMO_PASSWORD))
    done = _cli("users", "password", LED.email, "--password-stdin", data_dir=fair_dir, stdin="a new pass phrase\n")
    assert done.returncode == 0 and LED.email in done.stdout, done.stderr
    assert "a new pass phrase" not in done.stdout + done.stderr
    with pytest.raises(InvalidCredentials):
        _on(fair_dir, lambda db: do_login(db, email=LED.email, password=demo_fair.DEMO_PASSWORD))
    assert _on(fair_dir, lambda db: do_login(db, email=LED.email, password="a new pass phrase")).id == old.id
    _refused(_cli("users", "password", LED.email, "--password-stdin", data_dir=fair_dir, stdin="short\n"),
             "8 characters")  # fmt: skip
    assert _on(fair_dir, _audit_details) == [
        ("password", "boothcast users password: sessions signed in before have ended")
    ]


def test_users_disable_refuses_sign_in_and_enable_restores_it(fair_dir: Path) -> None:
    off = _cli("users", "disable", LED.email, "--reason", "left the company", data_dir=fair_dir)
    assert off.returncode == 0 and "disabled supplier" in off.stdout, off.stderr
    with pytest.raises(Banned):
        _on(fair_dir, lambda db: do_login(db, email=LED.email, password=demo_fair.DEMO_PASSWORD))
    again = _cli("users", "disable", LED.email, data_dir=fair_dir)
    assert again.returncode == 0 and "disabled already" in again.stdout
    listed = json.loads(_cli("users", "list", "--booth", LED.slug, "--json", data_dir=fair_dir).stdout)
    assert [(a["disabled"], a["disabled_reason"]) for a in listed] == [(True, "left the company")]
    on = _cli("users", "enable", LED.email, data_dir=fair_dir)
    assert on.returncode == 0 and "enabled supplier" in on.stdout, on.stderr
    assert _on(fair_dir, lambda db: do_login(db, email=LED.email, password=demo_fair.DEMO_PASSWORD)).role == "supplier"

    async def audit(db: Database) -> list[tuple[str, int | None, int | None]]:
        async with db.reader() as s:
            rows = await s.execute(select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.target_user_id))
            return [(r[0], r[1], r[2]) for r in rows.all()]

    led_id = _on(fair_dir, lambda db: find_account(db, LED.email)).id
    assert _on(fair_dir, audit) == [("ban", None, led_id), ("unban", None, led_id)]
    # Disabling the only admin is said, not refused (users create --role admin makes another).
    last = _cli("users", "disable", demo_fair.ADMIN_EMAIL, data_dir=fair_dir)
    assert last.returncode == 0 and "note: no enabled admin account is left" in last.stderr, last.stderr
    assert _cli("users", "enable", demo_fair.ADMIN_EMAIL, data_dir=fair_dir).returncode == 0


def test_a_banned_guest_is_let_back_in_by_its_id(fair_dir: Path) -> None:
    """A guest has no e-mail: `users enable 14` was refused as "not a valid e-mail address" while
    `users list --role buyer` listed the guest as disabled (a user try)."""
    guest = _on(fair_dir, lambda db: do_guest_sign_in(db, display_name="Spammy", lang="en", company=None, country=None))
    off = _cli("users", "disable", str(guest.id), "--reason", "spam", data_dir=fair_dir)
    assert off.returncode == 0 and f"disabled buyer Spammy (id {guest.id})" in off.stdout, off.stderr
    on = _cli("users", "enable", str(guest.id), data_dir=fair_dir)
    assert on.returncode == 0 and f"enabled buyer Spammy (id {guest.id})" in on.stdout, on.stderr
    _refused(_cli("users", "enable", "999999", data_dir=fair_dir), "no account has the id 999999")


def test_users_commands_refuse_an_unknown_email(fair_dir: Path) -> None:
    for args in (("set", "--role", "admin"), ("password", "--password-stdin"), ("disable",), ("enable",)):
        _refused(_cli("users", args[0], "nobody@fair.example.com", *args[1:], data_dir=fair_dir, stdin="long enough\n"),
                 "no account has the e-mail nobody@fair.example.com")  # fmt: skip


async def test_account_changes_on_both_databases(db: Database) -> None:
    staff, total = await list_accounts(db, roles=("supplier", "moderator", "admin"), limit=3)
    assert len(staff) == 3 and total == len(demo_fair.BOOTHS) + 2
    before, after = await do_update_account(db, LED.email, booth_slug=CASES.slug, lang="en")
    assert (before.booth_slug, after.booth_slug, after.lang) == (LED.slug, CASES.slug, "en")
    _, after = await do_update_account(db, LED.email.upper(), role="moderator")
    assert (after.role, after.booth_slug) == ("moderator", None)
    with pytest.raises(BadRequest):
        await do_update_account(db, LED.email, role="supplier")
    with pytest.raises(NotFound):
        await do_update_account(db, "nobody@fair.example.com", role="admin")
    account, changed = await do_disable_account(db, LED.email, "gone")
    assert changed and account.disabled_at is not None and account.disabled_reason == "gone"
    moderators, _ = await list_accounts(db, roles=("moderator",))
    assert [a.disabled_at is not None for a in moderators if a.email == LED.email] == [True]
    account, changed = await do_enable_account(db, LED.email)
    assert changed and account.disabled_at is None and account.disabled_reason is None


async def test_users_disable_signs_out_a_connected_supplier(live_server: Server, tmp_path: Path) -> None:
    token, user = await live_server.supplier(LED.slug)
    client = await live_server.client(token)
    assert (await client.call("booth:join", {"booth_id": user["booth_id"]}))["ok"]
    env = {"DATABASE_URL": live_server.settings.effective_database_url}
    cli = tmp_path / "cli"
    off = await asyncio.to_thread(_run, "users", "disable", LED.email, data_dir=cli, env=env)
    assert off.returncode == 0, off.stderr
    # The server re-reads bans every 2 s (server/account_watch.py): the page hears why, then goes.
    await client.events.wait_for("user:banned", timeout=8)
    await client.events.wait_for("disconnect", timeout=8)
    status, body = await live_server.get("/api/me", token)
    assert status == 403 and body["error"]["code"] == "banned"
    status, body = await live_server.post("/api/auth/login", {"email": LED.email, "password": demo_fair.DEMO_PASSWORD})
    assert status == 403 and body["error"]["code"] == "banned"
    on = await asyncio.to_thread(_run, "users", "enable", LED.email, data_dir=cli, env=env)
    assert on.returncode == 0, on.stderr
    status, body = await live_server.get("/api/me", token)
    assert status == 200 and body["user"]["id"] == user["id"]


async def test_users_password_ends_the_accounts_sessions(live_server: Server, tmp_path: Path) -> None:
    """A reset is what an organiser does about a leaked password: the old token must stop working
    everywhere (an open console, the HTTP API, a new socket), not live on until it expires."""
    token, user = await live_server.supplier(LED.slug)
    client = await live_server.client(token)
    assert (await client.call("booth:join", {"booth_id": user["booth_id"]}))["ok"]
    env = {"DATABASE_URL": live_server.settings.effective_database_url}
    done = await asyncio.to_thread(
        _run, "users", "password", LED.email, "--password-stdin",
        data_dir=tmp_path / "cli", stdin="a new pass phrase\n", env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # Staff sockets are re-read every 2 s (server/account_watch.py): the page hears why, then goes.
    ended = await client.events.wait_for("session:ended", timeout=8)
    assert ended == {"reason": "password_changed"}
    await client.events.wait_for("disconnect", timeout=8)
    status, body = await live_server.get("/api/me", token)
    assert status == 401 and body["error"]["code"] == "unauthorized"
    assert "password was changed" in body["error"]["message"]
    stale = Client(live_server.url, token)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await stale.sio.connect(live_server.url, auth={"token": token}, transports=["websocket"], wait_timeout=5)
    assert stale.events.of("connect_error")[0]["data"]["code"] == "unauthorized"
    status, body = await live_server.post("/api/auth/login", {"email": LED.email, "password": demo_fair.DEMO_PASSWORD})
    assert status == 401 and body["error"]["code"] == "invalid_credentials"
    status, body = await live_server.post("/api/auth/login", {"email": LED.email, "password": "a new pass phrase"})
    assert status == 200
    fresh = await live_server.client(body["token"])
    assert (await fresh.call("booth:join", {"booth_id": user["booth_id"]}))["ok"]
    status, body = await live_server.get("/api/me", body["token"])
    assert status == 200 and body["user"]["id"] == user["id"]
