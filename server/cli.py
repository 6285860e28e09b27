"""`boothcast`: run the demo fair, serve, migrate, manage accounts, models and media."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rooms import demo_fair
from rooms.db import Database
from rooms.errors import DomainError
from rooms.migrate import upgrade
from rooms.seed import seed_demo
from server.log_format import FORMATS, configure_logging
from server.preflight import Problem
from server.settings import Settings

ENV_HELP = """\
environment (defaults in server/settings.py):
  BOOTHCAST_HOST               the address to listen on (default 127.0.0.1; 0.0.0.0 for all)
  BOOTHCAST_PORT               the HTTP port (default 8080; --port overrides both)
  BOOTHCAST_DATA_DIR           data directory: SQLite database, models, media (default ./data);
                               one per node, never shared (serve refuses a directory in use)
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
  BOOTHCAST_BAN_ADDRESS_HOURS  after a ban, new guest sign-ins from the banned account's addresses
                               pause this long (default 6; 0 = off, e.g. a fair behind one NAT)
  BOOTHCAST_TRANSLATION_WORKERS
                               translation worker threads (default 1)
  BOOTHCAST_TRANSLATION_BEAM   beam search width of the models, 1 to 8 (default 2; 4 is right a few
                               points more often and translates at half the rate of 1)
  BOOTHCAST_TRANSLATION_ENGINES
                               pairs served by another engine than the argos models, e.g.
                               en-es=apertium,es-en=apertium (Debian's apertium-eng-spa; default:
                               the argos models everywhere, see translation/README.md)
  BOOTHCAST_ACCESS_LOG         one log line per HTTP request with the real client address,
                               method, path, status and duration (default 1; 0 = off)
  BOOTHCAST_LOG_FORMAT         text (default) or json: one JSON object per line, with the request id
                               (also answered in X-Request-Id) and the socket id
  BOOTHCAST_MEDIA_DIR          HLS output and recordings (default DATA_DIR/media)
  BOOTHCAST_RTMP_PORT          RTMP ingest port for OBS (default 1935, 0 = off)
  BOOTHCAST_RTMP_PUBLIC_URL    the OBS server URL the console shows, when OBS reaches the nodes
                               through a balancer, e.g. rtmp://fair.example.com:1935/live
                               (default: this node's own host and BOOTHCAST_RTMP_PORT)
  BOOTHCAST_RECORDING_RETENTION_DAYS  prune recordings older than this (default 30, 0 = keep)
  BOOTHCAST_OUTBOX_RETENTION_DAYS    prune delivered and failed webhook deliveries older than
                               this (default 30, 0 = keep)
  BOOTHCAST_ANALYTICS_RETENTION_DAYS prune visits and viewer samples older than this; booth
                               figures for older days go with them (default 400, 0 = keep)
  BOOTHCAST_MAX_SOCKETS_PER_USER     open sockets per account, per node (default 20, 0 = no cap)
  BOOTHCAST_MAX_SOCKETS_PER_ADDRESS  open sockets per client address (IPv6: per /64), per node
                               (default 200, 0 = no cap; behind a reverse proxy, set
                               BOOTHCAST_TRUSTED_PROXIES or every client has the proxy's address)
  BOOTHCAST_TRUSTED_PROXIES    addresses/CIDRs of your load balancers, e.g. 10.0.0.5,10.1.0.0/16:
                               only from them does the forwarded header name the client, for the
                               per-address limits (default empty: trust nobody, header ignored)
  BOOTHCAST_FORWARDED_HEADER   the header those proxies set: x-forwarded-for (default) or forwarded
  BOOTHCAST_HEADER_TIMEOUT     seconds a connection may take to send its request headers, and may
                               stay idle between requests (default 15)
  BOOTHCAST_PING_INTERVAL      Socket.IO heartbeat, seconds (default 25), and
  BOOTHCAST_PING_TIMEOUT       how long a missing pong may take (default 20): a client whose node
                               is cut off (not closed) reconnects after their sum
  BOOTHCAST_WEB_DIR            serve the pages from this copy of web/ (default: the ones installed
                               with the package, or the checkout's web/)
  BOOTHCAST_METRICS_PORT       Prometheus /metrics on a listener of its own (default 0 = none;
                               never on the app port)
  BOOTHCAST_METRICS_HOST       the address of that listener (default 127.0.0.1)
  BOOTHCAST_WEBHOOK_TIMEOUT    seconds a CRM has to answer one delivery (default 10)
  BOOTHCAST_WEBHOOK_RETRY_BASE first retry after this many seconds, doubling (default 10), up to
  BOOTHCAST_WEBHOOK_RETRY_CAP  this many seconds between tries (default 3600)
  BOOTHCAST_WEBHOOK_MAX_ATTEMPTS
                               tries before a delivery is marked failed (default 12)
  BOOTHCAST_WEBHOOK_POLL_INTERVAL
                               seconds between looks for deliveries due (default 1)
  BOOTHCAST_WEBHOOK_ALLOW_PRIVATE
                               1 = webhooks may name loopback and private addresses (a CRM on
                               the intranet; default 0: refused)
  BOOTHCAST_ANALYTICS_SAMPLE_SECONDS
                               how often each booth's viewer count is sampled (default 30)
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


def _serve(settings: Settings, announce: str) -> None:
    from server.cli_serve import serve

    serve(settings, announce)  # prints `announce` once it listens


def _url(settings: Settings) -> str:
    """An address a browser can open: "0.0.0.0" listens on every address but opens nothing."""
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "[::1]"}.get(settings.host, settings.host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{settings.port}/"


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    if args.migrate:
        asyncio.run(_migrate(settings))
    url = _url(settings)
    _serve(settings, f"Boothcast on {url}  (database {_masked_db(settings)})")


async def _prepare_demo(settings: Settings) -> list[Any]:
    await _migrate(settings)
    from translation.packages import install_bundled

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
    url = _url(settings)
    print(f"\nBoothcast demo fair: {url}")
    print(f"  buyers: open {url} and enter the fair as a guest")
    print(f"  supplier console: {url}console   moderator console: {url}moderate")
    print(f"  demo accounts (password {demo_fair.DEMO_PASSWORD!r}):")
    for a in accounts:
        where = f"  booth {a.booth_slug}" if a.booth_slug else ""
        print(f"    {a.role:<9} {a.email}{where}")
    print(flush=True)
    if not args.no_serve:
        _serve(settings, f"Boothcast demo fair listening on {url}")


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

    for module, fn in (
        ("server.cli_users", "add_users_commands"),
        ("server.doctor", "add_doctor_command"),
        ("server.cli_models", "add_models_commands"),
        ("server.cli_media", "add_media_commands"),
    ):
        getattr(__import__(module, fromlist=[fn]), fn)(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    log_format = os.environ.get("BOOTHCAST_LOG_FORMAT") or "text"
    if log_format not in FORMATS:
        print(f"boothcast: BOOTHCAST_LOG_FORMAT must be text or json, not {log_format!r}", file=sys.stderr)
        return 2
    configure_logging(log_format)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args)
        result = args.func(args, settings)
        if inspect.iscoroutine(result):
            asyncio.run(result)
    except (DomainError, Problem) as err:
        print(f"boothcast: {err.message}", file=sys.stderr)
        return 2
    except SystemExit as bad:  # a setting it cannot run with (server/settings.py): one sentence too
        if not isinstance(bad.code, str):
            raise
        print(f"boothcast: {bad.code}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
