"""Every setting Boothcast reads, with its default, in one frozen object.

Tests build `Settings(...)` directly; only `Settings.from_env()` reads the environment.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from exc


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
    media_dir: Path | None = None  # None = {data_dir}/media
    rtmp_port: int = 1935  # 0 disables RTMP ingest
    recording_retention_days: int = 30  # 0 keeps recordings forever
    # Open sockets per account and per client address (an IPv6 /64), on each node; 0 = no cap.
    # Behind a reverse proxy every client has the proxy's address: raise that cap or set it to 0.
    max_sockets_per_user: int = 20
    max_sockets_per_address: int = 200
    # Seconds a connection may take to send a complete request head (and may sit idle between
    # requests): slowloris clients are cut off after it.
    header_timeout: int = 15
    web_dir: Path = field(default_factory=lambda: Path(__file__).resolve().parent.parent / "web")

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
            "media_dir": Path(media) if media else None,
            "rtmp_port": _int(e, "BOOTHCAST_RTMP_PORT", 1935),
            "recording_retention_days": _int(e, "BOOTHCAST_RECORDING_RETENTION_DAYS", 30),
            "max_sockets_per_user": _int(e, "BOOTHCAST_MAX_SOCKETS_PER_USER", 20),
            "max_sockets_per_address": _int(e, "BOOTHCAST_MAX_SOCKETS_PER_ADDRESS", 200),
            "header_timeout": _int(e, "BOOTHCAST_HEADER_TIMEOUT", 15),
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
            lines.append(f"  {f.name} = {value}")
        return "\n".join(lines)


def _mask_url(url: str | None) -> str:
    if not url or "@" not in url or "://" not in url:
        return url or ""
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
