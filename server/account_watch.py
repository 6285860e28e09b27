"""Authorization that follows the account: a role, booth or ban change reaches open sockets.

A socket is authorized at connect, but an account can change while it stays open: a moderator
demoted to buyer, a supplier moved to another booth, a ban set in the database. So

- every privileged event (`ACCOUNT_CHECKED`) re-reads the account by primary key before it runs,
  as every HTTP request does (`require_user` → `load_actor`): one indexed read on events that
  write to the database anyway, none on the chat hot path;
- every `SWEEP_SECONDS` the accounts behind this node's staff and moderator sockets are re-read
  in one query, so the rooms that push data without being asked (a booth's `lead:new`, the
  moderators' feed) are left as soon as the account no longer allows them, even by a socket
  that sends nothing. A buyer's socket is in no privileged room, so for buyers the sweep asks
  only what ends a socket: bans the database records that this node has not heard of (set by
  hand, not by `mod:ban`), every sweep; and, every 30 s, accounts that no longer exist (ids
  only, one query).

A changed account updates the socket's `Conn` and its rooms; a banned or deleted one is
disconnected. Each node does this for its own sockets, so it holds on every node.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import socketio

from lifecycle.stop import stop
from rooms.auth import AuthUser
from rooms.chat import MODERATORS_BOOTH
from rooms.context import Fair
from rooms.errors import Banned, Unauthorized
from rooms.users import current_actors, existing, load_actor
from server import events
from server.errors import as_unavailable
from server.rooms_naming import mod_room, staff_room

if TYPE_CHECKING:
    from server.connections import Conn, Connections

log = logging.getLogger(__name__)

SWEEP_SECONDS = 2.0
EXISTENCE_SWEEPS = 15  # every 30 s: whether the accounts behind all sockets still exist

# Events whose permission depends on the caller's role or booth (or that put the caller in a
# room by role: joining a booth one is staff of enters its staff room).
ACCOUNT_CHECKED = frozenset({
    events.BOOTH_JOIN, events.INQUIRY_SUBMIT, events.PRODUCT_PIN, events.LEAD_UPDATE,
    events.LEAD_NOTE, events.MOD_WATCH, events.MOD_HIDE, events.MOD_MUTE, events.MOD_BAN, events.MOD_UNBAN,
    events.SLOW_MODE_SET, events.CHAT_REPORT,
})  # fmt: skip


class AccountWatch:
    def __init__(
        self,
        sio: socketio.AsyncServer,
        fair: Fair,
        conns: Connections,
        kick: Callable[[str], Awaitable[None]],
        end_session: Callable[[str, str], Awaitable[None]],
        *,
        sweep_seconds: float = SWEEP_SECONDS,
        load: Callable[[int], Awaitable[AuthUser]] | None = None,
    ) -> None:
        self.sio = sio
        # How an account is re-read (`Banned`/`Unauthorized` when gone): the socket edge shares
        # one query among the events of a join storm (server/join.py).
        self._load = load or self._load_one
        self.fair = fair
        self.conns = conns
        self._kick = kick
        self._end = end_session  # tells the socket why (`session:ended`), then kicks it
        self._sweep_seconds = sweep_seconds
        self._sweeps = 0
        self._task: asyncio.Task[None] | None = None

    async def refresh(self, sid: str, conn: Conn) -> None:
        """Bring `conn` up to date with its account; `banned`/`unauthorized` (and a kick) if gone."""
        try:
            actor = await self._load(conn.user.id)
        except Banned:
            await self._kick(sid)
            raise
        except Unauthorized:
            await self._end(sid, "account_gone")
            raise
        if not await self.apply(sid, conn, actor):
            raise Unauthorized("this session has ended (the password was changed); sign in again")

    async def _load_one(self, user_id: int) -> AuthUser:
        return (await load_actor(self.fair.db, user_id))[1]

    async def apply(self, sid: str, conn: Conn, actor: AuthUser) -> bool:
        """Give `conn` the account's current role and booth, and the rooms they allow. False, and
        the socket told `session:ended` and closed, if the password changed since its token."""
        old = conn.user
        if actor.session_gen != old.session_gen:
            await self._end(sid, "password_changed")
            return False
        if (actor.role, actor.booth_id, actor.display_name) == (old.role, old.booth_id, old.display_name):
            return True
        # The language stays: the socket's per-language rooms were entered with it.
        self.conns.set_user(
            sid, conn, replace(old, role=actor.role, booth_id=actor.booth_id, display_name=actor.display_name)
        )
        for booth_id in sorted(conn.booths):
            if conn.user.is_staff_of(booth_id):
                await self.sio.enter_room(sid, staff_room(booth_id))
            elif old.is_staff_of(booth_id):
                await self.sio.leave_room(sid, staff_room(booth_id))
        if conn.moderating and not conn.user.is_moderator:
            conn.moderating = False
            await self.sio.leave_room(sid, mod_room(old.lang))
            await self.fair.presence.leave(MODERATORS_BOOTH, sid)
        log.info("socket %s of user %s now acts as %s (booth %s)", sid, old.id, actor.role, actor.booth_id)
        # An open console or moderation page shows what the old role allowed: it follows.
        changed = {"role": actor.role, "booth_id": actor.booth_id, "display_name": actor.display_name}
        await self.sio.emit(events.ACCOUNT_UPDATED, changed, to=sid)
        return True

    async def sweep(self) -> None:
        """Re-read the accounts behind this node's staff and moderator sockets (one query); for
        every other socket, only whether its account was banned or deleted (two cheap queries)."""
        await self.fair.bans.check_database()  # its listeners disconnect the banned ones
        # A buyer's socket is in no privileged room, but an account deleted under it must not
        # keep chatting (its messages would fail on the missing author). Every socket's account
        # is a query over thousands of ids, so it runs every EXISTENCE_SWEEPS sweeps, not in every
        # one (measured in a join storm: ~1 KB a connection and a few percent of CPU when it did).
        self._sweeps += 1
        gone: set[int] = set()
        if self._sweeps % EXISTENCE_SWEEPS == 0:
            users = {c.user.id for c in self.conns.by_sid.values()}
            gone = users - await existing(self.fair.db, users)
            for user_id in sorted(gone):
                for sid in self.conns.sids_of_user(user_id):
                    await self._end(sid, "account_gone")
        watched = {c.user.id for c in self.conns.privileged.values()} - gone
        if not watched:
            return
        current = await current_actors(self.fair.db, watched)
        for sid, conn in list(self.conns.privileged.items()):
            if conn.user.id not in current or self.conns.get(sid) is not conn:
                continue
            actor = current[conn.user.id]
            if actor is None:
                await self._kick(sid)
            else:
                await self.apply(sid, conn, actor)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_seconds)
            try:
                await self.sweep()
            except Exception as exc:
                # A database outage fails every sweep alike: logged on the outage budget, one line.
                if as_unavailable(exc) is None:
                    log.exception("re-reading the accounts of open sockets failed")

    async def aclose(self) -> None:
        await stop(self._task, "the account sweep")
