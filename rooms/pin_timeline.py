"""What was pinned during a live session, for its replay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.models import LiveSession, PinEvent, Product, utcnow
from rooms.payloads import Json, product_payload


async def pin_timeline(s: AsyncSession, ls: LiveSession) -> list[Json]:
    """What was pinned when, as offsets into the session; the first entry is the pin at start."""
    end = ls.ended_at or utcnow()
    before = (
        select(PinEvent)
        .where(PinEvent.booth_id == ls.booth_id, PinEvent.at <= ls.started_at)
        .order_by(PinEvent.at.desc(), PinEvent.id.desc())
        .limit(1)
    )
    during = (
        select(PinEvent)
        .where(PinEvent.booth_id == ls.booth_id, PinEvent.at > ls.started_at, PinEvent.at <= end)
        .order_by(PinEvent.at, PinEvent.id)
    )
    events = list((await s.execute(before)).scalars()) + list((await s.execute(during)).scalars())
    ids = {e.product_id for e in events if e.product_id is not None}
    products: dict[int, Product] = {}
    if ids:
        products = {p.id: p for p in (await s.execute(select(Product).where(Product.id.in_(ids)))).scalars()}
    out: list[Json] = []
    for e in events:
        offset = max(0, int((e.at - ls.started_at) / timedelta(milliseconds=1)))
        p = products.get(e.product_id) if e.product_id is not None else None
        out.append({"offset_ms": offset, "product_id": e.product_id,
                    "product": product_payload(p) if p else None})  # fmt: skip
    return out
