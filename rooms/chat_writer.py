"""Group commit for chat: a booth's queued messages share one transaction.

A commit costs the same whether it carries one message or a hundred (the fsync and the round
trips dominate), so during a burst each message paying for its own commit made the commit path
the bottleneck of the whole room. Here a booth's first message commits at once when the booth
is idle; messages that arrive while a commit is in flight wait for it and then go together:
one seq range from one `UPDATE … RETURNING`, one bulk insert, one commit. Every sender still
gets its record only after that commit, so "acked means stored" holds, and a failure in one
group is retried message by message so one bad row cannot fail its neighbours.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import live_lookup
from rooms.auth import AuthUser
from rooms.db import Database
from rooms.db_outage import unavailable_from
from rooms.errors import DomainError, Muted, NotFound, Unauthorized
from rooms.models import Booth, Message, Mute, User
from rooms.payloads import ChatRecord, iso
from rooms.phrases import StoredPhrase

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Draft:
    """A validated message waiting for its commit."""

    actor: AuthUser
    text: str
    client_id: str | None
    source_lang: str
    at: datetime
    done: asyncio.Future[ChatRecord] = field(repr=False)
    phrase: StoredPhrase | None = None


def author_of(actor: AuthUser, booth_id: int) -> dict[str, Any]:
    # `staff`: the booth's own staff. A supplier of another booth is a visitor here: pages badge
    # the exhibitor by this, not by the role, so nobody passes for them.
    return {"id": actor.id, "display_name": actor.display_name, "role": actor.role,
            "staff": actor.is_staff_of(booth_id)}  # fmt: skip


class ChatWriter:
    def __init__(self, db: Database, max_group: int = 500) -> None:
        self._db = db
        self._max_group = max_group
        self._queues: dict[int, list[Draft]] = {}
        self._drains: dict[int, asyncio.Task[None]] = {}
        # Called with each group commit's seconds (the server's metrics); failures included.
        self.on_commit: Callable[[float], None] | None = None

    async def write(
        self,
        actor: AuthUser,
        booth_id: int,
        text: str,
        client_id: str | None,
        source_lang: str,
        *,
        phrase: StoredPhrase | None = None,
    ) -> ChatRecord:
        """Commit one message (with the booth's next seq) and return it once it is stored.

        A resend (the author's `client_id` is stored already, or twice in one group) returns the
        stored message with `resent=True` and writes nothing: the caller acks it the same way and
        must not fan it out again.
        """
        loop = asyncio.get_running_loop()
        draft = Draft(actor, text, client_id, source_lang, datetime.now(UTC), loop.create_future(), phrase)
        self._queues.setdefault(booth_id, []).append(draft)
        if booth_id not in self._drains:
            # A fresh context: the drain serves every sender, so it must not inherit the first
            # sender's context variables (such as being inside a write transaction already).
            self._drains[booth_id] = asyncio.create_task(self._drain(booth_id), context=contextvars.Context())
        # Shielded: a sender that goes away must not cancel a commit its neighbours share.
        try:
            return await asyncio.shield(draft.done)
        except asyncio.CancelledError:
            draft.done.add_done_callback(_nobody_waits)
            raise

    async def _drain(self, booth_id: int) -> None:
        queue = self._queues[booth_id]
        group: list[Draft] = []
        try:
            while queue:
                group = queue[: self._max_group]
                del queue[: self._max_group]
                await self._commit_group(booth_id, group)
        finally:
            # Only when cancelled at shutdown: nobody will commit these, so nobody may wait.
            for draft in group + queue:
                if not draft.done.done():
                    draft.done.cancel()
            del self._drains[booth_id]
            del self._queues[booth_id]

    async def _commit_group(self, booth_id: int, group: list[Draft]) -> None:
        outcomes: list[ChatRecord | Exception]
        started = time.monotonic()
        try:
            async with self._db.session() as s:
                outcomes = await _insert_group(s, booth_id, group)
        except DomainError as err:
            outcomes = [err] * len(group)
        except Exception as exc:
            if unavailable_from(exc) is not None:
                # A database outage: one by one would fail alike. Senders get `unavailable`.
                outcomes = [exc] * len(group)
            elif len(group) == 1:
                log.exception("committing a chat message failed")
                outcomes = [exc]
            else:
                log.warning("a group of %d messages failed; committing them one by one", len(group))
                for draft in group:
                    await self._commit_group(booth_id, [draft])
                return
        if self.on_commit is not None:
            self.on_commit(time.monotonic() - started)
        for draft, outcome in zip(group, outcomes, strict=True):
            _settle(draft, outcome)

    async def aclose(self) -> None:
        """Let queued messages commit (their senders are waiting), then stop."""
        for task in list(self._drains.values()):
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, 10)


def _nobody_waits(done: asyncio.Future[ChatRecord]) -> None:
    # The sender left; a failure was logged by the writer and must not be reported again as
    # "exception never retrieved".
    if not done.cancelled():
        done.exception()


def _settle(draft: Draft, outcome: ChatRecord | BaseException) -> None:
    if draft.done.done():
        return
    if isinstance(outcome, BaseException):
        draft.done.set_exception(outcome)
    else:
        draft.done.set_result(outcome)


async def _insert_group(s: AsyncSession, booth_id: int, group: list[Draft]) -> list[ChatRecord | Exception]:
    """Insert the group's new messages in one transaction; one outcome per draft, in order."""
    now = datetime.now(UTC)
    authors = {d.actor.id for d in group}
    resent = await _already_stored(s, booth_id, group)
    present, muted = await _authors(s, booth_id, authors, now)

    outcomes: list[ChatRecord | Exception | None] = []
    fresh: list[int] = []  # indexes into group of the drafts to insert
    first_of: dict[tuple[int, str], int] = {}  # a client_id sent twice in one group
    twins: list[tuple[int, int]] = []
    for i, d in enumerate(group):
        key = (d.actor.id, d.client_id) if d.client_id is not None else None
        if key is not None and key in resent:
            # A client resending after a reconnect gets its original message back, not a copy.
            outcomes.append(replace(ChatRecord.of(resent[key], author_of(d.actor, booth_id)), resent=True))
        elif key is not None and key in first_of:
            outcomes.append(None)
            twins.append((i, first_of[key]))
        elif d.actor.id not in present:
            # Deleted under an open socket (the account sweep closes it within 30 s): a clear
            # refusal, not a foreign-key failure that would fail the whole group.
            outcomes.append(Unauthorized("unknown user; sign in again"))
        elif d.actor.id in muted:
            outcomes.append(Muted("you are muted in this booth", until=iso(muted[d.actor.id])))
        else:
            if key is not None:
                first_of[key] = i
            outcomes.append(None)
            fresh.append(i)

    if fresh:
        last_seq = (
            await s.execute(
                update(Booth)
                .where(Booth.id == booth_id)
                .values(last_seq=Booth.last_seq + len(fresh))
                .returning(Booth.last_seq)
            )
        ).scalar_one_or_none()
        if last_seq is None:
            raise NotFound("no such booth")
        live = await live_lookup.live_start(s, booth_id)
        first_seq = last_seq - len(fresh) + 1
        rows = []
        for n, i in enumerate(fresh):
            d = group[i]
            rows.append(
                {
                    "booth_id": booth_id,
                    "seq": first_seq + n,
                    "author_id": d.actor.id,
                    "source_lang": d.source_lang,
                    "text": d.text,
                    "client_id": d.client_id,
                    "session_id": live[0] if live else None,
                    "stream_offset_ms": live_lookup.offset_ms(live[1], d.at) if live else None,
                    "created_at": d.at,
                    "phrase_id": d.phrase.id if d.phrase else None,
                    "phrase_params": d.phrase.to_json() if d.phrase else None,
                }
            )
        # Ids matched by seq (unique in the booth), not by RETURNING's order: SQLite cannot order
        # a multi-row INSERT's RETURNING, so asking for that order costs an INSERT per message.
        returned = await s.execute(insert(Message).returning(Message.seq, Message.id), rows)
        ids: dict[int, int] = {seq: msg_id for seq, msg_id in returned}
        for n, (i, row) in enumerate(zip(fresh, rows, strict=True)):
            outcomes[i] = ChatRecord.of(Message(id=ids[first_seq + n], **row), author_of(group[i].actor, booth_id))
    for i, first in twins:
        original = outcomes[first]
        outcomes[i] = replace(original, resent=True) if isinstance(original, ChatRecord) else original
    return [o if o is not None else RuntimeError("message not written") for o in outcomes]


async def _already_stored(
    s: AsyncSession, booth_id: int, group: list[Draft]
) -> dict[tuple[int, str], Message]:
    keys = {(d.actor.id, d.client_id) for d in group if d.client_id is not None}
    if not keys:
        return {}
    q = select(Message).where(
        Message.booth_id == booth_id, tuple_(Message.author_id, Message.client_id).in_(keys)
    )
    return {(m.author_id, m.client_id): m for m in (await s.scalars(q)) if m.client_id is not None}


async def _authors(
    s: AsyncSession, booth_id: int, authors: set[int], now: datetime
) -> tuple[set[int], dict[int, datetime]]:
    """Which authors still have an account, and until when each muted one is muted; one query."""
    q = (
        select(User.id, func.max(Mute.until))
        .outerjoin(Mute, and_(Mute.user_id == User.id, Mute.booth_id == booth_id, Mute.until > now))
        .where(User.id.in_(authors))
        .group_by(User.id)
    )
    rows = (await s.execute(q)).all()
    return {int(uid) for uid, _ in rows}, {int(uid): until for uid, until in rows if until is not None}
