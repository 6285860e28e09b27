"""`chat:history`: catch-up by seq through real sockets, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from server import events
from tests.support import Client, Server


async def _booth_with_staff(s: Server) -> tuple[int, Client]:
    stok, sup = await s.supplier()
    staff = await s.client(stok)
    assert (await staff.call(events.BOOTH_JOIN, {"booth_id": sup["booth_id"]}))["ok"]
    return int(sup["booth_id"]), staff


async def _send(c: Client, booth_id: int, text: str) -> dict[str, Any]:
    ack = await c.call(events.CHAT_SEND, {"booth_id": booth_id, "text": text})
    assert ack["ok"], ack
    return dict(ack["message"])


async def test_only_members_who_joined_may_catch_up(fair_server: Server) -> None:
    booth_id, staff = await _booth_with_staff(fair_server)
    await _send(staff, booth_id, "你好")
    tok, _ = await fair_server.guest("Outsider", "en")
    outsider = await fair_server.client(tok)
    ack = await outsider.call(events.CHAT_HISTORY, {"booth_id": booth_id, "after_seq": 0})
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    assert (await outsider.call(events.BOOTH_JOIN, {"booth_id": booth_id}))["ok"]
    assert (await outsider.call(events.CHAT_HISTORY, {"booth_id": booth_id, "after_seq": 0}))["ok"]
    assert (await outsider.call(events.BOOTH_LEAVE, {"booth_id": booth_id}))["ok"]
    ack = await outsider.call(events.CHAT_HISTORY, {"booth_id": booth_id, "after_seq": 0})
    assert ack["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    "payload",
    [
        {"booth_id": 1},
        {"after_seq": 0},
        {"booth_id": 1, "after_seq": -1},
        {"booth_id": 1, "after_seq": "3"},
        {"booth_id": 1, "after_seq": 1.5},
        {"booth_id": 1, "after_seq": 2**53},
        {"booth_id": 1, "after_seq": 0, "limit": 0},
        {"booth_id": 1, "after_seq": 0, "limit": 201},
        {"booth_id": 1, "after_seq": 0, "limit": True},
        {"booth_id": 1, "after_seq": 0, "since": 3},
        {"booth_id": 0, "after_seq": 0},
        {"booth_id": 2**31, "after_seq": 0},
    ],
)
async def test_malformed_requests_are_bad_request(fair_server: Server, payload: dict[str, Any]) -> None:
    tok, _ = await fair_server.guest("Fuzz", "en")
    c = await fair_server.client(tok)
    assert (await c.call(events.BOOTH_JOIN, {"booth_id": 1}))["ok"]
    ack = await c.call(events.CHAT_HISTORY, payload)
    assert ack["ok"] is False and ack["error"]["code"] == "bad_request", ack
    assert c.sio.connected


@pytest.mark.parametrize("fair_server", [{"chat_rate_limit": 0}], indirect=True)
async def test_messages_after_a_seq_oldest_first_paged_hidden_left_out(fair_server: Server) -> None:
    booth_id, staff = await _booth_with_staff(fair_server)
    sent = [await _send(staff, booth_id, f"第 {i} 条") for i in range(12)]
    seqs = [m["seq"] for m in sent]
    mtok, _ = await fair_server.moderator()
    mod = await fair_server.client(mtok)
    assert (await mod.call(events.MOD_HIDE, {"message_id": sent[5]["id"]}))["ok"]
    tok, _ = await fair_server.guest("Reader", "zh")
    reader = await fair_server.client(tok)
    assert (await reader.call(events.BOOTH_JOIN, {"booth_id": booth_id}))["ok"]

    ack = await reader.call(events.CHAT_HISTORY, {"booth_id": booth_id, "after_seq": seqs[2]})
    assert ack["ok"] and ack["booth_id"] == booth_id and ack["more"] is False
    expected = [s for s in seqs[3:] if s != seqs[5]]
    assert [m["seq"] for m in ack["messages"]] == expected
    assert [m["original"] for m in ack["messages"]][:2] == ["第 3 条", "第 4 条"]

    # Paged: `more` until the last page; each page starts after the previous one's last seq.
    got, after = [], seqs[0] - 1
    for _ in range(10):
        page = await reader.call(events.CHAT_HISTORY, {"booth_id": booth_id, "after_seq": after, "limit": 4})
        assert page["ok"] and len(page["messages"]) <= 4
        got += [m["seq"] for m in page["messages"]]
        if not page["more"]:
            break
        after = page["messages"][-1]["seq"]
    assert got == [s for s in seqs if s != seqs[5]]

    # Nothing after the latest seq; a seq past it is fine (a client never gets ahead, but no error).
    for after_seq in (seqs[-1], seqs[-1] + 1000):
        ack = await reader.call(events.CHAT_HISTORY, {"booth_id": booth_id, "after_seq": after_seq})
        assert ack == {"ok": True, "booth_id": booth_id, "messages": [], "more": False}


async def test_caught_up_messages_are_in_the_readers_language_like_live_ones(fair_server: Server) -> None:
    booth_id, staff = await _booth_with_staff(fair_server)
    tok, _ = await fair_server.guest("Ana", "es")
    reader = await fair_server.client(tok)
    assert (await reader.call(events.BOOTH_JOIN, {"booth_id": booth_id}))["ok"]
    before = (await reader.call(events.CHAT_HISTORY, {"booth_id": booth_id, "after_seq": 0}))["messages"]
    after_seq = max([m["seq"] for m in before], default=0)
    sent = await _send(staff, booth_id, "我们的最小起订量是500件。")
    live = await reader.wait_message(lambda m: m["id"] == sent["id"])
    ack = await reader.call(events.CHAT_HISTORY, {"booth_id": booth_id, "after_seq": after_seq})
    assert [m["id"] for m in ack["messages"]] == [sent["id"]]
    caught = ack["messages"][0]
    assert caught["source_lang"] == "zh" and caught["original"] == "我们的最小起订量是500件。"
    for key in ("text", "translated", "uncertain", "seq", "author", "created_at"):
        assert caught[key] == live[key], key
    if caught["translated"]:
        assert "500" in caught["text"] and caught["text"] != caught["original"]


async def test_catching_up_is_rate_limited(fair_server: Server) -> None:
    booth_id, _staff = await _booth_with_staff(fair_server)
    tok, _ = await fair_server.guest("Loop", "en")
    c = await fair_server.client(tok)
    assert (await c.call(events.BOOTH_JOIN, {"booth_id": booth_id}))["ok"]
    codes = []
    for _ in range(40):
        ack = await c.call(events.CHAT_HISTORY, {"booth_id": booth_id, "after_seq": 0})
        codes.append("ok" if ack["ok"] else ack["error"]["code"])
        if not ack["ok"]:
            assert ack["error"]["retry_after"] > 0
            break
    assert codes[:20] == ["ok"] * 20 and codes[-1] == "rate_limited"
