"""Chat messages, their stored translations, and the fair's word and link filter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from rooms.models.base import Base, UTCDateTime, utcnow


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigInteger)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source_lang: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(64))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("live_sessions.id", ondelete="SET NULL"))
    stream_offset_ms: Mapped[int | None] = mapped_column(BigInteger)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A quick phrase (rooms/phrases): each reader's text is rendered from the catalogue, never MT.
    phrase_id: Mapped[str | None] = mapped_column(String(64))
    phrase_params: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("booth_id", "seq", name="uq_messages_booth_seq"),
        Index("ix_messages_session", "session_id", "stream_offset_ms"),
    )


class MessageTranslation(Base):
    """A message's text in one language, stored once and reused for history, replay and moderation."""

    __tablename__ = "message_translations"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    translated: Mapped[bool] = mapped_column(Boolean)
    # The confidence gate doubted it: readers get the original first.
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())


class ChatFilter(Base):
    """The fair's word and link filter (one row, id 1): rooms/filters.py applies it."""

    __tablename__ = "chat_filters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    link_policy: Mapped[str] = mapped_column(String(16), default="off")  # off|block|allowlist
    allowed_domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class TranslationFlag(Base):
    """A translation the word filter masked: readers got `***`, moderators see what MT produced."""

    __tablename__ = "translation_flags"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    terms: Mapped[list[str]] = mapped_column(JSON)
    raw_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
