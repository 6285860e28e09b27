"""What `serve` and `demo` check before they start, each failure one sentence that says what to do.

The CLI prints a `Problem`'s message and exits with status 2, never a traceback. `doctor` runs
the same checks (and more) and reports them one line each.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import os
import re
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from media.ingest.rtmp import find_module, find_nginx
from rooms.migrate import current_revisions, head_revisions
from server.settings import Settings, _mask_url

DB_TIMEOUT = 10.0


class Problem(Exception):
    """Something the operator must fix before Boothcast can serve; the message says what."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SchemaState:
    current: set[str]
    head: set[str]

    @property
    def at_head(self) -> bool:
        return self.current == self.head


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL; None for other databases (and in-memory SQLite)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return None
    return None if parsed.database == ":memory:" else Path(parsed.database)


async def schema_state(url: str) -> SchemaState:
    """The database's revision against this code's head; `Problem` if it cannot be reached."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        # Connecting would create an empty file; there is nothing to read yet.
        return SchemaState(set(), head_revisions())
    try:
        current = await asyncio.wait_for(current_revisions(url), DB_TIMEOUT)
    except Exception as exc:  # any driver's error: the sentence names it
        raise Problem(f"cannot reach the database {_mask_url(url)}: {reason_of(exc)}") from exc
    return SchemaState(current, head_revisions())


def reason_of(exc: BaseException) -> str:
    """An exception as one short line: SQLAlchemy's "(module.Error)" prefix and trailers dropped."""
    lines = str(exc).strip().splitlines()
    if not lines:
        return type(exc).__name__
    return re.sub(r"^\([\w.]+\)\s*", "", lines[0])


def describe_schema(state: SchemaState) -> str | None:
    """Why the schema does not match this code, with what to do; None when it does."""
    if state.at_head:
        return None
    head = ", ".join(sorted(state.head))
    if not state.current:
        return "the database has no Boothcast schema yet: run `boothcast migrate` (or `serve --migrate`)"
    current = ", ".join(sorted(state.current))
    if state.current - _known_revisions():
        return (
            f"the database is at revision {current}, newer than this Boothcast knows (head {head}): "
            "upgrade Boothcast"
        )
    return f"the database is at revision {current}, this Boothcast needs {head}: run `boothcast migrate`"


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from rooms.migrate import alembic_config

    return {s.revision for s in ScriptDirectory.from_config(alembic_config("")).walk_revisions()}


async def check_schema(url: str) -> None:
    problem = describe_schema(await schema_state(url))
    if problem is not None:
        raise Problem(problem)


def find_ffmpeg() -> str | None:
    configured = os.environ.get("BOOTHCAST_FFMPEG") or "ffmpeg"
    return shutil.which(configured)


def check_ffmpeg() -> str:
    path = find_ffmpeg()
    if path is None:
        raise Problem(
            "ffmpeg is not installed, and live video needs it: install it (apt-get install ffmpeg) "
            "or point BOOTHCAST_FFMPEG at it"
        )
    return path


def check_nginx(settings: Settings) -> tuple[str, Path] | None:
    """nginx and its RTMP module when RTMP ingest is on; None when it is off."""
    if not settings.rtmp_port:
        return None
    nginx = find_nginx()
    nginx = shutil.which(nginx) if nginx else None
    module = find_module()
    if nginx is None or module is None:
        raise Problem(
            "RTMP ingest needs nginx with its RTMP module, which is not installed: install nginx and "
            "libnginx-mod-rtmp, or set BOOTHCAST_RTMP_PORT=0 to turn RTMP ingest off"
        )
    return nginx, module


def _bind(host: str, port: int) -> socket.socket:
    family, kind, proto, _, addr = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        # As aiohttp and nginx do: a port left in TIME_WAIT by a previous run is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
    except BaseException:
        sock.close()
        raise
    return sock


# Connections the kernel queues before the app accepts them. A join storm opens thousands at once;
# aiohttp's default (128) overflowed there, and the queue is set again when the site starts.
LISTEN_BACKLOG = 1024


def bind_http(host: str, port: int) -> socket.socket:
    """The HTTP listening socket, bound before anything starts so a busy port fails first."""
    try:
        sock = _bind(host, port)
        sock.listen(LISTEN_BACKLOG)
    except OSError as exc:
        raise Problem(_bind_failure("HTTP", host, port, exc, "--port or BOOTHCAST_PORT")) from exc
    sock.setblocking(False)
    return sock


def check_rtmp_port(settings: Settings) -> None:
    """The RTMP port is free now (our nginx then checks again that it is its own listener)."""
    if not settings.rtmp_port:
        return
    try:
        _bind(settings.host, settings.rtmp_port).close()
    except OSError as exc:
        raise Problem(
            _bind_failure("RTMP", settings.host, settings.rtmp_port, exc, "BOOTHCAST_RTMP_PORT")
        ) from exc


def _bind_failure(what: str, host: str, port: int, exc: OSError, option: str) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"{what} port {port} on {host} is in use by another process (another fair?): stop it "
            f"or choose another port with {option}"
        )
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on {what} port {port}: choose a port above 1023 with {option}"
    return f"cannot listen on {host}:{port} for {what}: {exc.strerror or exc}"


async def check_redis(settings: Settings) -> None:
    if not settings.redis_url:
        return
    from server.redis_link import open_redis

    redis = open_redis(settings.redis_url)
    try:
        await redis.ping()
    except Exception as exc:  # redis-py's connection errors, a refused AUTH, a timeout
        raise Problem(
            f"cannot reach Redis at {_mask_url(settings.redis_url)}: {reason_of(exc)}; start it or unset REDIS_URL"
        ) from exc
    finally:
        await redis.aclose()


def hold_data_dir(data_dir: Path) -> int:
    """An exclusive lock on the data directory, held for the process's life (the returned fd).

    Two nodes sharing one would each take the other's running nginx-rtmp (its pid file is there)
    for one a crashed server left behind, and stop it; the victim said nothing and kept offering
    RTMP (a deploy try). The kernel lets go of the lock when the process ends, however it ends.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / "node.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise Problem(
            f"the data directory {data_dir.resolve()} is in use by another Boothcast node: give each "
            "node its own BOOTHCAST_DATA_DIR (nodes share the database, Redis, BOOTHCAST_MEDIA_DIR "
            "and the models, never a data directory)"
        ) from None
    return fd


async def preflight(settings: Settings) -> None:
    """Every check `serve` makes before it starts anything."""
    await check_schema(settings.effective_database_url)
    await check_redis(settings)
    check_ffmpeg()
    check_nginx(settings)
    check_rtmp_port(settings)
