"""Booth analytics: visits and sampled viewer counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, orm_insert_sentinel

from rooms.models.base import Base, UTCDateTime


class BoothVisit(Base):
    """A buyer's stay in a booth, one per connection from `booth:join` to leaving (rooms/visits.py).

    `left_at` stays NULL when the node died meanwhile; concurrent viewers come from
    `PresenceSample`, so such a row only counts as a visit, never as a viewer for ever.
    """

    __tablename__ = "booth_visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    country: Mapped[str | None] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8))
    # SQLite cannot tie RETURNING rows to the parameters of one multi-row INSERT, so without a
    # client-side sentinel SQLAlchemy writes a storm's visits one statement per row (rooms/visits.py).
    _sentinel: Mapped[int] = orm_insert_sentinel()

    __table_args__ = (Index("ix_booth_visits_booth_joined", "booth_id", "joined_at"),)


class PresenceSample(Base):
    """One node's buyers in one booth at one aligned instant; the booth's viewers = the sum over nodes."""

    __tablename__ = "presence_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booth_id: Mapped[int] = mapped_column(ForeignKey("booths.id", ondelete="CASCADE"))
    node: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    viewers: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("booth_id", "node", "at", name="uq_presence_samples_node_at"),
        Index("ix_presence_samples_booth_at", "booth_id", "at"),
    )
