"""The HTTP API of products in every language: staff read each product per language and correct it.

Who may is the domain's question (`rooms/product_texts.py`: staff of the booth, with the caller's
current role, which `require_user` reloads from the database); this module parses ids and bodies.
"""

from __future__ import annotations

from aiohttp import web

from rooms import product_texts
from server import responses, schemas
from server.api_routes import api_routes
from server.http_api import body, id_param, jsonify
from server.http_auth import require_user
from server.keys import FAIR

BASE = "/api/booths/{booth_id}/products"


async def get_texts(request: web.Request) -> web.Response:
    """Every product with `texts: {lang: LocalizedProduct}`; machine translations made on the way."""
    actor = await require_user(request)
    booth_id = id_param(request, "booth_id")
    return jsonify(await product_texts.staff_view(request.app[FAIR], actor, booth_id))


async def patch_text(request: web.Request) -> web.Response:
    """`{name?, description?}` in `{lang}` → the product localized in that language."""
    actor = await require_user(request)
    booth_id, product_id = id_param(request, "booth_id"), id_param(request, "product_id")
    lang = request.match_info["lang"]
    p = await body(request, schemas.ProductTextIn)
    texts = {"name": p.name, "description": p.description}
    product = await product_texts.do_correct(request.app[FAIR], actor, booth_id, product_id, lang, texts)
    return jsonify({"product": product})


def setup_products_api(app: web.Application) -> None:
    api = api_routes(app)
    who = "Staff of the booth."
    api.get(BASE + "/i18n", get_texts, summary="A booth's products in every language", description=who,
            auth="bearer", tag="products", response=responses.ProductTextsOut)  # fmt: skip
    api.patch(BASE + "/{product_id}/i18n/{lang}", patch_text, summary="Correct a product's texts in one language",
              description=who + " The correction becomes the supplier's own translation.", auth="bearer",
              tag="products", body=schemas.ProductTextIn, response=responses.ProductCorrectionOut,
              errors=(429,))  # fmt: skip
