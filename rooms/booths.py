"""Booths and their products: the lobby, a booth's page, the pinned product."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.auth import AuthUser
from rooms.context import Fair
from rooms.errors import Forbidden, NotFound
from rooms.models import MAX_ID, Booth, LiveSession, PinEvent, Product
from rooms.payloads import Json, booth_summary, iso, product_payload


async def access_booth_by_id(s: AsyncSession, booth_ref: int | str) -> Booth:
    """The booth by id (or slug, for page URLs); `NotFound` otherwise."""
    if isinstance(booth_ref, int) or (isinstance(booth_ref, str) and booth_ref.isascii() and booth_ref.isdigit()):
        booth_id = int(booth_ref)
        # Past the 32-bit id columns nothing can match, and PostgreSQL/SQLite would raise.
        booth = await s.get(Booth, booth_id) if 1 <= booth_id <= MAX_ID else None
    elif not booth_ref.isprintable():
        # No slug has one, and PostgreSQL refuses a NUL in any text parameter (a 500, not a 404).
        booth = None
    else:
        booth = (await s.execute(select(Booth).where(Booth.slug == booth_ref))).scalar_one_or_none()
    if booth is None:
        raise NotFound("no such booth")
    return booth


async def live_sessions(s: AsyncSession, booth_ids: list[int] | None = None) -> dict[int, LiveSession]:
    q = select(LiveSession).where(LiveSession.status == "live")
    if booth_ids is not None:
        q = q.where(LiveSession.booth_id.in_(booth_ids))
    return {ls.booth_id: ls for ls in (await s.execute(q)).scalars()}


async def list_booths(fair: Fair) -> list[Json]:
    async with fair.db.reader() as s:
        booths = list((await s.execute(select(Booth).order_by(Booth.id))).scalars())
        names: dict[int, list[str]] = {}
        for booth_id, name, i18n in (await s.execute(select(Product.booth_id, Product.name, Product.i18n))).all():
            # The name and the supplier's own translations of it: a buyer searches in their language.
            found = names.setdefault(int(booth_id), [])
            for n in [name, *((t or {}).get("name") for t in (i18n or {}).values())]:
                if isinstance(n, str) and n and n not in found:
                    found.append(n)
        q = select(Product.booth_id, func.count()).group_by(Product.booth_id)
        counts = {int(b): int(n) for b, n in (await s.execute(q)).all()}
        live = await live_sessions(s)
    presence = await fair.presence.get_many([b.id for b in booths])
    out = []
    for b in booths:
        item = booth_summary(b, live=b.id in live, viewers=presence[b.id].viewers)
        item["product_count"] = counts.get(b.id, 0)
        item["product_names"] = names.get(b.id, [])
        # media/thumbnail.py writes it a second or so after the first segment; until then a 404.
        item["live_thumbnail"] = f"/media/{live[b.id].id}/thumb.jpg" if b.id in live else None
        item["languages"] = dict(sorted(presence[b.id].languages.items()))
        out.append(item)
    return out


async def booth_products(s: AsyncSession, booth_id: int) -> list[Product]:
    q = select(Product).where(Product.booth_id == booth_id).order_by(Product.position, Product.id)
    return list((await s.execute(q)).scalars())


async def booth_view(s: AsyncSession, booth_ref: int | str) -> tuple[Json, Json | None]:
    """A booth's page without its presence (`viewers` 0, `languages` empty), and its pinned product."""
    booth = await access_booth_by_id(s, booth_ref)
    products = await booth_products(s, booth.id)
    live = (await live_sessions(s, [booth.id])).get(booth.id)
    out = booth_summary(booth, live=live is not None, viewers=0)
    out["products"] = [product_payload(p) for p in products]
    out["pinned_product_id"] = booth.pinned_product_id
    out["languages"] = {}
    out["live_session"] = {"id": live.id, "started_at": iso(live.started_at), "source": live.source} if live else None
    # The pinned product is one of `products`, already in the session: no second query.
    return out, await pinned_product(s, booth)


async def booth_detail(fair: Fair, booth_ref: int | str) -> Json:
    async with fair.db.reader() as s:
        out, _ = await booth_view(s, booth_ref)
    presence = await fair.presence.get(out["id"])
    out["viewers"] = presence.viewers
    out["languages"] = presence.languages
    return out


async def do_pin_product(fair: Fair, actor: AuthUser, booth_id: int, product_id: int | None) -> Json | None:
    """Pin (or, with None, unpin) a product of the actor's own booth; the product as sent to viewers."""
    async with fair.db.session() as s:
        booth = await access_booth_by_id(s, booth_id)
        if not actor.is_staff_of(booth.id):
            raise Forbidden("only this booth's staff may pin products")
        product = None
        if product_id is not None:
            product = await s.get(Product, product_id)
            if product is None or product.booth_id != booth.id:
                raise NotFound("no such product in this booth")
        booth.pinned_product_id = product_id
        s.add(PinEvent(booth_id=booth.id, product_id=product_id))
    return product_payload(product) if product else None


async def pinned_product(s: AsyncSession, booth: Booth) -> Json | None:
    if booth.pinned_product_id is None:
        return None
    product = await s.get(Product, booth.pinned_product_id)
    return product_payload(product) if product else None
