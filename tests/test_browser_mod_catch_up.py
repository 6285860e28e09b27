"""The moderator console's merged feed catches up by seq (web/static/moderate.js): a booth's gap in
`mod:message` seqs and a `mod:resync` are fetched with `mod:history`, in real Chromium."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from rooms import demo_fair
from rooms.users import load_actor
from server import events
from server.keys import FAIR, SIO
from server.rooms_naming import mod_room
from tests.browser_support import Fair, booth
from tests.support import Server, commit_message

pytestmark = pytest.mark.browser

LEEDS = booth("leeds-packaging")



async def _feed(page: Page) -> list[str]:
    return [t.strip() for t in await page.locator("#feed-list li").all_text_contents()]


async def test_the_moderators_feed_fetches_gaps_and_resyncs(fair: Fair, live_server: Server) -> None:
    page = await fair.staff("/moderate", demo_fair.MODERATOR_EMAIL)
    _, user = await live_server.supplier(LEEDS.slug)
    assert live_server.app is not None
    _, actor = await load_actor(live_server.app[FAIR].db, user["id"])
    booth_id = int(user["booth_id"])
    feed = page.locator("#feed-list")

    # Live first (this also shows that mod:watch is done and the page counts seqs).
    await commit_message(live_server, actor, booth_id, "alpha delivered", deliver=True)
    await expect(feed).to_contain_text("alpha delivered", timeout=15_000)

    # Two messages never reach the moderator live (another node, Redis away); the next shows the gap.
    await commit_message(live_server, actor, booth_id, "bravo lost", deliver=False)
    await commit_message(live_server, actor, booth_id, "charlie lost", deliver=False)
    await commit_message(live_server, actor, booth_id, "delta delivered", deliver=True)
    for text in ("bravo lost", "charlie lost", "delta delivered"):
        await expect(feed).to_contain_text(text)

    # A booth that goes quiet after a lost message: mod:resync names its latest seq.
    last = await commit_message(live_server, actor, booth_id, "echo then silence", deliver=False)
    await live_server.app[SIO].emit(
        events.MOD_RESYNC, {"last_seqs": {str(booth_id): last.seq}}, room=mod_room("en")
    )
    await expect(feed).to_contain_text("echo then silence")

    lines = await _feed(page)
    for text in ("alpha delivered", "bravo lost", "charlie lost", "delta delivered", "echo then silence"):
        assert sum(text in line for line in lines) == 1, (text, lines)  # merged once, not twice
    assert fair.errors == []
