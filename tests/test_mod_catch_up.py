"""The moderators' merged feed catches up by seq, like a booth's chat: `mod:history`, `mod:resync`
and `mod:watch`'s `last_seqs` (docs/protocol.md, *Catch-up*)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from rooms import chat
from rooms.users import load_actor
from server import events
from server.keys import FAIR
from tests.redis_server import OwnRedis
from tests.support import Server, commit_message, database_from_template, node_processes

SLUG = "valencia-ceramica"


async def test_mod_history_gives_a_booths_messages_after_a_seq_to_moderators_only(
    live_server: Server,
) -> None:
    s = live_server
    booth_id = await s.booth_id(SLUG)
    btok, _ = await s.guest("Ana", "es")
    mtok, _ = await s.moderator()
    buyer, mod = await s.client(btok), await s.client(mtok)
    watch = await mod.call(events.MOD_WATCH, {})
    assert watch["ok"]
    start = watch["last_seqs"][str(booth_id)]
    assert isinstance(start, int)
    assert (await buyer.call(events.BOOTH_JOIN, {"booth_id": booth_id}))["ok"]
    seqs = []
    for i in range(5):
        ack = await buyer.call(events.CHAT_SEND, {"booth_id": booth_id, "text": f"hola {i}"})
        assert ack["ok"], ack
        seqs.append(ack["message"]["seq"])
    assert seqs == list(range(start + 1, start + 6))  # the count mod:watch started is the booth's

    got = await mod.call(events.MOD_HISTORY, {"booth_id": booth_id, "after_seq": seqs[1], "limit": 2})
    assert got["ok"] and got["more"] is True, got
    assert [m["seq"] for m in got["messages"]] == seqs[2:4]
    assert all(m["booth_id"] == booth_id and "filter_hits" in m and "original" in m for m in got["messages"])
    rest = await mod.call(events.MOD_HISTORY, {"booth_id": booth_id, "after_seq": seqs[3]})
    assert [m["seq"] for m in rest["messages"]] == seqs[4:] and rest["more"] is False

    # Not a moderator: refused, whether or not they joined the booth.
    denied = await buyer.call(events.MOD_HISTORY, {"booth_id": booth_id, "after_seq": 0})
    assert denied["ok"] is False and denied["error"]["code"] == "forbidden", denied
    bad = await mod.call(events.MOD_HISTORY, {"booth_id": booth_id, "after_seq": -1})
    assert bad["error"]["code"] == "bad_request", bad


@pytest.fixture
async def cluster(
    templates: Callable[[str], str], tmp_path: Path, models_dir: Path
) -> AsyncIterator[tuple[OwnRedis, Server, Server]]:
    redis = OwnRedis(tmp_path)
    await redis.start()
    url, drop = await database_from_template(
        "postgres", await asyncio.to_thread(templates, "postgres"), tmp_path
    )
    try:
        async with node_processes(tmp_path, models_dir, url, redis.url, "bcmodcu-") as nodes:
            yield redis, nodes[0][1], nodes[1][1]
    finally:
        if redis.proc is not None:
            redis.kill()
        await drop()


@pytest.mark.postgres
@pytest.mark.redis
async def test_a_moderator_on_another_node_catches_up_what_a_redis_outage_kept_away(
    cluster: tuple[OwnRedis, Server, Server],
) -> None:
    redis, a, b = cluster
    booth_id = await a.booth_id(SLUG)
    btok, _ = await a.guest("Ana", "es")
    buyer = await a.client(btok)
    assert (await buyer.call(events.BOOTH_JOIN, {"booth_id": booth_id}))["ok"]
    mtok, _ = await b.moderator()
    mod = await b.client(mtok)
    watch = await mod.call(events.MOD_WATCH, {})
    assert watch["ok"], watch
    known = watch["last_seqs"][str(booth_id)]

    def live() -> dict[int, dict[str, Any]]:
        return {m["seq"]: m for m in mod.events.of(events.MOD_MESSAGE) if m["booth_id"] == booth_id}

    async def send(text: str) -> int:
        ack = await buyer.call(events.CHAT_SEND, {"booth_id": booth_id, "text": text})
        assert ack["ok"], ack
        return int(ack["message"]["seq"])

    # Across nodes, live.
    first = await send("antes")
    await mod.events.wait_for(events.MOD_MESSAGE, lambda m: m["seq"] == first, 30)

    # Redis away: node a keeps acking, node b's moderator hears nothing of it.
    redis.kill()
    during = [await send(f"durante {i}") for i in range(4)]
    # Node a fans a booth's messages out one after another, the moderator feed last. Once the buyer
    # on node a has the last one, every push to node b was tried while Redis was away: restarting
    # it any sooner lets a fan-out that waited on Redis's timeouts publish after all.
    for seq in during:
        await buyer.events.wait_for(events.CHAT_MESSAGE, lambda m, seq=seq: m["seq"] == seq, 60)
    await redis.start()

    # The node that comes back says where every booth is; the moderator fetches the gap.
    resync = await mod.events.wait_for(
        events.MOD_RESYNC, lambda r: r["last_seqs"].get(str(booth_id), 0) >= during[-1], 60
    )
    assert resync["last_seqs"][str(booth_id)] >= during[-1]
    missed = set(during) - set(live())
    assert missed, "the outage was not exercised: every message arrived live"
    caught: dict[int, dict[str, Any]] = {}
    after = known
    while True:
        got = await mod.call(events.MOD_HISTORY, {"booth_id": booth_id, "after_seq": after})
        assert got["ok"], got
        caught.update({m["seq"]: m for m in got["messages"]})
        if not got["more"]:
            break
        after = got["messages"][-1]["seq"]
    assert {first, *during} <= set(caught) | set(live())
    assert missed <= set(caught)
    assert all("filter_hits" in m for m in caught.values())


async def test_a_message_committed_while_mod_watch_answers_is_fetched_not_counted_as_shown(
    live_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    # mod:watch reads `recent` and `last_seqs` one after the other; a message committed between the
    # two (its push lost: another node, Redis away) must be past `last_seqs`, where the page's gap
    # check fetches it, and not inside the count with no line shown (the browser test saw this).
    s = live_server
    assert s.app is not None
    _, user = await s.supplier(SLUG)
    _, actor = await load_actor(s.app[FAIR].db, user["id"])
    booth_id = int(user["booth_id"])
    committed: list[int] = []
    original = chat.recent_messages

    async def recent_then_a_commit(*args: Any, **kwargs: Any) -> Any:
        out = await original(*args, **kwargs)
        committed.append((await commit_message(s, actor, booth_id, "between the reads", deliver=False)).seq)
        return out

    monkeypatch.setattr(chat, "recent_messages", recent_then_a_commit)
    mtok, _ = await s.moderator()
    watch = await (await s.client(mtok)).call(events.MOD_WATCH, {})
    assert watch["ok"] and committed
    shown = {m["seq"] for m in watch["recent"] if m["booth_id"] == booth_id}
    assert committed[0] not in shown
    assert watch["last_seqs"][str(booth_id)] < committed[0]
