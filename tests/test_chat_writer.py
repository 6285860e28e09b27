"""Group commit of chat messages, against the real SQLite and PostgreSQL databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select

from rooms.auth import AuthUser
from rooms.chat_writer import ChatWriter
from rooms.db import Database
from rooms.errors import Muted
from rooms.models import Booth, Message, Mute, User
from rooms.users import actor_of


async def _booth_and_people(db: Database, n: int) -> tuple[int, list[AuthUser]]:
    async with db.session() as s:
        booth_id = (await s.scalars(select(Booth.id).order_by(Booth.id).limit(1))).one()
        users = [User(display_name=f"Buyer {i}", role="buyer", lang="en") for i in range(n)]
        s.add_all(users)
        await s.flush()
        return booth_id, [actor_of(u) for u in users]


def _count_commits(db: Database) -> list[int]:
    commits = [0]

    def on_commit(_conn: Any) -> None:
        commits[0] += 1

    event.listen(db.engine.sync_engine, "commit", on_commit)
    return commits


async def _stored(db: Database, booth_id: int) -> list[Message]:
    async with db.reader() as s:
        q = select(Message).where(Message.booth_id == booth_id).order_by(Message.seq)
        return list((await s.scalars(q)).all())


async def test_a_burst_shares_commits_and_keeps_submission_order(db: Database) -> None:
    booth_id, people = await _booth_and_people(db, 4)
    writer = ChatWriter(db)
    commits = _count_commits(db)
    inserts = [0]

    def on_execute(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        inserts[0] += statement.startswith("INSERT INTO messages")

    event.listen(db.engine.sync_engine, "before_cursor_execute", on_execute)
    sends = [writer.write(people[i % 4], booth_id, f"m{i}", None, "en") for i in range(200)]
    records = await asyncio.gather(*sends)
    await writer.aclose()
    event.remove(db.engine.sync_engine, "before_cursor_execute", on_execute)
    # One INSERT per group, not one per message (SQLite cannot order a multi-row RETURNING).
    assert inserts[0] <= commits[0], (inserts, commits)

    seqs = [r.seq for r in records]
    assert seqs == list(range(seqs[0], seqs[0] + 200)), "seq follows the order messages were sent"
    # The first message commits alone (the booth was idle); the rest wait for it and go together.
    assert commits[0] <= 5, commits
    stored = await _stored(db, booth_id)
    assert [(m.seq, m.text, m.id) for m in stored] == [(r.seq, r.original, r.id) for r in records]
    async with db.reader() as s:
        last_seq = (await s.scalars(select(Booth.last_seq).where(Booth.id == booth_id))).one()
    assert last_seq == seqs[-1]


async def test_a_resend_in_the_same_group_or_later_gets_the_original(db: Database) -> None:
    booth_id, (ana, bo) = await _booth_and_people(db, 2)
    writer = ChatWriter(db)
    first = writer.write(bo, booth_id, "warm-up", None, "en")  # holds the booth busy, so the rest group
    a1 = writer.write(ana, booth_id, "hola", "c-1", "es")
    a2 = writer.write(ana, booth_id, "hola", "c-1", "es")
    b1 = writer.write(bo, booth_id, "hello", "c-1", "en")  # same client_id, other author: a new message
    _, r1, r2, r3 = await asyncio.gather(first, a1, a2, b1)
    assert r1.id == r2.id and r1.seq == r2.seq
    assert r3.id != r1.id
    again = await writer.write(ana, booth_id, "hola", "c-1", "es")
    assert again.id == r1.id
    # Only the first is fanned out: the writer says which ones it did not write.
    assert (r1.resent, r2.resent, r3.resent, again.resent) == (False, True, False, True)
    await writer.aclose()
    assert len(await _stored(db, booth_id)) == 3


async def test_a_muted_author_is_refused_without_failing_the_group(db: Database) -> None:
    booth_id, (ana, bo) = await _booth_and_people(db, 2)
    until = datetime.now(UTC) + timedelta(minutes=10)
    async with db.session() as s:
        s.add(Mute(booth_id=booth_id, user_id=bo.id, until=until, reason="spam"))
        s.add(Mute(booth_id=booth_id, user_id=ana.id, until=datetime.now(UTC) - timedelta(minutes=1)))
    writer = ChatWriter(db)
    outcomes = await asyncio.gather(
        writer.write(ana, booth_id, "one", None, "en"),
        writer.write(bo, booth_id, "spam", None, "en"),
        writer.write(ana, booth_id, "two", None, "en"),
        return_exceptions=True,
    )
    await writer.aclose()
    assert isinstance(outcomes[1], Muted)
    assert outcomes[1].extra["until"].startswith(until.isoformat()[:19])
    texts = [m.text for m in await _stored(db, booth_id)]
    assert texts == ["one", "two"], "an expired mute does not count; the muted message is not stored"


async def test_one_bad_message_fails_alone_and_its_neighbours_commit(db: Database) -> None:
    booth_id, (ana,) = await _booth_and_people(db, 1)
    ghost = AuthUser(id=987_654_321, role="buyer", display_name="Ghost", lang="en")  # no such user row
    writer = ChatWriter(db)
    outcomes = await asyncio.gather(
        writer.write(ana, booth_id, "before", None, "en"),
        writer.write(ana, booth_id, "grouped 1", None, "en"),
        writer.write(ghost, booth_id, "orphan", None, "en"),
        writer.write(ana, booth_id, "grouped 2", None, "en"),
        return_exceptions=True,
    )
    await writer.aclose()
    assert isinstance(outcomes[2], Exception) and not isinstance(outcomes[2], Muted)
    ok = [o for i, o in enumerate(outcomes) if i != 2]
    assert all(not isinstance(o, BaseException) for o in ok), outcomes
    stored = await _stored(db, booth_id)
    assert [m.text for m in stored] == ["before", "grouped 1", "grouped 2"]
    seqs = [m.seq for m in stored]
    assert seqs == sorted(set(seqs))


async def test_an_unknown_booth_is_not_found(db: Database) -> None:
    _, (ana,) = await _booth_and_people(db, 1)
    writer = ChatWriter(db)
    with pytest.raises(Exception) as info:
        await writer.write(ana, 999_999, "hi", None, "en")
    await writer.aclose()
    assert getattr(info.value, "code", None) == "not_found"
    async with db.reader() as s:
        assert (await s.scalar(select(func.count()).select_from(Message))) == 0


async def test_a_sender_that_goes_away_does_not_cancel_the_shared_commit(db: Database) -> None:
    booth_id, (ana, bo) = await _booth_and_people(db, 2)
    writer = ChatWriter(db)
    first = asyncio.create_task(writer.write(ana, booth_id, "first", None, "en"))
    leaving = asyncio.create_task(writer.write(bo, booth_id, "sent, then gone", None, "en"))
    staying = asyncio.create_task(writer.write(ana, booth_id, "stays", None, "en"))
    await asyncio.sleep(0)
    leaving.cancel()
    await first
    kept = await staying
    with pytest.raises(asyncio.CancelledError):
        await leaving
    await writer.aclose()
    stored = await _stored(db, booth_id)
    assert [m.text for m in stored] == ["first", "sent, then gone", "stays"]
    assert stored[-1].id == kept.id
