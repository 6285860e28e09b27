"""Who may do what: every event and endpoint × buyer / this booth's staff / another booth's staff /
moderator / anonymous."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import socketio

from server import events
from tests.support import Client, Server

ROLES = ("buyer", "staff", "other_staff", "moderator")
ALLOW = "ok"


@pytest.fixture
async def actors(fair_server: Server) -> dict[str, Any]:
    s = fair_server
    tokens = {
        "buyer": (await s.guest("Buyer", "en"))[0],
        "staff": (await s.supplier("shenzhen-brightway-led"))[0],
        "other_staff": (await s.supplier("valencia-ceramica"))[0],
        "moderator": (await s.moderator())[0],
    }
    booth_id = await s.booth_id("shenzhen-brightway-led")
    clients = {role: await s.client(tok) for role, tok in tokens.items()}
    for c in clients.values():
        assert (await c.call(events.BOOTH_JOIN, {"booth_id": booth_id}))["ok"]
    _, booth = await s.get(f"/api/booths/{booth_id}")
    msg = await clients["buyer"].call(events.CHAT_SEND, {"booth_id": booth_id, "text": "hi"})
    lead = await clients["buyer"].call(events.INQUIRY_SUBMIT, {"booth_id": booth_id, "message": "m",
                                                              "email": "a@b.co", "consent": True})  # fmt: skip
    return {"tokens": tokens, "clients": clients, "booth_id": booth_id, "product_id": booth["products"][0]["id"],
            "message_id": msg["message"]["id"], "lead_id": lead["lead"]["id"]}  # fmt: skip


# event -> (payload builder, expected result per role: "ok" or an error code)
SOCKET_MATRIX: dict[str, tuple[Callable[..., dict[str, Any]], dict[str, str]]] = {
    events.BOOTH_JOIN: (lambda a, v: {"booth_id": a["booth_id"]}, dict.fromkeys(ROLES, ALLOW)),
    events.CHAT_SEND: (lambda a, v: {"booth_id": a["booth_id"], "text": "x"}, dict.fromkeys(ROLES, ALLOW)),
    events.CHAT_PREVIEW: (lambda a, v: {"booth_id": a["booth_id"], "text": "x"}, dict.fromkeys(ROLES, ALLOW)),
    # Every role joined the booth above; without a join it is `forbidden` (tests/test_chat_history.py).
    events.CHAT_HISTORY: (lambda a, v: {"booth_id": a["booth_id"], "after_seq": 0}, dict.fromkeys(ROLES, ALLOW)),
    # Before mod:hide and booth:leave below. The message is the buyer's own: the others may report it.
    events.CHAT_REPORT: (
        lambda a, v: {"message_id": a["message_id"], "reason": "spam"},
        {**dict.fromkeys(ROLES, ALLOW), "buyer": "bad_request"},
    ),
    events.SLOW_MODE_SET: (
        lambda a, v: {"booth_id": a["booth_id"], "seconds": 0},
        {"buyer": "forbidden", "staff": ALLOW, "other_staff": "forbidden", "moderator": ALLOW},
    ),
    events.INQUIRY_SUBMIT: (
        lambda a, v: {"booth_id": a["booth_id"], "message": "m", "email": "a@b.co", "consent": True},
        {"buyer": ALLOW, "staff": "forbidden", "other_staff": "forbidden", "moderator": "forbidden"},
    ),
    events.PRODUCT_PIN: (
        lambda a, v: {"booth_id": a["booth_id"], "product_id": a["product_id"]},
        {"buyer": "forbidden", "staff": ALLOW, "other_staff": "forbidden", "moderator": "forbidden"},
    ),
    events.LEAD_UPDATE: (
        lambda a, v: {"lead_id": a["lead_id"], "status": "contacted"},
        {"buyer": "not_found", "staff": ALLOW, "other_staff": "not_found", "moderator": "forbidden"},
    ),
    events.LEAD_NOTE: (
        lambda a, v: {"lead_id": a["lead_id"], "text": "n"},
        {"buyer": "not_found", "staff": ALLOW, "other_staff": "not_found", "moderator": "forbidden"},
    ),
    events.MOD_WATCH: (lambda a, v: {}, {**dict.fromkeys(ROLES, "forbidden"), "moderator": ALLOW}),
    events.MOD_HISTORY: (
        lambda a, v: {"booth_id": a["booth_id"], "after_seq": 0},
        {**dict.fromkeys(ROLES, "forbidden"), "moderator": ALLOW},
    ),
    events.MOD_HIDE: (lambda a, v: {"message_id": a["message_id"]}, {**dict.fromkeys(ROLES, "forbidden"), "moderator": ALLOW}),
    events.MOD_MUTE: (
        lambda a, v: {"booth_id": a["booth_id"], "user_id": v, "minutes": 1},
        {**dict.fromkeys(ROLES, "forbidden"), "moderator": ALLOW},
    ),
    events.MOD_BAN: (lambda a, v: {"user_id": v}, {**dict.fromkeys(ROLES, "forbidden"), "moderator": ALLOW}),
    events.MOD_UNBAN: (lambda a, v: {"user_id": v}, {**dict.fromkeys(ROLES, "forbidden"), "moderator": ALLOW}),
    events.LOBBY_WATCH: (lambda a, v: {}, dict.fromkeys(ROLES, ALLOW)),
    events.BOOTH_LEAVE: (lambda a, v: {"booth_id": a["booth_id"]}, dict.fromkeys(ROLES, ALLOW)),
}


def test_matrix_covers_every_client_event() -> None:
    assert set(SOCKET_MATRIX) == set(events.CLIENT_EVENTS)


async def test_socket_event_matrix(fair_server: Server, actors: dict[str, Any]) -> None:
    failures = []
    for event, (build, expected) in SOCKET_MATRIX.items():
        for role in ROLES:
            victim = (await fair_server.guest("Victim", "en"))[1]["id"]
            ack = await actors["clients"][role].call(event, build(actors, victim))
            got = ALLOW if ack.get("ok") else ack["error"]["code"]
            if got != expected[role]:
                failures.append((event, role, expected[role], ack))
    assert failures == []


async def test_anonymous_and_forged_tokens_cannot_connect(fair_server: Server) -> None:
    for auth in (None, {}, {"token": ""}, {"token": "abc.def.ghi"}, {"token": 5}):
        c = Client(fair_server.url, "")
        try:
            await c.sio.connect(fair_server.url, auth=auth, transports=["websocket"], wait_timeout=5)
            raise AssertionError(f"connected with {auth}")
        except socketio.exceptions.ConnectionError:
            assert c.events.of("connect_error")[0]["data"]["code"] == "unauthorized"
    # A token signed with another key is refused too.
    import jwt

    forged = jwt.encode({"sub": "1", "exp": 4102444800}, "not-the-key-but-long-enough-for-hs256-32b", algorithm="HS256")
    c = Client(fair_server.url, forged)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await c.connect()
    expired = jwt.encode({"sub": "1", "exp": 1000}, fair_server.settings.secret_key, algorithm="HS256")
    c = Client(fair_server.url, expired)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await c.connect()
    assert "expired" in c.events.of("connect_error")[0]["data"]["message"]


async def test_http_endpoint_matrix(fair_server: Server, actors: dict[str, Any]) -> None:
    b, lead = actors["booth_id"], actors["lead_id"]
    matrix: list[tuple[str, str, Any, dict[str, int]]] = [
        ("GET", f"/api/booths/{b}/leads", None, {"buyer": 403, "staff": 200, "other_staff": 403, "moderator": 200, "anon": 401}),
        ("GET", f"/api/booths/{b}/leads?format=csv", None, {"buyer": 403, "staff": 200, "other_staff": 403, "moderator": 200, "anon": 401}),
        ("GET", f"/api/booths/{b}/waiting", None, {"buyer": 403, "staff": 200, "other_staff": 403, "moderator": 200, "anon": 401}),
        ("GET", f"/api/leads/{lead}", None, {"buyer": 404, "staff": 200, "other_staff": 404, "moderator": 200, "anon": 401}),
        ("PATCH", f"/api/leads/{lead}", {"status": "quoted"}, {"buyer": 404, "staff": 200, "other_staff": 404, "moderator": 403, "anon": 401}),
        ("POST", f"/api/leads/{lead}/notes", {"text": "n"}, {"buyer": 404, "staff": 201, "other_staff": 404, "moderator": 403, "anon": 401}),
        ("GET", "/api/moderation/audit", None, {"buyer": 403, "staff": 403, "other_staff": 403, "moderator": 200, "anon": 401}),
        ("GET", "/api/moderation/filters", None, {"buyer": 403, "staff": 403, "other_staff": 403, "moderator": 200, "anon": 401}),
        ("PUT", "/api/moderation/filters", {"terms": [], "link_policy": "off"}, {"buyer": 403, "staff": 403, "other_staff": 403, "moderator": 200, "anon": 401}),
        ("GET", "/api/moderation/reports", None, {"buyer": 403, "staff": 403, "other_staff": 403, "moderator": 200, "anon": 401}),
        ("GET", f"/api/booths/{b}/webhooks", None, {"buyer": 403, "staff": 200, "other_staff": 403, "moderator": 403, "anon": 401}),
        ("GET", "/api/webhooks", None, {"buyer": 403, "staff": 403, "other_staff": 403, "moderator": 403, "anon": 401}),
        ("POST", "/api/webhooks", {"url": "https://crm.example.com/"}, {"buyer": 403, "staff": 403, "other_staff": 403, "moderator": 403, "anon": 401}),
        ("GET", "/api/me", None, {"buyer": 200, "staff": 200, "other_staff": 200, "moderator": 200, "anon": 401}),
        ("GET", "/api/booths", None, {"buyer": 200, "staff": 200, "other_staff": 200, "moderator": 200, "anon": 200}),
        ("GET", f"/api/booths/{b}", None, {"buyer": 200, "staff": 200, "other_staff": 200, "moderator": 200, "anon": 200}),
        ("GET", "/api/translation", None, {"buyer": 200, "staff": 200, "other_staff": 200, "moderator": 200, "anon": 200}),
        ("GET", "/healthz", None, {"buyer": 200, "staff": 200, "other_staff": 200, "moderator": 200, "anon": 200}),
    ]  # fmt: skip
    failures = []
    for method, path, body, expected in matrix:
        for role, status in expected.items():
            token = actors["tokens"].get(role)
            got, data = await fair_server.request(method, path, token, json=body) if body else await fair_server.request(method, path, token)
            if got != status:
                failures.append((method, path, role, status, got, data))
            if got >= 400:
                assert isinstance(data, dict) and data["error"]["code"], (method, path, role, data)
    assert failures == []
