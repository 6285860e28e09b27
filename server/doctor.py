"""`boothcast doctor`: is this machine ready to serve a fair? One line per check: ok, warn or FAIL.

It reads and probes, never changes anything (no secret generated, no SQLite file created), so it
is safe to run next to a running fair. It exits 1 when a check fails: a problem that stops the
service (`serve` refuses to start on it too); warnings only degrade it.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from server.preflight import (
    Problem,
    check_nginx,
    check_rtmp_port,
    describe_schema,
    find_ffmpeg,
    reason_of,
    schema_state,
    sqlite_path,
)
from server.settings import MULTI_NODE_SECRET, Settings, _mask_url

Status = Literal["ok", "warn", "FAIL"]
CHECK_TIMEOUT = 15.0
DISK_FAIL = 1 * 1024**3  # one recorded hour of a stream is ~1 GB: below this, recordings fail soon
DISK_WARN = 10 * 1024**3
SKEW_WARN = 2.0  # seconds; tokens and retention tolerate more, but nodes should agree
MIN_SECRET = 32  # Settings.with_secret refuses shorter keys
CHROMIUM = ("chromium", "chromium-browser", "/usr/bin/chromium")


@dataclass(frozen=True)
class Result:
    status: Status
    name: str
    detail: str

    def line(self) -> str:
        return f"{self.status:<5} {self.name:<10} {self.detail}"


def add_doctor_command(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "doctor",
        help="check the database, Redis, ffmpeg, nginx-rtmp, models, disk, secret and clock",
        description="Check what the server needs, one line each (ok / warn / FAIL); "
        "exit status 1 if anything would stop the service. Changes nothing.",
    )
    p.set_defaults(func=cmd_doctor)


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> None:
    results = asyncio.run(run_checks(settings))
    for r in results:
        print(r.line(), flush=True)
    if any(r.status == "FAIL" for r in results):
        raise SystemExit(1)


async def run_checks(settings: Settings) -> list[Result]:
    checks: list[tuple[str, Callable[[Settings], Awaitable[Result]]]] = [
        ("database", check_database),
        ("redis", check_redis),
        ("ffmpeg", check_ffmpeg_version),
        ("nginx", check_nginx_rtmp),
        ("chromium", check_chromium),
        ("models", check_models),
        ("disk", check_disk),
        ("secret", check_secret),
        ("clock", check_clock),
    ]
    results = []
    for name, check in checks:
        try:
            results.append(await asyncio.wait_for(check(settings), CHECK_TIMEOUT))
        except TimeoutError:
            results.append(Result("FAIL", name, f"no answer within {CHECK_TIMEOUT:.0f} s"))
    return results


async def check_database(settings: Settings) -> Result:
    url = settings.effective_database_url
    try:
        state = await schema_state(url)
    except Problem as p:
        return Result("FAIL", "database", p.message)
    problem = describe_schema(state)
    if problem is not None:
        return Result("FAIL", "database", f"{_mask_url(url)}: {problem}")
    return Result(
        "ok", "database", f"{_mask_url(url)} reachable, at revision {', '.join(sorted(state.head))}"
    )


async def check_redis(settings: Settings) -> Result:
    if not settings.redis_url:
        return Result("ok", "redis", "not configured: one node, everything in memory")
    from server.redis_link import open_redis

    redis = open_redis(settings.redis_url)
    try:
        info = await redis.info("server")
    except Exception as exc:
        return Result("FAIL", "redis", f"cannot reach {_mask_url(settings.redis_url)}: {reason_of(exc)}")
    finally:
        await redis.aclose()
    return Result(
        "ok", "redis", f"{_mask_url(settings.redis_url)} reachable, Redis {info.get('redis_version')}"
    )


async def _version(argv: list[str], *, stderr: bool = False) -> str:
    def run() -> str:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=CHECK_TIMEOUT - 5)
        out = (done.stderr if stderr else done.stdout).strip().splitlines()
        return out[0] if out else f"exit status {done.returncode}"

    return await asyncio.to_thread(run)


async def check_ffmpeg_version(settings: Settings) -> Result:
    path = find_ffmpeg()
    if path is None:
        return Result("FAIL", "ffmpeg", "not installed, and live video needs it: apt-get install ffmpeg")
    return Result("ok", "ffmpeg", f"{await _version([path, '-version'])} ({path})")


async def check_nginx_rtmp(settings: Settings) -> Result:
    try:
        found = check_nginx(settings)
    except Problem as p:
        return Result("FAIL", "nginx", p.message)
    if found is None:
        return Result("ok", "nginx", "RTMP ingest is off (BOOTHCAST_RTMP_PORT=0): not needed")
    nginx, module = found
    version = (await _version([nginx, "-v"], stderr=True)).removeprefix("nginx version: ")
    detail = f"{version} with {module}, RTMP port {settings.rtmp_port}"
    try:
        check_rtmp_port(settings)
    except Problem:
        # Not a failure: the fair this doctor checks may be the one listening there.
        return Result("warn", "nginx", f"{detail} is in use now (fine if this fair is running)")
    return Result("ok", "nginx", f"{detail} free")


async def check_chromium(settings: Settings) -> Result:
    path = next((p for p in map(shutil.which, CHROMIUM) if p), None)
    if path is None:
        return Result("warn", "chromium", "not found: only the browser tests need it")
    return Result("ok", "chromium", f"{await _version([path, '--version'])} (browser tests only)")


async def check_models(settings: Settings) -> Result:
    from translation.engine import route
    from translation.packages import list_installed

    models_dir = settings.models_dir
    packages = await asyncio.to_thread(list_installed, models_dir) if models_dir.is_dir() else []
    if not packages:
        return Result(
            "warn", "models", f"none in {models_dir.resolve()}: chat goes out untranslated "
            "(`boothcast models install-bundled` for the bundled ones, or `boothcast models install`)",
        )  # fmt: skip
    direct = {(p.from_code, p.to_code) for p in packages}
    langs = sorted({code for pair in direct for code in pair})
    served = []
    for a in langs:
        for b in langs:
            hops = route(direct, a, b) if a != b else None
            if hops:
                served.append(f"{a}→{b}" + ("" if len(hops) == 1 else f" (via {hops[0][1]})"))
    names = ", ".join(f"{p.code} {p.version or '-'}" for p in packages)
    return Result("ok", "models", f"{names}; serves {', '.join(served)}")


async def check_disk(settings: Settings) -> Result:
    media = settings.effective_media_dir.resolve()
    probe = next(p for p in (media, *media.parents) if p.exists())
    free = shutil.disk_usage(probe).free
    detail = f"{free / 1024**3:.1f} GiB free for media in {media}"
    if free < DISK_FAIL:
        return Result("FAIL", "disk", f"{detail}: recordings will fail, free space or prune them")
    if free < DISK_WARN:
        return Result("warn", "disk", f"{detail}: `boothcast media prune` or a shorter retention helps")
    return Result("ok", "disk", detail)


async def check_secret(settings: Settings) -> Result:
    key, where = settings.secret_key, "BOOTHCAST_SECRET_KEY"
    path = settings.data_dir / "secret.key"
    if not key and settings.redis_url:
        return Result("FAIL", "secret", MULTI_NODE_SECRET)
    if not key:
        if not path.exists():
            return Result(
                "ok", "secret", f"none yet: a random one is generated into {path.resolve()} at start"
            )
        key, where = path.read_text().strip(), str(path.resolve())
        if path.stat().st_mode & 0o077:
            return Result("warn", "secret", f"{where} is readable by other users: chmod 600 it")
    if len(key) < MIN_SECRET:
        return Result(
            "FAIL", "secret", f"{where} has {len(key)} characters, at least {MIN_SECRET} are needed"
        )
    if len(set(key)) < 16:
        # A long run of few characters ("kkkk…", a repeated word) is guessable whatever its length.
        return Result(
            "warn", "secret", f"{where} uses only {len(set(key))} different characters: use "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`",
        )  # fmt: skip
    return Result("ok", "secret", f"{where}: {len(key)} characters")


async def check_clock(settings: Settings) -> Result:
    url = settings.effective_database_url
    if sqlite_path(url) is not None or url.startswith("sqlite"):
        return Result("ok", "clock", "SQLite is on this machine: one clock")
    if not url.startswith("postgresql"):
        return Result("warn", "clock", "cannot compare the clock with this database")
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            before = time.time()
            db_time = (await conn.execute(text("SELECT EXTRACT(EPOCH FROM clock_timestamp())"))).scalar_one()
            after = time.time()
    except Exception as exc:  # the database line reports the failure itself
        return Result("warn", "clock", f"not compared, the database did not answer: {reason_of(exc)}")
    finally:
        await engine.dispose()
    skew = float(db_time) - (before + after) / 2
    detail = f"{abs(skew):.3f} s {'behind' if skew < 0 else 'ahead of'} this machine (±{(after - before) / 2:.3f} s)"
    if abs(skew) > SKEW_WARN:
        return Result("warn", "clock", f"the database is {detail}: run NTP on both")
    return Result("ok", "clock", f"the database is {detail}")
