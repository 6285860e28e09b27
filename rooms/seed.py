"""Seeding the demo fair: idempotent, so `boothcast demo` can run again and again."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from rooms import demo_fair
from rooms.auth import hash_password
from rooms.db import Database
from rooms.models import Booth, Product, User


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    booth_slug: str | None


async def seed_demo(db: Database) -> list[DemoAccount]:
    """Create whatever of the demo fair is missing; the demo accounts, all with DEMO_PASSWORD."""
    accounts: list[DemoAccount] = []
    password_hash: str | None = None
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    async with db.session() as s:

        async def ensure_user(email: str, **fields: object) -> None:
            nonlocal password_hash
            if (await s.execute(select(User.id).where(User.email == email))).first() is None:
                password_hash = password_hash or hash_password(demo_fair.DEMO_PASSWORD)
                s.add(User(email=email, password_hash=password_hash, **fields))

        for i, spec in enumerate(demo_fair.BOOTHS):
            booth = (await s.execute(select(Booth).where(Booth.slug == spec.slug))).scalar_one_or_none()
            if booth is None:
                booth = Booth(
                    slug=spec.slug,
                    name=spec.name,
                    supplier_name=spec.supplier_name,
                    lang=spec.lang,
                    country=spec.country,
                    city=spec.city,
                    category=spec.category,
                    next_stream_at=now + timedelta(hours=2 + 3 * i),
                    stream_key=secrets.token_urlsafe(24),
                )
                s.add(booth)
                await s.flush()
            skus = set((await s.execute(select(Product.sku).where(Product.booth_id == booth.id))).scalars())
            for pos, p in enumerate(spec.products):
                if p.sku in skus:
                    continue
                s.add(
                    Product(
                        booth_id=booth.id,
                        sku=p.sku,
                        name=p.name[spec.lang],
                        description=p.description[spec.lang],
                        moq=p.moq,
                        unit=p.unit[spec.lang],
                        price=p.price,
                        currency=p.currency,
                        i18n={
                            lang: {
                                "name": p.name[lang],
                                "description": p.description[lang],
                                "unit": p.unit[lang],
                            }
                            for lang in p.name
                        },
                        position=pos,
                    )
                )
            await ensure_user(
                spec.email,
                display_name=spec.supplier_name,
                role="supplier",
                lang=spec.lang,
                booth_id=booth.id,
            )
            accounts.append(DemoAccount(spec.email, "supplier", spec.slug))
        await ensure_user(
            demo_fair.MODERATOR_EMAIL, display_name="Fair moderator", role="moderator", lang="en"
        )
        await ensure_user(demo_fair.ADMIN_EMAIL, display_name="Fair admin", role="admin", lang="en")
    accounts.append(DemoAccount(demo_fair.MODERATOR_EMAIL, "moderator", None))
    accounts.append(DemoAccount(demo_fair.ADMIN_EMAIL, "admin", None))
    return accounts
