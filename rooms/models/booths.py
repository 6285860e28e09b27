"""Booths and what they show: products, their translations, the booth's glossary."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rooms.models.base import Base, UTCDateTime, utcnow


class Booth(Base):
    __tablename__ = "booths"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    supplier_name: Mapped[str] = mapped_column(String(160))
    lang: Mapped[str] = mapped_column(String(8))
    country: Mapped[str] = mapped_column(String(64), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    category: Mapped[str] = mapped_column(String(80), default="")
    next_stream_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pinned_product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL", use_alter=True, name="fk_booth_pinned_product")
    )
    stream_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Booth-wide message counter: incremented in the message's own transaction, so `seq` is
    # strictly increasing however many nodes write.
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # Bumped on every glossary edit; part of the translation cache key on every node.
    glossary_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Slow mode: a buyer may send one message per this many seconds here (0: off).
    slow_mode_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Content-hash keys of uploaded images (media/images.py); the files live in {media_dir}/images.
    logo_image: Mapped[str | None] = mapped_column(String(32))
    cover_image: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GlossaryEntry(Base):
    """One of a booth's own terms: a fixed translation per language, or never translated."""

    __tablename__ = "glossary_entries"
    __table_args__ = (UniqueConstraint("booth_id", "term", name="uq_glossary_booth_term"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id", ondelete="CASCADE"), index=True)
    term: Mapped[str] = mapped_column(String(80))
    translations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    moq: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(40))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    i18n: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    image: Mapped[str | None] = mapped_column(String(32))  # a content-hash key, as Booth.logo_image

    __table_args__ = (UniqueConstraint("booth_id", "sku"),)


class ProductTranslation(Base):
    """A product's name or description machine-translated into one language, made once.

    Keyed by what it was made from (a hash of the source text and the booth's glossary version),
    so an edit of the product or of the glossary simply misses and translates again; stale rows
    are never read.
    """

    __tablename__ = "product_translations"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    field: Mapped[str] = mapped_column(String(16), primary_key=True)  # name|description
    source_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    glossary_version: Mapped[str] = mapped_column(String(80), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
