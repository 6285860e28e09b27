"""Which stored image a booth (logo, cover) or a product shows; only that booth's staff set them.

The files themselves are media/images.py's: this module stores the content-hash key only, so a
row never points at a path. Setting or clearing an image returns the key it replaced: the caller
removes that key's files when nothing else names them (rooms/retention.py).
"""

from __future__ import annotations

from typing import Literal

from rooms.auth import AuthUser
from rooms.booths import access_booth_by_id
from rooms.context import Fair
from rooms.errors import Forbidden, NotFound
from rooms.models import MAX_ID, Product

BoothImage = Literal["logo", "cover"]


async def check_booth_staff(fair: Fair, actor: AuthUser, booth_id: int) -> None:
    """Before an upload is read: the booth exists and the actor is its staff."""
    async with fair.db.reader() as s:
        booth = await access_booth_by_id(s, booth_id)
    if not actor.is_staff_of(booth.id):
        raise Forbidden("only this booth's staff may change its images")


async def check_product_staff(fair: Fair, actor: AuthUser, product_id: int) -> None:
    async with fair.db.reader() as s:
        product = await s.get(Product, product_id) if 1 <= product_id <= MAX_ID else None
    if product is None:
        raise NotFound("no such product")
    if not actor.is_staff_of(product.booth_id):
        raise Forbidden("only this booth's staff may change its products")


async def do_set_booth_image(fair: Fair, actor: AuthUser, booth_id: int, kind: BoothImage,
                             key: str | None) -> str | None:  # fmt: skip
    """Set (or clear, None) the booth's logo or cover; the key it replaced."""
    async with fair.db.session() as s:
        booth = await access_booth_by_id(s, booth_id)
        if not actor.is_staff_of(booth.id):
            raise Forbidden("only this booth's staff may change its images")
        if kind == "logo":
            previous, booth.logo_image = booth.logo_image, key
        else:
            previous, booth.cover_image = booth.cover_image, key
        return previous


async def do_set_product_image(fair: Fair, actor: AuthUser, product_id: int, key: str | None) -> str | None:
    """Set (or clear, None) the product's photo; the key it replaced."""
    async with fair.db.session() as s:
        product = await s.get(Product, product_id) if 1 <= product_id <= MAX_ID else None
        if product is None:
            raise NotFound("no such product")
        if not actor.is_staff_of(product.booth_id):
            raise Forbidden("only this booth's staff may change its products")
        previous, product.image = product.image, key
        return previous
