"""The booth page catches up by seq (chat:history): on a seq gap, on chat:resync, after a reconnect.

Messages "lost between nodes" are committed through the domain without being fanned out, which
is exactly what a reader on another node sees while Redis is away; the page must still show them.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, expect

from rooms.users import load_actor
from server import events
from server.keys import FAIR, SIO
from server.rooms_naming import booth_room
from tests.browser_support import Fair, booth, joined
from tests.support import Server, commit_message

pytestmark = pytest.mark.browser

LEEDS = booth("leeds-packaging")


async def _writer(server: Server) -> tuple[Any, int]:
    _, user = await server.supplier(LEEDS.slug)
    assert server.app is not None
    _, actor = await load_actor(server.app[FAIR].db, user["id"])
    return actor, int(user["booth_id"])



async def _texts(page: Page) -> list[str]:
    lines = page.locator("#chat-list .msg")
    return [t.strip() for t in await lines.locator(".msg-text").all_text_contents()]


async def _seqs(page: Page) -> list[int]:
    lines = page.locator("#chat-list .msg")
    return [int(s) for s in await lines.evaluate_all("els => els.map(e => e.dataset.seq)")]


async def test_a_seq_gap_and_a_resync_are_caught_up(fair: Fair, live_server: Server) -> None:
    reader = await fair.guest(f"/booths/{LEEDS.slug}", name="Reader", lang="en")
    await joined(reader)
    actor, booth_id = await _writer(live_server)
    lines = reader.locator("#chat-list .msg")

    await commit_message(live_server, actor, booth_id, "one, delivered", deliver=True)
    await expect(lines).to_have_count(1)
    # Two messages never reach this reader live; the next one shows the gap.
    await commit_message(live_server, actor, booth_id, "two, lost between nodes", deliver=False)
    await commit_message(live_server, actor, booth_id, "three, lost between nodes", deliver=False)
    await commit_message(live_server, actor, booth_id, "four, delivered", deliver=True)
    await expect(lines).to_have_count(4)
    assert await _texts(reader) == [
        "one, delivered",
        "two, lost between nodes",
        "three, lost between nodes",
        "four, delivered",
    ]

    # A booth that goes quiet right after a lost message shows no gap: chat:resync names the seq.
    last = await commit_message(live_server, actor, booth_id, "five, then silence", deliver=False)
    assert live_server.app is not None
    await live_server.app[SIO].emit(
        events.CHAT_RESYNC, {"booth_id": booth_id, "last_seq": last.seq}, room=booth_room(booth_id)
    )
    await expect(lines).to_have_count(5)
    assert (await _texts(reader))[-1] == "five, then silence"
    seqs = await _seqs(reader)
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
    assert fair.errors == []


async def test_after_a_reconnect_the_page_fetches_more_than_the_join_history(
    fair: Fair, live_server: Server
) -> None:
    reader = await fair.guest(f"/booths/{LEEDS.slug}", name="Reader", lang="en")
    await joined(reader)
    actor, booth_id = await _writer(live_server)
    lines = reader.locator("#chat-list .msg")
    await commit_message(live_server, actor, booth_id, "before the drop", deliver=True)
    await expect(lines).to_have_count(1)

    await reader.evaluate("window.boothcastDebug.socket.disconnect()")
    await expect(reader.locator("#conn")).to_have_attribute("data-state", "offline")
    for i in range(70):  # more than the 50 a join's history holds
        await commit_message(live_server, actor, booth_id, f"while away {i}", deliver=True)
    await reader.evaluate("window.boothcastDebug.socket.connect()")
    await expect(reader.locator("#conn")).to_have_attribute("data-state", "online")
    await expect(lines).to_have_count(71)
    texts = await _texts(reader)
    assert texts[0] == "before the drop" and texts[1:] == [f"while away {i}" for i in range(70)]
    seqs = await _seqs(reader)
    assert seqs == sorted(seqs) and len(set(seqs)) == 71
    assert fair.errors == []
