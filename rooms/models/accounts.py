"""Accounts: buyers, booth staff, moderators and admins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, orm_insert_sentinel

from rooms.models.base import Base, UTCDateTime, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16), index=True)  # buyer|supplier|moderator|admin
    lang: Mapped[str] = mapped_column(String(8))
    company: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(64))
    booth_id: Mapped[int | None] = mapped_column(ForeignKey("booths.id", ondelete="SET NULL"), index=True)
    banned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ban_reason: Mapped[str | None] = mapped_column(String(500))
    # Tokens carry it; a password change bumps it, which ends every session signed in before.
    session_gen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Guest sign-ins are inserted in groups and each needs its own id back (rooms/users.py); SQLite
    # cannot order a multi-row INSERT's RETURNING without a client-side sentinel.
    _sentinel: Mapped[int] = orm_insert_sentinel()
