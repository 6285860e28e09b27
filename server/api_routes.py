"""The route registry of the HTTP API: a route cannot be added without its description.

Every `/api/` route (and `/healthz`) is added through `api_routes(app)` instead of `app.router`:
the same call wires the aiohttp route and records an `Operation` (method, path, who may call it,
the pydantic models of its body, query and answer, its error statuses), and `server/openapi.py`
builds the OpenAPI document from those records only. `tests/test_openapi.py` fails when a route
under `/api/` reaches the router any other way.

Adding a route is one call where the module sets up its routes::

    api = api_routes(app)
    api.get("/api/phrases", list_phrases, summary="Quick phrases", auth="bearer",
            response=responses.PhrasesOut)
    api.post("/api/booths/{booth_id}/webhooks", add_hook, summary="Add a webhook", auth="bearer",
             body=schemas.WebhookIn, response=responses.WebhookOut, status=201, errors=(409, 429))

`body` is the model the handler passes to `body(request, model)` (a different one is a 500, so the
tests notice); `response` describes the JSON answer without producing it, and every JSON answer
needs one (server/responses.py, or beside the handler); `query`, `tag` and `description` are
optional. Statuses that follow from the description are added by themselves: 401 and 403 (a banned account)
for `auth="bearer"` and `"optional"` (whose bad token is refused), 400 and 413 for a body, 400 for
a query, 404 for a path parameter; `errors` lists the others (409, 429, ...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel

# "bearer": a signed-in caller (`Authorization: Bearer <token>`); "optional": anyone, a token
# changes the answer; "none": anyone, any header is ignored; "nginx": our own nginx-rtmp only
# (loopback and the per-process secret in the query).
Auth = Literal["none", "optional", "bearer", "nginx"]
Method = Literal["GET", "POST", "PATCH", "PUT", "DELETE"]

JSON = "application/json"
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[^{}]*(?:\{[^{}]*\}[^{}]*)*)?\}")


@dataclass(frozen=True, slots=True)
class Operation:
    """One documented route. `path` is aiohttp's (regex parts included); `doc_path` is OpenAPI's."""

    method: Method
    path: str
    summary: str
    auth: Auth
    tag: str
    description: str = ""
    body: type[BaseModel] | None = None
    body_media: str = JSON
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    response_media: str = JSON
    # Other media types the success answer may have (the leads CSV), each with its JSON schema.
    alternatives: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    status: int = 200
    errors: tuple[int, ...] = ()

    @property
    def doc_path(self) -> str:
        return _PARAM.sub(lambda m: "{" + m.group(1) + "}", self.path)

    @property
    def path_params(self) -> list[str]:
        return _PARAM.findall(self.path)

    @property
    def error_statuses(self) -> list[int]:
        implied = set(self.errors)
        if self.auth in ("bearer", "optional"):
            implied |= {401, 403}  # a bad token; a banned account
        if self.body is not None:
            implied |= {400, 413}
        if self.query is not None:
            implied.add(400)  # a query parameter its model refuses
        if self.path_params:
            implied.add(404)
        return sorted(implied)


@dataclass(slots=True)
class Catalog:
    """Every operation of one app, in the order the routes were added."""

    operations: list[Operation] = field(default_factory=list)

    def find(self, method: str, doc_path: str) -> Operation | None:
        return next((o for o in self.operations if o.method == method and o.doc_path == doc_path), None)

    def of_request(self, request: web.Request) -> Operation | None:
        """The operation a request was routed to (its resource's canonical path is the doc path)."""
        resource = request.match_info.route.resource
        return self.find(request.method, resource.canonical) if resource is not None else None


CATALOG = web.AppKey("api_catalog", Catalog)


class ApiRoutes:
    """`app.router` for documented routes: each method adds the route and its `Operation`."""

    def __init__(self, app: web.Application) -> None:
        self._app = app
        if CATALOG not in app:
            app[CATALOG] = Catalog()
        self.catalog = app[CATALOG]

    def add(self, method: Method, path: str, handler: Handler, *, summary: str, auth: Auth,
            tag: str | None = None, **details: Any) -> Operation:  # fmt: skip
        op = Operation(method=method, path=path, summary=summary, auth=auth,
                       tag=tag or _default_tag(path), **details)  # fmt: skip
        if self.catalog.find(method, op.doc_path) is not None:
            raise ValueError(f"{method} {op.doc_path} is registered twice")
        if method == "GET":
            self._app.router.add_get(path, handler)  # and HEAD, as every GET route had before
        else:
            self._app.router.add_route(method, path, handler)
        self.catalog.operations.append(op)
        return op

    def get(self, path: str, handler: Handler, **kw: Any) -> Operation:
        return self.add("GET", path, handler, **kw)

    def post(self, path: str, handler: Handler, **kw: Any) -> Operation:
        return self.add("POST", path, handler, **kw)

    def patch(self, path: str, handler: Handler, **kw: Any) -> Operation:
        return self.add("PATCH", path, handler, **kw)

    def put(self, path: str, handler: Handler, **kw: Any) -> Operation:
        return self.add("PUT", path, handler, **kw)

    def delete(self, path: str, handler: Handler, **kw: Any) -> Operation:
        return self.add("DELETE", path, handler, **kw)


def api_routes(app: web.Application) -> ApiRoutes:
    return ApiRoutes(app)


def _default_tag(path: str) -> str:
    """`/api/booths/{id}/leads` → `booths`: the API's first path segment groups the reference."""
    parts = [p for p in path.split("/") if p and p != "api"]
    return parts[0] if parts else "api"
