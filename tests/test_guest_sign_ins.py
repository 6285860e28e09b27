"""Guest sign-ins in groups: a crowd of new buyers shares commits, each gets its own account."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from sqlalchemy import event, select

from rooms.db import Database
from rooms.group_commit import GroupCommit
from rooms.models import User
from rooms.users import GuestIn, GuestSignIns
from tests.support import Server


async def test_a_crowd_of_sign_ins_shares_commits_and_each_gets_its_own_account(db: Database) -> None:
    guests = GuestSignIns(db)
    statements: list[str] = []
    commits = [0]

    def on_execute(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    def on_commit(_conn: Any) -> None:
        commits[0] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", on_execute)
    event.listen(db.engine.sync_engine, "commit", on_commit)
    crowd = [GuestIn(f"Buyer {i}", ("es", "en", "zh")[i % 3], f"Co {i}" if i % 2 else None, f"C{i % 7}")
             for i in range(300)]  # fmt: skip
    users = await asyncio.gather(*(guests.sign_in(g) for g in crowd))
    await guests.aclose()
    event.remove(db.engine.sync_engine, "before_cursor_execute", on_execute)
    event.remove(db.engine.sync_engine, "commit", on_commit)

    # The first sign-in commits alone (nothing was in flight); the rest wait for it and go together.
    assert commits[0] <= 5, commits
    assert guests.group.commits == commits[0]
    # One INSERT per group: without the users table's insert sentinel, SQLite would take one per row.
    inserts = [s for s in statements if s.startswith("INSERT INTO users")]
    assert len(inserts) <= commits[0], (len(inserts), commits)

    # Each caller got its own account, as stored.
    assert [(u.display_name, u.lang, u.company, u.country, u.role) for u in users] == [
        (g.display_name, g.lang, g.company, g.country, "buyer") for g in crowd
    ]
    assert len({u.id for u in users}) == len(users)
    async with db.reader() as s:
        stored = {u.id: u for u in await s.scalars(select(User).where(User.id.in_([u.id for u in users])))}
    assert {u.id: (u.display_name, u.lang, u.country) for u in users} == {
        i: (u.display_name, u.lang, u.country) for i, u in stored.items()
    }
    assert all(u.created_at is not None for u in stored.values())


async def test_a_failing_group_is_retried_one_by_one_and_only_the_bad_item_fails() -> None:
    calls: list[list[int]] = []
    gate = asyncio.Event()

    async def commit(items: list[int]) -> list[int]:
        calls.append(items)
        await gate.wait()
        if any(i < 0 for i in items):
            raise ValueError("a bad row")
        return [i * 10 for i in items]

    group: GroupCommit[int, int] = GroupCommit(commit, what="numbers")
    first = asyncio.create_task(group.submit(1))
    await asyncio.sleep(0)
    # These arrive while the first commit is in flight: they share the next one.
    rest = [asyncio.create_task(group.submit(i)) for i in (2, -3, 4)]
    leaver = asyncio.create_task(group.submit(5))
    await asyncio.sleep(0)
    leaver.cancel()  # a caller that goes away does not cancel its neighbours' commit
    gate.set()
    assert await first == 10
    results = await asyncio.gather(*rest, return_exceptions=True)
    assert results[0] == 20 and results[2] == 40
    assert isinstance(results[1], ValueError)
    with pytest.raises(asyncio.CancelledError):
        await leaver
    await group.aclose()
    assert calls[:2] == [[1], [2, -3, 4, 5]]
    assert sorted(map(tuple, calls[2:])) == [(-3,), (2,), (4,), (5,)]
    assert group.commits == 6


async def test_sign_ins_through_http_each_get_a_token_for_their_own_account(fair_server: Server) -> None:
    async def sign_in(h: aiohttp.ClientSession, i: int) -> tuple[int, str, dict[str, Any]]:
        body = {"display_name": f"Crowd {i}", "lang": ("es", "en")[i % 2]}
        async with h.post(fair_server.url + "/api/auth/guest", json=body) as r:
            assert r.status == 200, await r.text()
            data = await r.json()
        async with h.get(fair_server.url + "/api/me", headers={"Authorization": f"Bearer {data['token']}"}) as r:
            assert r.status == 200, await r.text()
            return i, data["user"]["display_name"], (await r.json())["user"]

    async with aiohttp.ClientSession() as h:
        done = await asyncio.gather(*(sign_in(h, i) for i in range(40)))
    for i, name, me in done:
        assert name == f"Crowd {i}"
        assert (me["display_name"], me["lang"], me["role"]) == (f"Crowd {i}", ("es", "en")[i % 2], "buyer")
    assert len({me["id"] for _, _, me in done}) == 40


async def test_names_that_would_read_as_something_else_are_refused(fair_server: Server) -> None:
    """A name is shown beside every message and on the supplier's leads: a bidi override (that
    shows "Admin" backwards) or a line separator (a fake second line) is a 400, not stored; any
    script, punctuation and emoji are fine."""
    for name in ("Ana\u202eenimda", "Ana\nModerator: pay here", "Li\u2028Wei", "Bob\u2067x\u2069", "\x07Bell"):
        status, body = await fair_server.post("/api/auth/guest", {"display_name": name, "lang": "en"})
        assert status == 400 and body["error"]["code"] == "bad_request", (name, body)
        assert "control characters" in body["error"]["message"]
    status, body = await fair_server.post(
        "/api/auth/guest", {"display_name": "Ana", "lang": "es", "company": "Acme\u202eSA"}
    )
    assert status == 400 and "company" in body["error"]["message"]
    for name in ("محمد الأحمد", "王小明 (深圳)", "José «Pepe» Núñez 🙂", "O'Brien & Sons"):
        status, body = await fair_server.post("/api/auth/guest", {"display_name": name, "lang": "en"})
        assert status == 200 and body["user"]["display_name"] == name, body


async def test_names_that_pass_for_the_fairs_own_people_are_refused(fair_server: Server) -> None:
    """A guest "Admin" wrote "Official notice from Admin: … send payment to …" and buyers read it
    (a user try). Names claiming a role or an office are refused, in the fair's languages; a word
    that only contains one ("Badminton") and ordinary names are fine."""
    for name in ("Admin", "Moderator (staff)", "Brightway 明途 Official", "الإدارة", "官方客服", "ＡＤＭＩＮ",
                 "admin_01", "Soporte Oficial", "Модератор", "관리자", "Boothcast Team"):  # fmt: skip
        status, body = await fair_server.post("/api/auth/guest", {"display_name": name, "lang": "en"})
        assert status == 400 and body["error"]["reason"] == "staff_name", (name, body)
        assert body["error"]["field"] == "display_name"
    for name in ("Badminton Supplies", "Ana Moderna", "Li Guan (官员? no)", "Officina Rossi", "Adminis Kft"):
        status, body = await fair_server.post("/api/auth/guest", {"display_name": name, "lang": "en"})
        assert status == 200, (name, body)
