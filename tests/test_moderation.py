"""Moderators hide messages, mute and ban users; every action is audited."""

from __future__ import annotations

import socketio

from tests.support import Client, Server


async def test_hide_removes_message_live_and_from_history(fair_server: Server) -> None:
    tok, _ = await fair_server.guest("Spammer", "en")
    stok, sup = await fair_server.supplier()
    mtok, _ = await fair_server.moderator()
    booth_id = sup["booth_id"]
    buyer, staff, mod = await fair_server.client(tok), await fair_server.client(stok), await fair_server.client(mtok)
    for c in (buyer, staff):
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    watch = await mod.call("mod:watch", {})
    assert watch["ok"] and len(watch["booths"]) >= 6
    ack = await buyer.call("chat:send", {"booth_id": booth_id, "text": "buy cheap watches at spam.example"})
    fed = await mod.events.wait_for("mod:message", lambda m: m["id"] == ack["message"]["id"])
    assert fed["booth_id"] == booth_id
    hide = await mod.call("mod:hide", {"message_id": ack["message"]["id"], "reason": "spam"})
    assert hide == {"ok": True}
    gone = await staff.events.wait_for("chat:hidden")
    assert gone == {"booth_id": booth_id, "message_id": ack["message"]["id"]}
    await buyer.events.wait_for("chat:hidden")
    tok2, _ = await fair_server.guest("Later", "en")
    later = await fair_server.client(tok2)
    join = await later.call("booth:join", {"booth_id": booth_id})
    assert all(m["id"] != ack["message"]["id"] for m in join["history"])
    _status, body = await fair_server.get("/api/moderation/audit", mtok)
    assert body["entries"][0]["action"] == "hide" and body["entries"][0]["message_id"] == ack["message"]["id"]


async def test_mute_blocks_chat_in_that_booth_only(fair_server: Server) -> None:
    tok, user = await fair_server.guest("Loud", "en")
    mtok, _ = await fair_server.moderator()
    booth_id = await fair_server.booth_id("birmingham-toolworks")
    other_booth = await fair_server.booth_id("leeds-packaging")
    buyer, mod = await fair_server.client(tok), await fair_server.client(mtok)
    for b in (booth_id, other_booth):
        assert (await buyer.call("booth:join", {"booth_id": b}))["ok"]
    ack = await mod.call("mod:mute", {"booth_id": booth_id, "user_id": user["id"], "minutes": 10, "reason": "caps"})
    assert ack["ok"] and ack["until"]
    note = await buyer.events.wait_for("user:muted")
    assert note["booth_id"] == booth_id
    refused = await buyer.call("chat:send", {"booth_id": booth_id, "text": "HELLO"})
    assert refused["error"]["code"] == "muted" and refused["error"]["until"]
    assert (await buyer.call("chat:send", {"booth_id": other_booth, "text": "hello"}))["ok"]


async def test_ban_disconnects_and_refuses_reconnect_and_login(fair_server: Server) -> None:
    tok, user = await fair_server.guest("Troll", "en")
    mtok, _ = await fair_server.moderator()
    buyer, mod = await fair_server.client(tok), await fair_server.client(mtok)
    assert (await mod.call("mod:ban", {"user_id": user["id"], "reason": "abuse"}))["ok"]
    assert (await buyer.events.wait_for("user:banned")) == {"reason": "abuse"}
    await buyer.events.wait_for("disconnect")
    again = Client(fair_server.url, tok)
    try:
        await again.connect()
        raise AssertionError("a banned user connected")
    except socketio.exceptions.ConnectionError:
        assert again.events.of("connect_error")[0]["data"]["code"] == "banned"
    status, body = await fair_server.get("/api/me", tok)
    assert status == 403 and body["error"]["code"] == "banned"
    status, body = await fair_server.get("/api/moderation/audit", mtok)
    entry = body["entries"][0]
    assert entry["action"] == "ban" and entry["target_user"] == {"id": user["id"], "display_name": "Troll"}


async def test_moderators_cannot_be_muted_or_banned_and_unknown_ids(fair_server: Server) -> None:
    mtok, muser = await fair_server.moderator()
    mod = await fair_server.client(mtok)
    assert (await mod.call("mod:ban", {"user_id": muser["id"]}))["error"]["code"] == "bad_request"
    assert (await mod.call("mod:ban", {"user_id": 999999}))["error"]["code"] == "not_found"
    assert (await mod.call("mod:hide", {"message_id": 999999}))["error"]["code"] == "not_found"
    booth_id = await fair_server.booth_id("leeds-packaging")
    bad = await mod.call("mod:mute", {"booth_id": booth_id, "user_id": 999999, "minutes": 5})
    assert bad["error"]["code"] == "not_found"
    bad = await mod.call("mod:mute", {"booth_id": booth_id, "user_id": muser["id"], "minutes": 0})
    assert bad["error"]["code"] == "bad_request"
