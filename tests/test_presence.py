"""Presence: live viewer counts and the languages present, pushed to the booth's staff."""

from __future__ import annotations

from tests.support import Server


async def test_viewers_and_languages_are_pushed_to_staff(fair_server: Server) -> None:
    stok, sup = await fair_server.supplier()
    booth_id = sup["booth_id"]
    staff = await fair_server.client(stok)
    assert (await staff.call("booth:join", {"booth_id": booth_id}))["ok"]
    buyers = []
    for name, lang in (("Ana", "es"), ("Bob", "en"), ("Eva", "es")):
        tok, _ = await fair_server.guest(name, lang)
        c = await fair_server.client(tok)
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
        buyers.append(c)
    # The audience only: the supplier on their own booth is not a viewer (nor is a moderator).
    mtok, _ = await fair_server.moderator()
    mod = await fair_server.client(mtok)
    assert (await mod.call("booth:join", {"booth_id": booth_id}))["ok"]
    up = await staff.events.wait_for("presence:update", lambda d: d["viewers"] == 3)
    assert up["languages"] == {"es": 2, "en": 1}
    # `wait_for` scans from the first event: a push sent while only Ana and Bob had joined also
    # says 2 viewers (under load the 1 s push can fall between joins). Only pushes after the leave count.
    staff.events.items.clear()
    await buyers[1].close()
    up = await staff.events.wait_for("presence:update", lambda d: d["viewers"] == 2)
    assert up["languages"] == {"es": 2}
    _, listing = await fair_server.get("/api/booths")
    assert next(b for b in listing if b["id"] == booth_id)["viewers"] == 2
    # Staff are still read for: a Spanish buyer's message reaches the Chinese supplier translated.
    sent = await buyers[0].call("chat:send", {"booth_id": booth_id, "text": "¿Cuál es el pedido mínimo?"})
    got = await staff.wait_message(lambda m: m["id"] == sent["message"]["id"])
    assert got["translated"] is True and got["text"] != got["original"]


async def test_lobby_watchers_get_booth_state(fair_server: Server) -> None:
    tok, _ = await fair_server.guest("Lobby", "en")
    lobby = await fair_server.client(tok)
    ack = await lobby.call("lobby:watch", {})
    assert ack["ok"] and {b["slug"] for b in ack["booths"]} >= {"yiwu-caseworks", "valencia-ceramica"}
    booth_id = await fair_server.booth_id("yiwu-caseworks")
    tok2, _ = await fair_server.guest("Viewer", "es")
    v = await fair_server.client(tok2)
    await v.call("booth:join", {"booth_id": booth_id})
    state = await lobby.events.wait_for("booth:state", lambda d: d["booth_id"] == booth_id and d["viewers"] == 1)
    assert state["languages"] == {"es": 1}
