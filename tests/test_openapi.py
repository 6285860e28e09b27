"""The OpenAPI document: complete (every /api route), valid 3.1, and true of real answers.

`test_every_api_route_is_documented` fails when a route under /api/ reaches the router without
going through server/api_routes.py. The answers tests drive a real server through a sign-in, the
lead flow, the glossary, the live API, CRM webhooks and a quick phrase in a replay, and validate
each answer against the response model its operation names (strictly: a documented integer must
be a JSON integer), errors included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from aiohttp import web

from rooms import demo_fair, live
from server import responses
from server.api_routes import CATALOG, Operation
from server.app import create_app
from server.keys import FAIR
from server.openapi import build_document
from server.pages import CONTENT_SECURITY_POLICY
from tests.support import Server, settings_for_test
from tests.webhook_receiver import FAST, Receiver, buyer_in_booth, eventually, inquire


def _app(tmp_path: Path) -> web.Application:
    return create_app(settings_for_test(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"))


def _documented_routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, OpenAPI path) of every route under /api/ and /healthz that the router holds."""
    out = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if route.method == "HEAD" or not (path.startswith("/api/") or path == "/healthz"):
            continue
        out.append((route.method, path))
    return out


def test_every_api_route_is_documented(tmp_path: Path) -> None:
    app = _app(tmp_path)
    doc = build_document(app[CATALOG])
    routes = _documented_routes(app)
    assert len(routes) >= 20
    missing = [f"{m} {p}" for m, p in routes if m.lower() not in doc["paths"].get(p, {})]
    assert not missing, f"routes added without server/api_routes.py, so not in /api/openapi.json: {missing}"
    # And nothing is documented that the router does not serve.
    served = {(m.lower(), p) for m, p in routes}
    extra = [(m, p) for p, ops in doc["paths"].items() for m in ops if (m, p) not in served]
    assert not extra


def test_every_json_answer_has_a_response_model(tmp_path: Path) -> None:
    ops = _app(tmp_path)[CATALOG].operations
    without = {f"{o.method} {o.doc_path}" for o in ops
               if o.response is None and o.response_media == "application/json" and o.status not in (101, 204)}  # fmt: skip
    assert without == {"GET /api/openapi.json"}  # the document itself: OpenAPI's own schema


def test_a_route_registered_twice_is_refused(tmp_path: Path) -> None:
    from server.api_routes import api_routes
    from server.http_api import healthz

    app = _app(tmp_path)
    with pytest.raises(ValueError, match="registered twice"):
        api_routes(app).get("/healthz", healthz, summary="again", auth="none")


def test_the_document_is_valid_openapi_3_1(tmp_path: Path) -> None:
    doc = build_document(_app(tmp_path)[CATALOG])
    assert doc["openapi"] == "3.1.0"
    schema = schemathesis.openapi.from_dict(doc)
    schema.validate()  # against the OpenAPI 3.1 meta-schema: raises on any error
    results = list(schema.get_all_operations())
    assert all(type(r).__name__ == "Ok" for r in results), [r for r in results if type(r).__name__ != "Ok"]
    assert len(results) == sum(len(ops) for ops in doc["paths"].values())
    # The request schemas are the validating models' own (one source of truth).
    guest = doc["components"]["schemas"]["GuestIn"]
    assert guest["additionalProperties"] is False
    assert guest["properties"]["lang"]["pattern"] == r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$"
    me = doc["paths"]["/api/me"]["get"]
    assert me["security"] == [{"bearer": []}]
    assert set(me["responses"]) == {"200", "401", "403"}
    assert doc["paths"]["/api/booths/{booth_id}/glossary/{term_id}"]["patch"]["parameters"][1]["name"] == "term_id"
    redeliver = doc["paths"]["/api/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"]["post"]
    assert redeliver["tags"] == ["webhooks"]
    assert set(redeliver["responses"]) == {"202", "401", "403", "404", "409", "429"}
    assert "phrase" in doc["components"]["schemas"]["ChatMessage"]["properties"]


class Checker:
    """Validates a real answer against the operation the document describes for it."""

    def __init__(self, server: Server) -> None:
        assert server.app is not None
        self.server = server
        self.catalog = server.app[CATALOG]
        self.seen: set[tuple[str, str]] = set()

    async def call(self, method: str, doc_path: str, token: str | None = None, *, expect: int = 200,
                   **params: Any) -> Any:  # fmt: skip
        op = self.catalog.find(method, doc_path)
        assert op is not None, f"{method} {doc_path} is not documented"
        body = params.pop("json", None)
        status, data = await self.server.request(
            method, doc_path.format(**params), token, **({"json": body} if body is not None else {})
        )
        assert status == expect, (method, doc_path, status, data)
        self._validate(op, status, data)
        self.seen.add((method, doc_path))
        return data

    @staticmethod
    def _validate(op: Operation, status: int, data: Any) -> None:
        if status >= 400:
            assert status in op.error_statuses, (op.method, op.doc_path, status)
            responses.ErrorOut.model_validate(data)
        else:
            assert status == op.status, (op.method, op.doc_path, status)
            if op.response is not None:
                op.response.model_validate(data)


async def test_answers_match_the_document(fair_server: Server) -> None:
    check = Checker(fair_server)
    await check.call("GET", "/healthz")
    guest = await check.call("POST", "/api/auth/guest", json={"display_name": "Ana", "lang": "es"})
    buyer = guest["token"]
    await check.call("POST", "/api/auth/login", json={"email": "nobody@x.test", "password": "x"}, expect=401)
    await check.call("POST", "/api/auth/guest", json={"display_name": "Ana"}, expect=400)
    await check.call("GET", "/api/me", buyer)
    await check.call("GET", "/api/me", expect=401)
    booths = await check.call("GET", "/api/booths")
    slug = "shenzhen-brightway-led"
    booth_id = next(b["id"] for b in booths if b["slug"] == slug)
    await check.call("GET", "/api/booths/{booth}", booth=slug)
    await check.call("GET", "/api/booths/{booth}", booth="no-such-booth", expect=404)
    await check.call("GET", "/api/translation")

    # A lead, from a buyer's inquiry over the socket; then the staff's side of it over HTTP.
    client = await fair_server.client(buyer)
    assert (await client.call("booth:join", {"booth_id": booth_id}))["ok"]
    ack = await client.call("inquiry:submit", {"booth_id": booth_id, "message": "Precio por 500?",
                                               "email": "ana@example.es", "consent": True, "quantity": 500,
                                               "target_price": "0.80", "currency": "USD"})  # fmt: skip
    assert ack["ok"], ack
    staff, _ = await fair_server.supplier(slug)
    leads = await check.call("GET", "/api/booths/{booth_id}/leads", staff, booth_id=booth_id)
    lead_id = leads["leads"][0]["id"]
    await check.call("GET", "/api/booths/{booth_id}/leads", buyer, booth_id=booth_id, expect=403)
    waiting = await check.call("GET", "/api/booths/{booth_id}/waiting", staff, booth_id=booth_id)
    assert [lead["id"] for w in waiting["waiting"] for lead in w["leads"]] == [lead_id]
    await check.call("PATCH", "/api/leads/{lead_id}", staff, lead_id=lead_id, json={"status": "contacted"})
    await check.call("POST", "/api/leads/{lead_id}/notes", staff, lead_id=lead_id, json={"text": "called"},
                     expect=201)  # fmt: skip
    lead = await check.call("GET", "/api/leads/{lead_id}", staff, lead_id=lead_id)
    assert lead["lead"]["notes"][0]["text"] == "called"
    await check.call("GET", "/api/leads/{lead_id}", staff, lead_id=2**40, expect=404)
    moderator, _ = await fair_server.moderator()
    await check.call("GET", "/api/moderation/audit", moderator)
    await check.call("GET", "/api/moderation/audit", buyer, expect=403)

    base = "/api/booths/{booth_id}/glossary"
    term = await check.call("POST", base, staff, booth_id=booth_id, json={"term": "Brightway"}, expect=201)
    await check.call("POST", base, staff, booth_id=booth_id, json={"term": "brightway"}, expect=409)
    await check.call("PATCH", base + "/{term_id}", staff, booth_id=booth_id, term_id=term["id"],
                     json={"translations": {"zh": "明途"}})  # fmt: skip
    await check.call("GET", base, staff, booth_id=booth_id)
    await check.call("DELETE", base + "/{term_id}", staff, booth_id=booth_id, term_id=term["id"], expect=204)

    await check.call("GET", "/api/booths/{booth_id}/live", booth_id=booth_id)
    await check.call("GET", "/api/booths/{booth_id}/sessions", booth_id=booth_id)
    await check.call("GET", "/api/booths/{booth_id}/stream", staff, booth_id=booth_id)
    await check.call("POST", "/api/booths/{booth_id}/stream/rotate-key", staff, booth_id=booth_id)
    await check.call("GET", "/api/sessions/{session_id}", buyer, session_id=999, expect=404)
    await check.call("POST", "/api/sessions/{session_id}/end", staff, session_id=999, expect=404)
    await check.call("POST", "/api/live/rtmp/on_publish", expect=403)
    await check.call("GET", "/api/live/ingest", expect=400)  # not a WebSocket upgrade

    doc = await check.call("GET", "/api/openapi.json")
    assert doc["openapi"] == "3.1.0"
    assert len(check.seen) >= 25


@pytest.mark.parametrize("fair_server", [FAST], indirect=True)
async def test_webhook_answers_match_the_document(fair_server: Server) -> None:
    check = Checker(fair_server)
    slug = "shenzhen-brightway-led"
    staff, sup = await fair_server.supplier(slug)
    booth_id = sup["booth_id"]
    admin, _ = await fair_server.login(demo_fair.ADMIN_EMAIL)
    buyer, _ = await fair_server.guest("Ana", "es")
    receiver = Receiver()
    await receiver.start()
    try:
        booth_hooks = "/api/booths/{booth_id}/webhooks"
        assert (await check.call("GET", booth_hooks, staff, booth_id=booth_id))["webhooks"] == []
        await check.call("GET", booth_hooks, buyer, booth_id=booth_id, expect=403)
        created = await check.call("POST", booth_hooks, staff, booth_id=booth_id, expect=201,
                                   json={"url": receiver.url, "description": "CRM"})  # fmt: skip
        hook_id = created["webhook"]["id"]
        assert created["webhook"]["secret"].startswith("whsec_")
        await check.call("POST", booth_hooks, staff, booth_id=booth_id, json={"url": "ftp://x"}, expect=400)
        listed = await check.call("GET", booth_hooks, staff, booth_id=booth_id)
        assert "secret" not in listed["webhooks"][0]
        fair_wide = await check.call("POST", "/api/webhooks", admin, expect=201,
                                     json={"url": "https://crm.example.com/hook", "enabled": False})  # fmt: skip
        assert fair_wide["webhook"]["booth_id"] is None
        await check.call("GET", "/api/webhooks", admin)
        await check.call("GET", "/api/webhooks", staff, expect=403)
        rotated = await check.call("PATCH", "/api/webhooks/{webhook_id}", staff, webhook_id=hook_id,
                                   json={"rotate_secret": True})  # fmt: skip
        assert rotated["webhook"]["secret"] != created["webhook"]["secret"]

        client = await buyer_in_booth(fair_server, booth_id)
        await inquire(client, booth_id, "Precio por 500?")
        await receiver.wait_for(lambda got: len(got) >= 1)
        path = "/api/webhooks/{webhook_id}/deliveries"

        async def delivered() -> bool:
            rows = (await check.call("GET", path, staff, webhook_id=hook_id))["deliveries"]
            return bool(rows) and rows[0]["status"] == "delivered"

        await eventually(delivered)
        delivery_id = (await check.call("GET", path, staff, webhook_id=hook_id))["deliveries"][0]["id"]
        # With the receiver gone the redelivery stays pending (retried), so a second one is a conflict.
        await receiver.stop()
        again = path + "/{delivery_id}/redeliver"
        await check.call("POST", again, staff, webhook_id=hook_id, delivery_id=delivery_id, expect=202)
        await check.call("POST", again, staff, webhook_id=hook_id, delivery_id=delivery_id, expect=409)
        await check.call("POST", again, staff, webhook_id=hook_id, delivery_id=2**40, expect=404)
        await check.call("GET", path, buyer, webhook_id=hook_id, expect=404)
        await check.call("DELETE", "/api/webhooks/{webhook_id}", staff, webhook_id=hook_id, expect=204)
        await check.call("DELETE", "/api/webhooks/{webhook_id}", staff, webhook_id=hook_id, expect=404)
    finally:
        await receiver.stop()
    tagged = {(o.method, o.doc_path) for o in check.catalog.operations if o.tag == "webhooks"}
    assert tagged == check.seen  # every webhook operation was exercised


async def test_a_quick_phrase_in_a_replay_matches_the_document(fair_server: Server) -> None:
    check = Checker(fair_server)
    assert fair_server.app is not None
    staff, sup = await fair_server.supplier()
    booth_id = sup["booth_id"]
    async with fair_server.app[FAIR].db.session() as s:
        sid = (await live.do_start_or_resume(s, booth_id, "rtmp", started_by=None)).session.id
    client = await fair_server.client(staff)
    assert (await client.call("booth:join", {"booth_id": booth_id}))["ok"]
    params = {"price": "6.8", "currency": "USD", "unit": "piece", "incoterm": "FOB", "port": "Shenzhen"}
    ack = await client.call(
        "chat:send", {"booth_id": booth_id, "phrase": {"id": "s.price_incoterm", "params": params}}
    )
    assert ack["ok"], ack
    detail = await check.call("GET", "/api/sessions/{session_id}", staff, session_id=sid)
    m = next(m for m in detail["chat"] if m["id"] == ack["message"]["id"])
    # Unknown fields pass the models, so check that `phrase` is a described one, not ignored.
    phrase = responses.ChatMessage.model_validate(m).phrase
    assert phrase is not None and phrase.id == "s.price_incoterm" and phrase.params["price"] == "6.80"


async def test_the_reference_page_works_offline_under_the_pages_csp(live_server: Server) -> None:
    status, html = await live_server.get("/api/docs")
    assert status == 200
    assert "/vendor/swagger-ui-bundle.js" in html and "/static/api-docs.js" in html
    assert "http://" not in html and "https://" not in html  # nothing from elsewhere
    import aiohttp

    async with aiohttp.ClientSession() as h:
        async with h.get(live_server.url + "/api/docs") as r:
            assert r.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
            async with h.get(f"{live_server.url}/vendor/{name}") as r:
                assert r.status == 200, name
                assert r.content_type in ("text/javascript", "text/css")
                assert len(await r.read()) > 100_000


@pytest.mark.browser
async def test_the_reference_page_renders_in_chromium(live_server: Server) -> None:
    from playwright.async_api import async_playwright, expect

    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            outside: list[str] = []
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
            await page.goto(live_server.url + "/api/docs")
            await expect(page.locator(".swagger-ui .title")).to_contain_text("Boothcast HTTP API")
            await page.get_by_text("/api/auth/guest", exact=True).click()  # expand: schemas, examples
            await expect(page.locator("#operations-auth-post_api_auth_guest")).to_contain_text("display_name")
            assert not problems, problems  # a CSP violation is a console error
            assert not [u for u in outside if not u.startswith("data:")], outside
        finally:
            await browser.close()



async def test_a_handler_parsing_another_model_than_documented_fails_loudly() -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from server import schemas
    from server.api_routes import api_routes
    from server.http_api import body, error_middleware, jsonify

    async def handler(request: web.Request) -> web.Response:
        await body(request, schemas.GuestIn)  # documented below as NoteIn
        return jsonify({})

    app = web.Application(middlewares=[error_middleware])
    api_routes(app).post("/api/x", handler, summary="x", auth="none", body=schemas.NoteIn)
    async with TestClient(TestServer(app)) as client:
        r = await client.post("/api/x", json={"text": "hi"})
        assert r.status == 500
        assert (await r.json())["error"]["code"] == "internal"


async def test_a_hook_secret_with_non_ascii_characters_is_refused_not_a_500(live_server: Server) -> None:
    # Found by the schemathesis pass: compare_digest raised TypeError for non-ASCII text (a 500).
    for hook in ("on_publish", "on_publish_done"):
        status, data = await live_server.request("POST", f"/api/live/rtmp/{hook}", params={"s": "8Å"},
                                                 data={"name": "智能灯泡"})  # fmt: skip
        assert status == 403, data
        assert data["error"]["code"] == "forbidden"
