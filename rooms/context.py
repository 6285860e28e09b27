"""What the domain actions need, built once by the app factory."""

from __future__ import annotations

from dataclasses import dataclass

from rooms.bans import Bans
from rooms.chat_writer import ChatWriter
from rooms.db import Database
from rooms.filter_store import FilterStore
from rooms.glossary_store import GlossaryStore
from rooms.presence import Presence
from rooms.ratelimit import RateLimiter
from rooms.slow_mode import SlowModeStore
from rooms.users import GuestSignIns
from rooms.visits import VisitLog
from translation.api import Translator


@dataclass(frozen=True, slots=True)
class Limits:
    chat_per_minute: int = 30  # 0 disables
    chat_burst: int = 10
    chat_max_length: int = 2000
    inquiries_per_10_min: int = 5
    history_size: int = 50


@dataclass(frozen=True, slots=True)
class Fair:
    db: Database
    presence: Presence
    limiter: RateLimiter
    translator: Translator
    limits: Limits
    chat_writer: ChatWriter
    bans: Bans
    glossaries: GlossaryStore
    filters: FilterStore
    slow_mode: SlowModeStore
    guests: GuestSignIns  # new buyers' accounts, a crowd's sign-ins sharing commits
    visits: VisitLog | None = None  # buyers' visits and viewer samples, for analytics
