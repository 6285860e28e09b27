"""The OpenAPI 3.1 document of the HTTP API, built from the route registry, and its reference page.

`GET /api/openapi.json` is built from `app[CATALOG]` (server/api_routes.py) and the pydantic models
its operations name: the request models are the ones that validate the bodies (server/schemas.py),
so the document cannot disagree with what the server accepts. `GET /api/docs` is Swagger UI,
vendored from npm (`swagger-ui-dist`, served under `/vendor/`), so it works offline, under the
same Content-Security-Policy as every page (no inline script or style, no eval, no third party).
"""

from __future__ import annotations

from http import HTTPStatus
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from rooms.models import MAX_ID
from server import responses
from server.api_routes import CATALOG, JSON, Catalog, Operation, api_routes
from server.keys import SETTINGS
from server.pages import HTML_HEADERS

REF = "#/components/schemas/{model}"
TITLE = "Boothcast HTTP API"
DESCRIPTION = (
    "The HTTP half of the Boothcast client contract (docs/protocol.md has the Socket.IO half). "
    "Every error is `{error: {code, message}}` with its status; `500 internal` only means a bug."
)


def _version() -> str:
    try:
        return metadata.version("boothcast")
    except metadata.PackageNotFoundError:
        return "0"


def build_document(catalog: Catalog) -> dict[str, Any]:
    models: list[type[BaseModel]] = [responses.ErrorOut]
    for op in catalog.operations:
        models += [m for m in (op.body, op.response) if m is not None and m not in models]
    refs, defs = models_json_schema([(m, "validation") for m in models], ref_template=REF)

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        return dict(refs[(model, "validation")])

    paths: dict[str, dict[str, Any]] = {}
    for op in catalog.operations:
        paths.setdefault(op.doc_path, {})[op.method.lower()] = _operation(op, ref)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": _version(),
            "description": DESCRIPTION,
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "a token from /api/auth/*"}
            },
        },
    }


def _operation(op: Operation, ref: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "operationId": f"{op.method.lower()}_{op.doc_path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}",
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        out["description"] = op.description
    if op.auth == "bearer":
        out["security"] = [{"bearer": []}]
    elif op.auth == "optional":
        out["security"] = [{}, {"bearer": []}]
    params = [_path_param(name) for name in op.path_params]
    if op.query is not None:
        params += _query_params(op.query)
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {op.body_media: {"schema": ref(op.body)}}}
    answers: dict[str, Any] = {str(op.status): _success(op, ref)}
    for status in op.error_statuses:
        answers[str(status)] = _error(status, ref)
    out["responses"] = answers
    return out


def _path_param(name: str) -> dict[str, Any]:
    if name.endswith("_id"):
        # Any other text in the path is `404 not_found` (server/http_api.py: id_param).
        schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        description = "an id"
    else:
        schema, description = {"type": "string", "minLength": 1, "maxLength": 80}, "an id or a slug"
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


def _query_params(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            param["description"] = prop["description"]
        out.append(param)
    return out


def _success(op: Operation, ref: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": HTTPStatus(op.status).phrase}
    content: dict[str, Any] = {}
    if op.response is not None:
        content[op.response_media] = {"schema": ref(op.response)}
    elif op.status not in (101, 204):
        # No model (yet): any JSON value, or text in another media type.
        content[op.response_media] = {"schema": {} if op.response_media == JSON else {"type": "string"}}
    for media, schema in op.alternatives.items():
        content[media] = {"schema": dict(schema)}
    if content:
        answer["content"] = content
    return answer


def _error(status: int, ref: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": HTTPStatus(status).phrase,
        "content": {"application/json": {"schema": ref(responses.ErrorOut)}},
    }
    if status == 429:
        answer["headers"] = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}}
    return answer


class Docs:
    """The two routes; the document is built on first request, when every route is registered."""

    def __init__(self, page: Path) -> None:
        self._page = page
        self._body: bytes | None = None

    async def document(self, request: web.Request) -> web.Response:
        """The OpenAPI 3.1 document of this server's HTTP API."""
        if self._body is None:
            self._body = orjson.dumps(build_document(request.app[CATALOG]))
        return web.Response(body=self._body, content_type="application/json",
                            headers={"Cache-Control": "no-cache"})  # fmt: skip

    async def page(self, request: web.Request) -> web.StreamResponse:
        """Swagger UI over the document; a plain 404 when the web pages are not installed."""
        if not self._page.is_file():
            raise web.HTTPNotFound(reason="the API reference page is not installed")
        # The pages' own policy: Swagger UI runs under it (tests/test_openapi.py, in Chromium).
        response = web.FileResponse(self._page, headers=HTML_HEADERS)
        response.content_type = "text/html"
        response.charset = "utf-8"
        return response


def setup_openapi(app: web.Application) -> None:
    """`/api/openapi.json` and `/api/docs`; the app factory calls this."""
    docs = Docs(app[SETTINGS].web_dir / "api-docs.html")
    api = api_routes(app)
    api.get("/api/openapi.json", docs.document, summary="This document", auth="none", tag="meta",
            alternatives={"application/json": {"type": "object"}})  # fmt: skip
    api.get("/api/docs", docs.page, summary="The API reference page (Swagger UI)", auth="none",
            tag="meta", response_media="text/html", errors=(404,))  # fmt: skip
