"""A resend with the same `client_id` (a retry after a lost ack) is acked alike and delivered once."""

from __future__ import annotations

import asyncio

from tests.support import Server


async def test_a_resend_is_delivered_once(fair_server: Server) -> None:
    s = fair_server
    booth_id = await s.booth_id("foshan-comfort-seating")
    atok, _ = await s.guest("Sender", "en")
    vtok, _ = await s.guest("Viewer", "es")
    sender, viewer = await s.client(atok), await s.client(vtok, batch=True)
    for c in (sender, viewer):
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    first = await sender.call("chat:send", {"booth_id": booth_id, "text": "MOQ 500?", "client_id": "k-1"})
    again = await sender.call("chat:send", {"booth_id": booth_id, "text": "MOQ 500?", "client_id": "k-1"})
    # Two at once, as a client retrying over a flaky link may do.
    both = await asyncio.gather(*(
        sender.call("chat:send", {"booth_id": booth_id, "text": "samples?", "client_id": "k-2"}) for _ in range(2)
    ))  # fmt: skip
    assert first["ok"] and again["message"] == first["message"]
    assert both[0]["message"] == both[1]["message"]
    after = await sender.call("chat:send", {"booth_id": booth_id, "text": "thanks", "client_id": "k-3"})
    # Fan-out keeps seq order per booth, so once the last one is in, any copy would be too.
    for c in (sender, viewer):
        await c.wait_message(lambda m: m["id"] == after["message"]["id"])
        ids = [m["id"] for m in c.messages()]
        assert ids.count(first["message"]["id"]) == 1, ids
        assert ids.count(both[0]["message"]["id"]) == 1, ids
