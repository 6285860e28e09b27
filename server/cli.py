"""`boothcast`: run the demo fair, serve, migrate, manage accounts, models and media."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from rooms import demo_fair
from rooms.db import Database
from rooms.errors import DomainError
from rooms.migrate import upgrade
from rooms.seed import seed_demo
from rooms.users import do_create_account
from server.settings import Settings

ENV_HELP = """\
environment (defaults in server/settings.py):
  BOOTHCAST_DATA_DIR           data directory: SQLite database, models, media (default ./data)
  DATABASE_URL                 e.g. postgresql+asyncpg://user@host/db (default: SQLite in the data dir)
  REDIS_URL                    e.g. redis://127.0.0.1:6379/0 — many nodes share fan-out, presence and
                               rate limits (default unset: one node, in memory)
  BOOTHCAST_REDIS_PREFIX       prefix of Redis keys and of the fan-out channel (default boothcast)
  BOOTHCAST_SECRET_KEY         signs tokens (default: generated once into DATA_DIR/secret.key)
  BOOTHCAST_CHAT_RATE_LIMIT    chat messages per minute per user after a burst (default 30, 0 = off)
  BOOTHCAST_CHAT_BURST         chat burst size (default 10)
  BOOTHCAST_CHAT_MAX_LENGTH    longest chat message in characters (default 2000)
  BOOTHCAST_INQUIRY_RATE_LIMIT inquiries per 10 minutes per buyer (default 5)
  BOOTHCAST_AUTH_RATE_LIMIT    sign-ins per minute per address (default 20)
  BOOTHCAST_TRANSLATION_WORKERS translation worker threads (default 1)
  BOOTHCAST_MEDIA_DIR          HLS output and recordings (default DATA_DIR/media)
  BOOTHCAST_RTMP_PORT          RTMP ingest port for OBS (default 1935, 0 = off)
  BOOTHCAST_RECORDING_RETENTION_DAYS  prune recordings older than this (default 30, 0 = keep)
  BOOTHCAST_MAX_SOCKETS_PER_USER     open sockets per account, per node (default 20, 0 = no cap)
  BOOTHCAST_MAX_SOCKETS_PER_ADDRESS  open sockets per client address (IPv6: per /64), per node
                               (default 200, 0 = no cap; behind a reverse proxy every client has
                               the proxy's address: raise it or set 0)
  BOOTHCAST_HEADER_TIMEOUT     seconds a connection may take to send its request headers, and may
                               stay idle between requests (default 15)
"""


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        data_dir=Path(args.data_dir) if args.data_dir else None,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
    )


async def _migrate(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await upgrade(settings.effective_database_url)


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> None:
    asyncio.run(_migrate(settings))
    print(f"database is up to date: {_masked_db(settings)}")


def _masked_db(settings: Settings) -> str:
    from server.settings import _mask_url

    return _mask_url(settings.effective_database_url)


def _serve(settings: Settings) -> None:
    from server.app import create_app
    from server.http_edge import server_options

    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux/macOS
        pass
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None,
                access_log=None, handle_signals=True, **server_options(settings))  # fmt: skip


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    if args.migrate:
        asyncio.run(_migrate(settings))
    print(
        f"Boothcast on http://{settings.host}:{settings.port}/  (database {_masked_db(settings)})", flush=True
    )
    _serve(settings)


async def _prepare_demo(settings: Settings) -> list[Any]:
    await _migrate(settings)
    try:
        from translation.packages import install_bundled
    except ImportError:
        print("translation packages module not available: chat will not be translated")
    else:
        for line in install_bundled(settings.models_dir):
            print(f"  model {line}")
    db = Database(settings.effective_database_url)
    try:
        return await seed_demo(db)
    finally:
        await db.aclose()


def cmd_demo(args: argparse.Namespace, settings: Settings) -> None:
    print(f"Preparing the demo fair in {settings.data_dir.resolve()} ...", flush=True)
    accounts = asyncio.run(_prepare_demo(settings))
    url = f"http://{settings.host}:{settings.port}/"
    print(f"\nBoothcast demo fair: {url}")
    print(f"  buyers: open {url} and enter the fair as a guest")
    print(f"  supplier console: {url}console   moderator console: {url}moderate")
    print(f"  demo accounts (password {demo_fair.DEMO_PASSWORD!r}):")
    for a in accounts:
        where = f"  booth {a.booth_slug}" if a.booth_slug else ""
        print(f"    {a.role:<9} {a.email}{where}")
    print(flush=True)
    if not args.no_serve:
        _serve(settings)


def cmd_users_create(args: argparse.Namespace, settings: Settings) -> None:
    async def run() -> None:
        db = Database(settings.effective_database_url)
        try:
            user = await do_create_account(
                db, email=args.email, password=args.password, role=args.role, booth_slug=args.booth,
                display_name=args.name, lang=args.lang,
            )  # fmt: skip
        finally:
            await db.aclose()
        print(f"created {user.role} {user.email} (id {user.id})")

    asyncio.run(run())


def cmd_settings(args: argparse.Namespace, settings: Settings) -> None:
    print(settings.describe())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="boothcast",
        description="Boothcast: a self-hosted virtual trade fair — live booths, chat translated offline "
        "into every visitor's language, and inquiries that become sales leads.",
        epilog=ENV_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data-dir", help="overrides BOOTHCAST_DATA_DIR")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, func: Callable[..., Any], help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    def host_port(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
        p.add_argument("--port", type=int, help="port to listen on (default 8080)")

    p = add(
        "demo", cmd_demo, "migrate, seed the demo fair, install the bundled models, print the accounts, serve"
    )
    host_port(p)
    p.add_argument("--no-serve", action="store_true", help="prepare everything but do not serve")
    p = add("serve", cmd_serve, "serve an existing database")
    host_port(p)
    p.add_argument("--migrate", action="store_true", help="apply pending migrations first")
    add("migrate", cmd_migrate, "apply database migrations (Alembic)")
    add("settings", cmd_settings, "print the effective settings (secrets masked)")

    users = sub.add_parser("users", help="manage accounts").add_subparsers(
        dest="users_command", required=True
    )
    p = users.add_parser("create", help="create a supplier, moderator or admin account")
    p.add_argument("--email", required=True)
    p.add_argument("--password", required=True, help="at least 8 characters; stored as an argon2 hash")
    p.add_argument("--role", required=True, choices=["supplier", "moderator", "admin"])
    p.add_argument("--booth", metavar="SLUG", help="the booth a supplier works (required for suppliers)")
    p.add_argument("--name", help="display name (default: the booth's supplier name or the e-mail's user)")
    p.add_argument("--lang", help="the account's language, e.g. zh (default: the booth's, else en)")
    p.set_defaults(func=cmd_users_create)

    for module, fn in (
        ("server.cli_models", "add_models_commands"),
        ("server.cli_media", "add_media_commands"),
    ):
        try:
            mod = __import__(module, fromlist=[fn])
        except ImportError:
            continue
        getattr(mod, fn)(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    settings = _settings(args)
    try:
        result = args.func(args, settings)
        if inspect.iscoroutine(result):
            asyncio.run(result)
    except DomainError as err:
        print(f"boothcast: {err.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
