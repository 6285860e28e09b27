"""CRM webhooks over HTTP: who may manage them, what a valid one is, and the console's panel."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from rooms import demo_fair
from rooms.models import Webhook
from server.keys import DB
from tests.browser_support import XSS_SCRIPT, booth, ui_strings
from tests.browser_support import Fair as BrowserFair
from tests.conftest import serve_fair
from tests.support import Server, free_port
from tests.webhook_receiver import Receiver, buyer_in_booth, deliveries, eventually, inquire, verify


@pytest.fixture
async def live_server(
    templates: Callable[[str], str], tmp_path: Path, models_dir: Path
) -> AsyncIterator[Server]:
    """The browser tests' server (conftest's), allowing webhooks to the receiver on 127.0.0.1."""
    async for server in serve_fair("sqlite", templates, tmp_path, models_dir, webhook_allow_private=True):
        yield server


async def test_private_addresses_are_refused_unless_the_operator_allows_them(fair_server: Server) -> None:
    s = fair_server
    stok, sup = await s.supplier()
    path = f"/api/booths/{sup['booth_id']}/webhooks"
    for url in ("http://127.0.0.1:8080/x", "http://localhost/x", "http://api.localhost./x", "http://[::1]/x",
                "http://10.1.2.3/x", "http://192.168.0.10/x", "http://169.254.169.254/latest/meta-data",
                "http://[::ffff:127.0.0.1]/x", "http://0.0.0.0/x", "http://[fe80::1%25eth0]/x"):  # fmt: skip
        status, data = await s.post(path, {"url": url}, stok)
        assert status == 400 and "private" in data["error"]["message"], (url, data)
        # What a page needs to say it in its reader's language (web/static/webhooks.js).
        assert (data["error"]["field"], data["error"]["reason"]) == ("url", "url_private"), data
    # inet_aton's shorthands for loopback are not names: refused when saved, not retried for hours.
    for url in ("http://127.1:18999/x", "http://2130706433/x", "http://0x7f000001/x", "http://017700000001/x",
                "http://0/x"):  # fmt: skip
        status, data = await s.post(path, {"url": url}, stok)
        assert status == 400 and "four decimal numbers" in data["error"]["message"], (url, data)
        assert data["error"]["reason"] == "url_ipv4_form", data
    # Endpoints stored anyway (by a node that allowed them, or before the operator changed the
    # setting) are refused at delivery: an address literal, and a name resolving to loopback.
    receiver = Receiver()
    await receiver.start()
    try:
        assert s.app is not None
        async with s.app[DB].session() as session:
            for url in (receiver.url, receiver.url.replace("127.0.0.1", "localhost")):
                session.add(Webhook(booth_id=sup["booth_id"], url=url, secret="whsec_t", events=["lead.created"],
                                    enabled=True, description=""))  # fmt: skip
        _, data = await s.get(path, stok)
        hook_ids = [h["id"] for h in data["webhooks"]]
        assert len(hook_ids) == 2
        buyer = await buyer_in_booth(s, sup["booth_id"])
        await inquire(buyer, sup["booth_id"], "Hola")

        async def refused() -> bool:
            rows = [r for i in hook_ids for r in await deliveries(s, stok, i)]
            # An attempt is counted when it is claimed, its error written when it ends (rooms/outbox.py).
            return len(rows) == 2 and all(r["attempts"] >= 1 and r["last_error"] for r in rows)

        await eventually(refused)
        rows = [r for i in hook_ids for r in await deliveries(s, stok, i)]
        assert all("loopback" in (r["last_error"] or "") for r in rows), rows
        # No retry can change this server's rule: failed at once, not retried for hours.
        assert [(r["status"], r["attempts"], r["error_kind"]) for r in rows] == [("failed", 1, "private")] * 2, rows
        assert receiver.requests == []
    finally:
        await receiver.stop()


async def test_who_may_manage_webhooks(fair_server: Server) -> None:
    s = fair_server
    stok, sup = await s.supplier()
    booth_id = sup["booth_id"]
    other_tok, other = await s.supplier(demo_fair.BOOTHS[1].slug)
    btok, _ = await s.guest("Ana", "es")
    mtok, _ = await s.moderator()
    atok, _ = await s.login(demo_fair.ADMIN_EMAIL)
    hook_body = {"url": "https://crm.example.com/hooks/boothcast"}
    path = f"/api/booths/{booth_id}/webhooks"

    for tok in (btok, other_tok, mtok):
        status, data = await s.post(path, hook_body, tok)
        assert status == 403 and data["error"]["code"] == "forbidden", data
        status, data = await s.get(path, tok)
        assert status == 403 and data["error"]["code"] == "forbidden", data
    status, data = await s.post(path, hook_body)
    assert status == 401 and data["error"]["code"] == "unauthorized"

    status, data = await s.post(path, hook_body, stok)
    assert status == 201, data
    hook = data["webhook"]
    assert hook["booth_id"] == booth_id and len(hook["secret"]) > 30
    # The secret is shown once: never in a list.
    status, data = await s.get(path, stok)
    assert status == 200 and [h["id"] for h in data["webhooks"]] == [hook["id"]]
    assert "secret" not in data["webhooks"][0] and hook["secret"] not in json.dumps(data)
    assert data["webhooks"][0]["secret_hint"].startswith("whsec_")

    # Someone else's endpoint is not found, whatever they try.
    for method, sub, body in (
        ("PATCH", "", {"enabled": False}),
        ("DELETE", "", None),
        ("GET", "/deliveries", None),
    ):
        for tok in (other_tok, btok, mtok):
            status, data = await s.request(method, f"/api/webhooks/{hook['id']}{sub}", tok, json=body)
            assert status == 404 and data["error"]["code"] == "not_found", (method, sub, data)
    # The other supplier manages their own booth only.
    status, data = await s.post(f"/api/booths/{other['booth_id']}/webhooks", hook_body, other_tok)
    assert status == 201, data

    # Fair-wide endpoints: admins only.
    for tok in (stok, btok, mtok):
        status, data = await s.post("/api/webhooks", hook_body, tok)
        assert status == 403 and data["error"]["code"] == "forbidden", data
        status, data = await s.get("/api/webhooks", tok)
        assert status == 403
    status, data = await s.post("/api/webhooks", hook_body, atok)
    assert status == 201 and data["webhook"]["booth_id"] is None, data
    status, data = await s.get("/api/webhooks", atok)
    assert [h["booth_id"] for h in data["webhooks"]] == [None]
    # Admins manage a booth's endpoints too, and may rotate the secret (shown once again).
    status, data = await s.request("PATCH", f"/api/webhooks/{hook['id']}", atok, json={"rotate_secret": True})
    assert status == 200 and data["webhook"]["secret"] != hook["secret"], data
    status, _ = await s.request("DELETE", f"/api/webhooks/{hook['id']}", stok)
    assert status == 204
    status, data = await s.get(path, stok)
    assert data["webhooks"] == []


async def test_bad_input_is_a_clear_4xx(fair_server: Server) -> None:
    s = fair_server
    stok, sup = await s.supplier()
    path = f"/api/booths/{sup['booth_id']}/webhooks"
    bad_bodies: list[Any] = [
        {"url": "ftp://crm.example.com/x"},
        {"url": "https://user:secret@crm.example.com/x"},
        {"url": "https://@crm.example.com/x"},
        {"url": "not a url"},
        {"url": "https:///no-host"},
        {"url": "https://crm.example.com:99999/x"},
        {"url": "https://crm.example.com/x#frag"},
        {"url": "javascript:alert(1)"},
        {"url": ""},
        {"url": "https://crm.example.com/" + "a" * 3000},
        {"url": "https://crm.example.com/\x00"},
        {"url": 5},
        {"url": "https://crm.example.com/x", "events": ["lead.deleted"]},
        {"url": "https://crm.example.com/x", "events": []},
        {"url": "https://crm.example.com/x", "events": "lead.created"},
        {"url": "https://crm.example.com/x", "enabled": "yes"},
        {"url": "https://crm.example.com/x", "description": "d" * 300},
        {"url": "https://crm.example.com/x", "secret": "mine"},
        {},
        [],
    ]
    for bad in bad_bodies:
        status, data = await s.post(path, bad, stok)
        assert status == 400 and data["error"]["code"] == "bad_request" and data["error"]["message"], (
            bad,
            data,
        )
    status, data = await s.request(
        "POST", path, stok, data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert status == 400 and data["error"]["code"] == "bad_request"
    for ref in ("999999", "99999999999", "abc", "0"):
        status, data = await s.request("PATCH", f"/api/webhooks/{ref}", stok, json={"enabled": False})
        assert status == 404 and data["error"]["code"] == "not_found", (ref, data)
        status, data = await s.post(f"/api/webhooks/{ref}/deliveries/1/redeliver", {}, stok)
        assert status == 404 and data["error"]["code"] == "not_found", (ref, data)
    status, data = await s.get("/api/booths/99999/webhooks", (await s.login(demo_fair.ADMIN_EMAIL))[0])
    assert status == 404 and data["error"]["code"] == "not_found"

    status, data = await s.post(path, {"url": "https://crm.example.com/ok"}, stok)
    assert status == 201
    status, data = await s.request("PATCH", f"/api/webhooks/{data['webhook']['id']}", stok,
                                   json={"url": "https://u:p@crm.example.com/"})  # fmt: skip
    assert status == 400 and "credentials" in data["error"]["message"]
    # A cap per booth, so endpoints cannot be multiplied without end.
    for n in range(4):
        status, _ = await s.post(path, {"url": f"https://crm.example.com/{n}"}, stok)
        assert status == 201
    status, data = await s.post(path, {"url": "https://crm.example.com/6"}, stok)
    assert status == 409 and data["error"]["code"] == "conflict"
    assert (data["error"]["reason"], data["error"]["limit"]) == ("full", 5), data


async def test_console_panel_adds_a_webhook_shows_the_secret_once_and_redelivers(
    fair: BrowserFair, live_server: Server
) -> None:
    receiver = Receiver()
    await receiver.start()
    try:
        page = await fair.staff("/console", booth("shenzhen-brightway-led").email)
        lang = await page.evaluate("import('/static/i18n.js').then((m) => m.uiLang())")
        ui = await ui_strings(page, lang)
        panel = page.locator("#webhooks")
        await panel.get_by_label(ui["webhooks.url"]).fill(receiver.url)
        await panel.get_by_label(ui["webhooks.description"]).fill(XSS_SCRIPT)
        await panel.get_by_role("button", name=ui["webhooks.add"]).click()
        secret = await panel.locator(".webhook-secret-value").text_content()
        assert secret and secret.startswith("whsec_")
        item = panel.locator(".webhook-item")
        await expect(item).to_have_count(1)
        await expect(item.locator(".webhook-url")).to_have_text(receiver.url)
        await expect(item).to_contain_text(XSS_SCRIPT)  # a description is text, never markup

        booth_id = await live_server.booth_id("shenzhen-brightway-led")
        buyer = await buyer_in_booth(live_server, booth_id)
        lead_id = await inquire(buyer, booth_id, "¿Tienen tiras de 24 V?")
        await receiver.wait_for(lambda rs: any(r.doc["data"]["lead"]["id"] == lead_id for r in rs))
        assert verify(secret, receiver.requests[0])

        stok, _ = await live_server.supplier()
        hook_id = int(await item.get_attribute("data-webhook-id") or 0)

        async def delivered() -> bool:
            return [d["status"] for d in await deliveries(live_server, stok, hook_id)] == ["delivered"]

        await eventually(delivered)
        await item.get_by_role("button", name=ui["webhooks.deliveries"]).click()
        row = item.locator(".delivery")
        await expect(row).to_have_attribute("data-status", "delivered")
        await row.get_by_role("button", name=ui["webhooks.redeliver"]).click()
        await expect(item.locator(".form-status")).to_have_text(ui["webhooks.redelivered"])
        await receiver.wait_for(lambda rs: len(rs) == 2)
        assert (
            receiver.requests[0].headers["Idempotency-Key"] == receiver.requests[1].headers["Idempotency-Key"]
        )

        # Shown once: after a reload the secret is nowhere on the page.
        await page.reload()
        await expect(page.locator("#webhooks .webhook-item")).to_have_count(1)
        assert secret not in await page.content()
        assert fair.errors == [] and fair.dialogs == []
    finally:
        await receiver.stop()


async def test_webhook_changes_are_rate_limited(fair_server: Server) -> None:
    s = fair_server
    stok, sup = await s.supplier()
    status, data = await s.post(
        f"/api/booths/{sup['booth_id']}/webhooks", {"url": "https://crm.example.com/"}, stok
    )
    assert status == 201
    path = f"/api/webhooks/{data['webhook']['id']}"
    answers = [await s.request("PATCH", path, stok, json={"description": f"v{n}"}) for n in range(30)]
    limited = [data for status, data in answers if status == 429]
    assert limited and all(
        d["error"]["code"] == "rate_limited" and d["error"]["retry_after"] > 0 for d in limited
    )
    assert all(status == 200 for status, _ in answers[:19])


async def test_a_failing_crm_shows_as_failing_in_the_suppliers_words(fair: BrowserFair, live_server: Server) -> None:
    """A supplier's Chinese console showed "ClientConnectorDNSError: Cannot connect to host …" as
    it was, next to a green "On" and counts that only moved on a reload (a user try). The last
    try's outcome is now worded in the page's language, and the panel follows new leads."""
    page = await fair.staff("/console", booth("shenzhen-brightway-led").email)
    lang = await page.evaluate("import('/static/i18n.js').then((m) => m.uiLang())")
    ui = await ui_strings(page, lang)
    panel = page.locator("#webhooks")
    closed = f"http://127.0.0.1:{free_port()}/leads"  # nothing listens there
    await panel.get_by_label(ui["webhooks.url"]).fill(closed)
    await panel.get_by_role("button", name=ui["webhooks.add"]).click()
    # The browser tests share one server: other tests' endpoints may be listed too.
    mine = panel.locator(".webhook-item", has=page.locator(".webhook-url", has_text=closed))
    await expect(mine).to_have_count(1)
    item = panel.locator(f".webhook-item[data-webhook-id='{await mine.get_attribute('data-webhook-id')}']")
    await expect(item.locator(".webhook-failing")).to_have_count(0)  # nothing tried yet

    booth_id = await live_server.booth_id("shenzhen-brightway-led")
    buyer = await buyer_in_booth(live_server, booth_id)
    await inquire(buyer, booth_id, "¿Precio por 1000?")
    failing = item.locator(".webhook-failing")  # no reload: the console follows the lead event
    await expect(failing).to_contain_text(ui["webhooks.failing"], timeout=20_000)
    await expect(failing).to_contain_text(ui["webhooks.err.refused"])
    await item.get_by_role("button", name=ui["webhooks.deliveries"]).click()
    result = item.locator(".delivery .delivery-result").first
    await expect(result).to_contain_text(ui["webhooks.err.refused"])
    assert "Connect" in (await result.get_attribute("title") or "")  # the library's words, one hover away
    assert "ClientConnector" not in await panel.inner_text()
    await item.get_by_role("button", name=ui["webhooks.delete"]).click()  # leave the booth's cap to the others
    await item.get_by_role("button", name=ui["webhooks.delete"]).click()
    await expect(item).to_have_count(0)
    assert fair.errors == [] and fair.dialogs == []


def test_every_recorded_error_has_a_kind() -> None:
    from rooms.webhook_errors import error_kind

    cases = {
        ("ClientConnectorDNSError: Cannot connect to host crm.x.cn:443 ssl:default [Name or service not known]",
         None): "dns",
        ("ClientConnectorError: Cannot connect to host 127.0.0.1:9 ssl:default [Connect call failed ('127.0.0.1', 9)]",
         None): "refused",
        ("ClientConnectorCertificateError: Cannot connect to host x:443 ssl:True [SSLCertVerificationError: …]",
         None): "tls",
        ("no answer within 10 s", None): "timeout",
        ("ClientConnectionError: 10.0.0.1 is a loopback, private or link-local address", None): "private",
        ("ServerDisconnectedError: Server disconnected", None): "connect",
        ("HTTP 500", 500): "http",
        ("ValueError", None): "other",
        (None, 204): None,
        (None, None): None,
    }  # fmt: skip
    for (error, code), kind in cases.items():
        assert error_kind(error, code) == kind, (error, code)
