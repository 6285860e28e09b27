"""`GET /api/phrases`: the quick-phrase catalogue, for clients to build their buttons and forms.

Public and the same for everyone (the catalogue is static data), so it is encoded once and served
with a cache header; sending a phrase is `chat:send` with `phrase` (see docs/protocol.md).
"""

from __future__ import annotations

from typing import Literal

import orjson
from aiohttp import web
from pydantic import BaseModel, ConfigDict

from rooms.phrases import catalogue
from server.api_routes import api_routes

ParamKind = Literal["quantity", "unit", "price", "currency", "days", "incoterm", "port", "product"]


class _Out(BaseModel):
    model_config = ConfigDict(strict=True)


class PhraseParam(_Out):
    name: str
    kind: ParamKind


class PhraseOut(_Out):
    id: str
    role: Literal["buyer", "supplier"]
    common: bool
    params: list[PhraseParam]
    text: dict[str, str]


class PhraseLimits(_Out):
    quantity: int
    days: int
    price: str
    price_places: int
    port: int


class PhrasesOut(_Out):
    languages: list[str]
    phrases: list[PhraseOut]
    units: dict[str, dict[str, dict[str, str]]]
    currencies: list[str]
    incoterms: list[str]
    limits: PhraseLimits


_BODY = web.AppKey("phrases_body", bytes)


async def list_phrases(request: web.Request) -> web.Response:
    return web.Response(
        body=request.app[_BODY],
        content_type="application/json",
        headers={"Cache-Control": "public, max-age=300"},
    )


def setup_phrases_api(app: web.Application) -> None:
    app[_BODY] = orjson.dumps(catalogue().public())
    api_routes(app).get(
        "/api/phrases",
        list_phrases,
        summary="The quick-phrase catalogue",
        description="Every phrase with its typed params and its template in each language; "
        "units with their plural forms, currencies, Incoterms and the params' bounds.",
        auth="none",
        tag="chat",
        response=PhrasesOut,
    )
