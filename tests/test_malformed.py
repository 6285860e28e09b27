"""Every event gets malformed input and answers with an error code; the connection stays up."""

from __future__ import annotations

from typing import Any

import pytest

from server import events
from tests.support import Client, Server

OK_CODES = {"bad_request", "not_found", "forbidden", "too_long"}


def _valid(booth_id: int, product_id: int, lead_id: int, message_id: int, user_id: int) -> dict[str, dict[str, Any]]:
    return {
        events.BOOTH_JOIN: {"booth_id": booth_id},
        events.BOOTH_LEAVE: {"booth_id": booth_id},
        events.CHAT_SEND: {"booth_id": booth_id, "text": "hello", "client_id": "x1"},
        events.CHAT_PREVIEW: {"booth_id": booth_id, "text": "hello"},
        events.CHAT_HISTORY: {"booth_id": booth_id, "after_seq": 0, "limit": 10},
        events.INQUIRY_SUBMIT: {"booth_id": booth_id, "message": "hi", "email": "a@b.co", "consent": True,
                                "product_id": product_id, "quantity": 10},
        events.PRODUCT_PIN: {"booth_id": booth_id, "product_id": product_id},
        events.LEAD_UPDATE: {"lead_id": lead_id, "status": "contacted"},
        events.LEAD_NOTE: {"lead_id": lead_id, "text": "called"},
        events.MOD_WATCH: {},
        events.MOD_HIDE: {"message_id": message_id},
        events.MOD_MUTE: {"booth_id": booth_id, "user_id": user_id, "minutes": 5},
        events.MOD_BAN: {"user_id": user_id},
        events.MOD_UNBAN: {"user_id": user_id},
        events.LOBBY_WATCH: {},
    }


def _mutations(valid: dict[str, Any]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = [
        ("no payload", None), ("string", "hello"), ("number", 42), ("list", [valid]), ("true", True),
        ("extra field", {**valid, "evil": 1}),
    ]  # fmt: skip
    for key, value in valid.items():
        out.append((f"missing {key}", {k: v for k, v in valid.items() if k != key}))
        wrong: Any = "x" if not isinstance(value, str) else 12345
        out.append((f"{key} wrong type", {**valid, key: wrong}))
        out.append((f"{key} as object", {**valid, key: {"$gt": 0}}))
        if key.endswith("_id") and isinstance(value, int):
            out.append((f"{key} unknown id", {**valid, key: 987654321}))
        if isinstance(value, int) and not isinstance(value, bool):
            out.append((f"{key} negative", {**valid, key: -1}))
            out.append((f"{key} float", {**valid, key: 1.5}))
            out.append((f"{key} huge int", {**valid, key: 10**40}))
        if isinstance(value, str):
            out.append((f"{key} huge string", {**valid, key: "z" * 300_000}))
    return out


async def _ids(s: Server, buyer: Client, staff: Client, booth_id: int) -> tuple[int, int, int]:
    _, booth = await s.get(f"/api/booths/{booth_id}")
    product_id = booth["products"][0]["id"]
    await buyer.call(events.BOOTH_JOIN, {"booth_id": booth_id})
    msg = await buyer.call(events.CHAT_SEND, {"booth_id": booth_id, "text": "first"})
    lead = await buyer.call(events.INQUIRY_SUBMIT, {"booth_id": booth_id, "message": "m", "email": "a@b.co", "consent": True})
    return product_id, lead["lead"]["id"], msg["message"]["id"]


@pytest.mark.parametrize("fair_server", [{"inquiry_rate_limit": 100000, "chat_rate_limit": 0}], indirect=True)
async def test_every_event_rejects_malformed_input_and_stays_connected(fair_server: Server) -> None:
    s = fair_server
    btok, buser = await s.guest("Fuzz", "en")
    stok, sup = await s.supplier()
    mtok, _ = await s.moderator()
    buyer, staff, mod = await s.client(btok), await s.client(stok), await s.client(mtok)
    booth_id = sup["booth_id"]
    product_id, lead_id, message_id = await _ids(s, buyer, staff, booth_id)
    await staff.call(events.BOOTH_JOIN, {"booth_id": booth_id})
    valid = _valid(booth_id, product_id, lead_id, message_id, buser["id"])
    # Each event is sent by a caller who would be allowed with a valid payload.
    caller = {events.PRODUCT_PIN: staff, events.LEAD_UPDATE: staff, events.LEAD_NOTE: staff,
              events.MOD_WATCH: mod, events.MOD_HIDE: mod, events.MOD_MUTE: mod, events.MOD_BAN: mod,
              events.MOD_UNBAN: mod}  # fmt: skip
    tried = 0
    for event, payload in valid.items():
        client = caller.get(event, buyer)
        for label, bad in _mutations(payload):
            if event == events.CHAT_SEND and label in ("missing client_id",):
                continue  # optional field: still valid
            if event == events.INQUIRY_SUBMIT and label in ("missing product_id", "missing quantity"):
                continue
            if event == events.CHAT_HISTORY and label == "missing limit":
                continue
            ack = await client.call(event, bad) if bad is not None else await client.sio.call(event, timeout=10)
            if event == events.BOOTH_LEAVE and label.endswith("unknown id"):
                assert ack == {"ok": True}, (event, label, ack)  # leaving a booth one never joined is a no-op
                continue
            assert isinstance(ack, dict) and ack.get("ok") is False, (event, label, ack)
            assert ack["error"]["code"] in OK_CODES, (event, label, ack)
            assert isinstance(ack["error"]["message"], str) and ack["error"]["message"]
            tried += 1
        # The handler still works with good input, on the same connection.
        assert client.sio.connected, event
    assert tried > 200
    assert (await buyer.call(events.CHAT_SEND, {"booth_id": booth_id, "text": "still here"}))["ok"]
    # Nothing above banned or muted anyone for real.
    assert buyer.sio.connected and staff.sio.connected and mod.sio.connected


async def test_two_arguments_and_unknown_events_do_not_hurt(fair_server: Server) -> None:
    tok, _ = await fair_server.guest()
    c = await fair_server.client(tok)
    ack = await c.sio.call(events.BOOTH_JOIN, ({"booth_id": 1}, {"booth_id": 2}), timeout=10)
    assert ack["error"]["code"] == "bad_request"
    await c.sio.emit("no:such:event", {"x": 1})
    # With an ack callback, an unknown event is answered at once, not left to the client's timeout.
    for args in ({"x": 1}, None, [1, 2], "x" * 5000):
        ack = await c.sio.call("no:such:event", args, timeout=10)
        assert ack["ok"] is False and ack["error"]["code"] == "bad_request", ack
        assert "no:such:event" in ack["error"]["message"]
    ack = await c.sio.call("e" * 10_000, timeout=10)  # a long name is not echoed back whole
    assert ack["error"]["code"] == "bad_request" and len(ack["error"]["message"]) < 200
    assert c.sio.connected
    assert (await c.call(events.LOBBY_WATCH, {}))["ok"]


async def test_http_bodies_are_validated(fair_server: Server) -> None:
    s = fair_server
    for body in (None, [], "x", {"display_name": "A"}, {"display_name": "A", "lang": "english!"},
                 {"display_name": "", "lang": "en"}, {"display_name": "A", "lang": "en", "role": "admin"},
                 {"display_name": "A" * 500, "lang": "en"}, {"display_name": 5, "lang": "en"}):  # fmt: skip
        status, data = await s.post("/api/auth/guest", body)
        assert status == 400 and data["error"]["code"] == "bad_request", (body, data)
    status, data = await s.request("POST", "/api/auth/guest", data=b"{not json", headers={"Content-Type": "application/json"})
    assert status == 400 and data["error"]["code"] == "bad_request"
    status, data = await s.post("/api/auth/login", {"email": "led@demo.boothcast.test", "password": "wrong"})
    assert status == 401 and data["error"]["code"] == "invalid_credentials"
    status, data = await s.post("/api/auth/login", {"email": "nobody@x.y", "password": "wrong"})
    assert status == 401 and data["error"]["code"] == "invalid_credentials"
    stok, _ = await s.supplier()
    status, data = await s.request("PATCH", "/api/leads/1", stok, json={"status": "sold"})
    assert status == 400
    status, data = await s.get("/api/leads/abc", stok)
    assert status == 404 and data["error"]["code"] == "not_found"
    status, data = await s.get("/api/booths/999999")
    assert status == 404 and data["error"]["code"] == "not_found"
    status, data = await s.get("/api/me", "not-a-token")
    assert status == 401 and data["error"]["code"] == "unauthorized"
    status, data = await s.request("GET", "/api/me", headers={"Authorization": "Basic abc"})
    assert status == 401


@pytest.mark.parametrize("big", [2**31, 2**31 + 1, 2**62, 2**63, 10**30])
async def test_ids_past_32_bits_are_not_found_never_a_500(fair_server: Server, big: int) -> None:
    """The id columns are 32-bit on PostgreSQL: a larger id can name nothing and must not reach SQL."""
    s = fair_server
    mtok, _ = await s.moderator()
    stok, _ = await s.supplier()
    for path in (
        f"/api/booths/{big}", f"/api/booths/{big}/leads", f"/api/leads/{big}", f"/api/sessions/{big}",
        f"/api/booths/{big}/live", f"/api/booths/{big}/glossary",
    ):  # fmt: skip
        status, body = await s.get(path, stok)
        assert status in (403, 404), (path, status, body)
    c = await s.client(mtok)
    for event, data in (
        ("booth:join", {"booth_id": big}),
        ("mod:hide", {"message_id": big}),
        ("chat:send", {"booth_id": big, "text": "hi"}),
    ):
        ack = await c.call(event, data)
        assert ack["ok"] is False and ack["error"]["code"] in ("bad_request", "not_found"), (event, ack)
