"""Every setting Boothcast reads, with its default, in one frozen object.

Tests build `Settings(...)` directly; only `Settings.from_env()` reads the environment.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from server.forwarded import HEADERS, parse_trusted
from translation.composite import parse_choice
from translation.engine import DEFAULT_BEAM


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from exc


def _beam(env: dict[str, str]) -> int:
    value = _int(env, "BOOTHCAST_TRANSLATION_BEAM", DEFAULT_BEAM)
    if not 1 <= value <= 8:
        raise SystemExit(f"BOOTHCAST_TRANSLATION_BEAM must be 1 to 8, got {value}")
    return value


def _days(env: dict[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 0:
        raise SystemExit(f"{name} must be 0 (keep for ever) or a number of days, got {value}")
    return value


def _engines(raw: str | None) -> dict[tuple[str, str], str] | None:
    if raw is None or not raw.strip():
        return None
    try:
        return parse_choice(raw)
    except ValueError as exc:
        raise SystemExit(f"BOOTHCAST_TRANSLATION_ENGINES: {exc}") from None


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be a number, got {raw!r}") from exc
    if not 0 < value < float("inf"):
        raise SystemExit(f"{name} must be a positive number, got {raw!r}")
    return value


# An installed wheel carries the pages here (setup.py copies them); a source checkout or an
# editable install serves the repository's web/ directly, so an edit shows on the next reload.
PACKAGED_WEB_DIR = Path(__file__).resolve().parent / "webroot"
CHECKOUT_WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def default_web_dir() -> Path:
    return PACKAGED_WEB_DIR if PACKAGED_WEB_DIR.is_dir() else CHECKOUT_WEB_DIR


def _web_dir(env: dict[str, str]) -> Path:
    raw = env.get("BOOTHCAST_WEB_DIR")
    if not raw:
        return default_web_dir()
    path = Path(raw)
    # Without this check a wrong path starts a server whose every page is a 404 (issue 11).
    if not (path / "lobby.html").is_file():
        raise SystemExit(f"BOOTHCAST_WEB_DIR={raw!r} has no lobby.html: point it at a copy of web/")
    return path


def _hours(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    try:
        value = default if raw is None or raw == "" else float(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be a number of hours, got {raw!r}") from exc
    if not 0 <= value <= 24 * 365:
        raise SystemExit(f"{name} must be 0 (off) to 8760 hours, got {raw!r}")
    return value


def _rtmp_public_url(env: dict[str, str]) -> str:
    raw = env.get("BOOTHCAST_RTMP_PUBLIC_URL", "").strip().rstrip("/")
    if raw and (not raw.startswith(("rtmp://", "rtmps://")) or any(c.isspace() for c in raw)):
        raise SystemExit(f"BOOTHCAST_RTMP_PUBLIC_URL must be an rtmp:// or rtmps:// URL, got {raw!r}")
    return raw


def _trusted_proxies(env: dict[str, str]) -> tuple[str, ...]:
    try:
        return parse_trusted(env.get("BOOTHCAST_TRUSTED_PROXIES", ""))
    except ValueError as exc:
        raise SystemExit(f"BOOTHCAST_TRUSTED_PROXIES: {exc}") from None


def _forwarded_header(env: dict[str, str]) -> str:
    raw = (env.get("BOOTHCAST_FORWARDED_HEADER") or HEADERS[0]).lower()
    if raw not in HEADERS:
        raise SystemExit(f"BOOTHCAST_FORWARDED_HEADER must be one of {', '.join(HEADERS)}, got {raw!r}")
    return raw


MULTI_NODE_SECRET = (
    "REDIS_URL is set, so several nodes serve this fair: set BOOTHCAST_SECRET_KEY (32+ characters) "
    "to the same value on every node; a key made in one node's data directory is not shared"
)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    database_url: str = ""  # "" = SQLite at {data_dir}/boothcast.db
    redis_url: str | None = None  # None = one node, everything in memory
    redis_prefix: str = "boothcast"  # keys and the fan-out channel; lets fairs share one Redis
    secret_key: str = ""  # "" = generated once and kept in {data_dir}/secret.key
    host: str = "127.0.0.1"
    port: int = 8080
    # Chat: messages per minute per user after a burst; 0 disables the limit.
    chat_rate_limit: int = 30
    chat_burst: int = 10
    chat_max_length: int = 2000
    inquiry_rate_limit: int = 5  # per 10 minutes per user
    auth_rate_limit: int = 20  # sign-ins per minute per client address
    guest_token_hours: int = 24 * 7
    staff_token_hours: int = 12
    history_size: int = 50
    translation_workers: int = 1
    translation_timeout: float = 3.0
    translation_beam: int = DEFAULT_BEAM  # beam search width, 1 (greedy, fastest) to 8
    access_log: bool = True  # one line per HTTP request, with the real client address
    # Pairs handed to another engine than the argos models, e.g. {("en", "es"): "apertium"}.
    translation_engines: dict[tuple[str, str], str] | None = None  # None: the measured default
    media_dir: Path | None = None  # None = {data_dir}/media
    rtmp_port: int = 1935  # 0 disables RTMP ingest
    # What OBS is told to stream to, when that is not this node's own port: a balancer's
    # (rtmp://fair.example.com:1935/live). "" = rtmp://{the host the console was opened on}:{rtmp_port}/live
    rtmp_public_url: str = ""
    # After a ban, guest sign-ins from the banned account's addresses pause this long (0: off).
    ban_address_hours: float = 6.0
    recording_retention_days: int = 30  # 0 keeps recordings forever
    # Pruned hourly by rooms/retention.py (0 keeps them for ever): ended webhook deliveries and
    # their events; visits and viewer samples, and with them the booth figures of older days.
    outbox_retention_days: int = 30
    analytics_retention_days: int = 400
    # Open sockets per account and per client address (an IPv6 /64), on each node; 0 = no cap.
    # Behind a reverse proxy, list it in trusted_proxies, or every client has its address.
    max_sockets_per_user: int = 20
    max_sockets_per_address: int = 200
    # Proxies whose forwarded header names the client (server/forwarded.py); () = trust nobody.
    trusted_proxies: tuple[str, ...] = ()
    forwarded_header: str = "x-forwarded-for"  # or "forwarded" (RFC 7239): the one the proxy sets
    # Seconds a connection may take to send a complete request head (and may sit idle between
    # requests): slowloris clients are cut off after it.
    header_timeout: int = 15
    # Socket.IO heartbeat (seconds): a client whose node is cut off, not closed, notices after
    # interval + timeout and reconnects through the balancer to another node.
    ping_interval: int = 25
    ping_timeout: int = 20
    # CRM webhooks: seconds per request; retries after base·2^(n-1) s (jittered) up to the cap,
    # then `failed` after max attempts; each node looks for due deliveries every poll interval.
    webhook_timeout: float = 10.0
    webhook_retry_base: float = 10.0
    webhook_retry_cap: float = 3600.0
    webhook_max_attempts: int = 12
    webhook_poll_interval: float = 1.0
    # Analytics: seconds between viewer samples (the same on every node: samples align to it).
    analytics_sample_seconds: float = 30.0
    # Whether webhook URLs may name loopback, private or link-local addresses (an intranet CRM).
    webhook_allow_private: bool = False
    web_dir: Path = field(default_factory=default_web_dir)
    # Prometheus `/metrics` on its own listener, never on the public port; 0 = no listener.
    # Loopback unless set: on a private network give the address Prometheus scrapes.
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 0

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'boothcast.db').resolve()}"

    @property
    def effective_media_dir(self) -> Path:
        return self.media_dir or self.data_dir / "media"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    def with_secret(self) -> Settings:
        """Settings whose secret key is set: from the env, else the data dir's, else a new one."""
        if self.secret_key:
            if len(self.secret_key) < 32:
                raise SystemExit("BOOTHCAST_SECRET_KEY must have at least 32 characters")
            return self
        if self.redis_url:
            # Each node would make its own key in its own data dir and refuse the others' tokens:
            # a page signed in through one node fails on the next (a deploy try saw exactly that).
            raise SystemExit(MULTI_NODE_SECRET)
        path = self.data_dir / "secret.key"
        if path.exists():
            key = path.read_text().strip()
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            key = secrets.token_urlsafe(48)
            path.write_text(key)
            path.chmod(0o600)
        return replace(self, secret_key=key)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        e = dict(os.environ if env is None else env)
        media = e.get("BOOTHCAST_MEDIA_DIR")
        values: dict[str, Any] = {
            "data_dir": Path(e.get("BOOTHCAST_DATA_DIR") or "data"),
            "database_url": e.get("DATABASE_URL", ""),
            "redis_url": e.get("REDIS_URL") or None,
            "redis_prefix": e.get("BOOTHCAST_REDIS_PREFIX") or "boothcast",
            "secret_key": e.get("BOOTHCAST_SECRET_KEY", ""),
            "host": e.get("BOOTHCAST_HOST", "127.0.0.1"),
            "port": _int(e, "BOOTHCAST_PORT", 8080),
            "chat_rate_limit": _int(e, "BOOTHCAST_CHAT_RATE_LIMIT", 30),
            "chat_burst": _int(e, "BOOTHCAST_CHAT_BURST", 10),
            "chat_max_length": _int(e, "BOOTHCAST_CHAT_MAX_LENGTH", 2000),
            "inquiry_rate_limit": _int(e, "BOOTHCAST_INQUIRY_RATE_LIMIT", 5),
            "auth_rate_limit": _int(e, "BOOTHCAST_AUTH_RATE_LIMIT", 20),
            "translation_workers": _int(e, "BOOTHCAST_TRANSLATION_WORKERS", 1),
            "translation_beam": _beam(e),
            "translation_engines": _engines(e.get("BOOTHCAST_TRANSLATION_ENGINES")),
            "access_log": e.get("BOOTHCAST_ACCESS_LOG", "1").lower() not in ("0", "false", "no", "off"),
            "media_dir": Path(media) if media else None,
            "rtmp_port": _int(e, "BOOTHCAST_RTMP_PORT", 1935),
            "rtmp_public_url": _rtmp_public_url(e),
            "ban_address_hours": _hours(e, "BOOTHCAST_BAN_ADDRESS_HOURS", 6.0),
            "recording_retention_days": _int(e, "BOOTHCAST_RECORDING_RETENTION_DAYS", 30),
            "outbox_retention_days": _days(e, "BOOTHCAST_OUTBOX_RETENTION_DAYS", 30),
            "analytics_retention_days": _days(e, "BOOTHCAST_ANALYTICS_RETENTION_DAYS", 400),
            "max_sockets_per_user": _int(e, "BOOTHCAST_MAX_SOCKETS_PER_USER", 20),
            "max_sockets_per_address": _int(e, "BOOTHCAST_MAX_SOCKETS_PER_ADDRESS", 200),
            "header_timeout": _int(e, "BOOTHCAST_HEADER_TIMEOUT", 15),
            "ping_interval": max(1, _int(e, "BOOTHCAST_PING_INTERVAL", 25)),
            "ping_timeout": max(1, _int(e, "BOOTHCAST_PING_TIMEOUT", 20)),
            "webhook_timeout": _float(e, "BOOTHCAST_WEBHOOK_TIMEOUT", 10.0),
            "analytics_sample_seconds": _float(e, "BOOTHCAST_ANALYTICS_SAMPLE_SECONDS", 30.0),
            "webhook_retry_base": _float(e, "BOOTHCAST_WEBHOOK_RETRY_BASE", 10.0),
            "webhook_retry_cap": _float(e, "BOOTHCAST_WEBHOOK_RETRY_CAP", 3600.0),
            "webhook_max_attempts": max(1, _int(e, "BOOTHCAST_WEBHOOK_MAX_ATTEMPTS", 12)),
            "webhook_poll_interval": _float(e, "BOOTHCAST_WEBHOOK_POLL_INTERVAL", 1.0),
            "webhook_allow_private": e.get("BOOTHCAST_WEBHOOK_ALLOW_PRIVATE", "").lower() in ("1", "true", "yes"),
            "trusted_proxies": _trusted_proxies(e),
            "forwarded_header": _forwarded_header(e),
            "web_dir": _web_dir(e),
            "metrics_host": e.get("BOOTHCAST_METRICS_HOST") or "127.0.0.1",
            "metrics_port": _int(e, "BOOTHCAST_METRICS_PORT", 0),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def describe(self) -> str:
        """Settings as text for logs and --help, secrets masked."""
        lines = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "secret_key":
                value = "***" if value else "(generated, kept in the data dir)"
            elif f.name == "database_url":
                value = _mask_url(value) or self.effective_database_url
            elif f.name == "redis_url":
                value = _mask_url(value) if value else "(unset: one node, in memory)"
            elif f.name == "media_dir":
                value = self.effective_media_dir
            if isinstance(value, Path):  # what the server will really use, wherever it was started
                value = value.resolve()
            lines.append(f"  {f.name} = {value}")
            if f.name == "data_dir":
                lines.append(f"  models_dir = {self.models_dir.resolve()}")
        return "\n".join(lines)


def _mask_url(url: str | None) -> str:
    if not url or "@" not in url or "://" not in url:
        return url or ""
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
