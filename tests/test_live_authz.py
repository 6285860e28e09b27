"""Authorization follows the account: role, booth and ban changes reach sockets that stay open.

The changes are made in the database, as an operator would (there is no API for them); the
sockets that were authorized before keep running and must act as the account is now.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
import socketio
from sqlalchemy import delete, update

from rooms.models import User
from rooms.users import do_create_account
from server.keys import DB, FAIR
from tests.support import Server


async def change_account(s: Server, user_id: int, **values: Any) -> None:
    assert s.app is not None
    async with s.app[DB].session() as ses:
        await ses.execute(update(User).where(User.id == user_id).values(**values))


async def test_a_demoted_moderator_can_no_longer_moderate_on_an_open_socket(fair_server: Server) -> None:
    s = fair_server
    mtok, muser = await s.moderator()
    tok, user = await s.guest("Target", "en")
    booth_id = await s.booth_id("leeds-packaging")
    mod, buyer = await s.client(mtok), await s.client(tok)
    assert (await buyer.call("booth:join", {"booth_id": booth_id}))["ok"]
    sent = await buyer.call("chat:send", {"booth_id": booth_id, "text": "hello"})
    assert (await mod.call("mod:watch", {}))["ok"]
    await change_account(s, muser["id"], role="buyer")
    for event, payload in (
        ("mod:hide", {"message_id": sent["message"]["id"]}),
        ("mod:mute", {"booth_id": booth_id, "user_id": user["id"], "minutes": 5}),
        ("mod:ban", {"user_id": user["id"]}),
        ("mod:watch", {}),
    ):
        ack = await mod.call(event, payload)
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden", (event, ack)
    # Nothing happened to the buyer, and promoting the account back works the same way.
    assert (await buyer.call("chat:send", {"booth_id": booth_id, "text": "still here"}))["ok"]
    await change_account(s, muser["id"], role="moderator")
    assert (await mod.call("mod:hide", {"message_id": sent["message"]["id"]}))["ok"]


@pytest.mark.parametrize("fair_server", [{"inquiry_rate_limit": 100_000}], indirect=True)
async def test_a_supplier_moved_to_another_booth_loses_the_old_one(fair_server: Server) -> None:
    s = fair_server
    stok, sup = await s.supplier("shenzhen-brightway-led")
    old_booth, new_booth = sup["booth_id"], await s.booth_id("valencia-ceramica")
    assert s.app is not None
    await do_create_account(s.app[DB], email="second@brightway.test", password="second-pass-1",
                            role="supplier", booth_slug="shenzhen-brightway-led")  # fmt: skip
    otok, _ = await s.login("second@brightway.test", "second-pass-1")
    btok, _ = await s.guest("Buyer", "en")
    staff, colleague, buyer = await s.client(stok), await s.client(otok), await s.client(btok)
    for c in (staff, colleague, buyer):
        assert (await c.call("booth:join", {"booth_id": old_booth}))["ok"]
    _, booth = await s.get(f"/api/booths/{old_booth}")
    product_id = booth["products"][0]["id"]
    assert (await staff.call("product:pin", {"booth_id": old_booth, "product_id": product_id}))["ok"]

    await change_account(s, sup["id"], booth_id=new_booth)
    # The moved supplier sends nothing, yet soon stops receiving the old booth's leads.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while True:
        ack = await buyer.call("inquiry:submit", {"booth_id": old_booth, "message": "price?",
                                                  "email": "b@buyer.test", "consent": True})  # fmt: skip
        lead_id = ack["lead"]["id"]
        await colleague.events.wait_for("lead:new", lambda d, i=lead_id: d["id"] == i)
        await staff.call("lobby:watch", {})  # a round trip: whatever was sent to it has arrived
        if lead_id not in {d["id"] for d in staff.events.of("lead:new")}:
            break
        assert loop.time() < deadline, "the moved supplier still gets the old booth's leads"
    # Its staff rights are the new booth's, at once.
    refused = await staff.call("product:pin", {"booth_id": old_booth, "product_id": product_id})
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden", refused
    lead = await staff.call("lead:update", {"lead_id": lead_id, "status": "contacted"})
    assert lead["ok"] is False, lead
    assert (await staff.call("booth:join", {"booth_id": new_booth}))["ok"]
    _, booth = await s.get(f"/api/booths/{new_booth}")
    pinned = await staff.call(
        "product:pin", {"booth_id": new_booth, "product_id": booth["products"][0]["id"]}
    )
    assert pinned["ok"], pinned
    assert (await colleague.call("lead:update", {"lead_id": lead_id, "status": "contacted"}))["ok"]


async def test_a_ban_set_in_the_database_closes_open_staff_sockets(fair_server: Server) -> None:
    s = fair_server
    stok, sup = await s.supplier("birmingham-toolworks")
    staff = await s.client(stok)
    assert (await staff.call("booth:join", {"booth_id": sup["booth_id"]}))["ok"]
    await change_account(s, sup["id"], banned_at=datetime.now(UTC))
    await staff.events.wait_for("disconnect", timeout=10)


async def test_a_buyer_banned_or_deleted_in_the_database_loses_the_open_socket(fair_server: Server) -> None:
    """The sweep asks for buyers too, but only what ends a socket: a ban set by hand (not through
    `mod:ban`, so announced nowhere) and an account that no longer exists."""
    s = fair_server
    booth_id = await s.booth_id("leeds-packaging")
    btok, banned = await s.guest("Banned by hand", "en")
    dtok, deleted = await s.guest("Deleted by hand", "en")
    watcher_tok, _ = await s.guest("Stays", "en")
    buyer, gone, watcher = await s.client(btok), await s.client(dtok), await s.client(watcher_tok)
    for c in (buyer, gone, watcher):
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    await change_account(s, banned["id"], banned_at=datetime.now(UTC))
    assert s.app is not None
    async with s.app[DB].session() as ses:
        await ses.execute(delete(User).where(User.id == deleted["id"]))
    await buyer.events.wait_for("user:banned", timeout=10)
    await buyer.events.wait_for("disconnect", timeout=10)
    await gone.events.wait_for("disconnect", timeout=45)  # existence is swept every 30 s
    # Nobody else is touched, and the banned account cannot come back.
    assert (await watcher.call("chat:send", {"booth_id": booth_id, "text": "still here"}))["ok"]
    with pytest.raises(socketio.exceptions.ConnectionError):
        await s.client(btok)
    # The deleted buyer's visit is forgotten, not left to fail every booth's analytics write.
    visits = s.app[FAIR].visits
    assert visits is not None
    await visits.flush()
    assert all(v.user_id != deleted["id"] for v in [*visits._open.values(), *visits._ended])


async def test_a_deleted_buyers_message_is_refused_clearly_and_nobody_elses_fails(fair_server: Server) -> None:
    """Between the delete and the next existence sweep (30 s) the socket is still open: its message
    gets `unauthorized` and the page is told to sign in again, instead of an `internal` error from
    a foreign key; a message committed in the same group as it is not failed with it."""
    s = fair_server
    booth_id = await s.booth_id("leeds-packaging")
    dtok, deleted = await s.guest("Deleted by hand", "en")
    stays_tok, _ = await s.guest("Stays", "es")
    gone, stays = await s.client(dtok), await s.client(stays_tok)
    for c in (gone, stays):
        assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    assert s.app is not None
    async with s.app[DB].session() as ses:
        await ses.execute(delete(User).where(User.id == deleted["id"]))
    refused, kept = await asyncio.gather(
        gone.call("chat:send", {"booth_id": booth_id, "text": "am I still here?"}),
        stays.call("chat:send", {"booth_id": booth_id, "text": "hola, ¿precio por 500 piezas?"}),
    )
    assert refused["ok"] is False and refused["error"]["code"] == "unauthorized", refused
    assert kept["ok"], kept
    assert await gone.events.wait_for("session:ended", timeout=10) == {"reason": "account_gone"}
    await gone.events.wait_for("disconnect", timeout=10)
