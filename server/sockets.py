"""The Socket.IO edge: connect auth, one strict model per event, acks, rooms.

Every handler answers `{ok: true, ...}` or `{ok: false, error: {code, message}}`; an exception in
one handler becomes an `internal` error ack and never takes the connection down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import socketio
from aiohttp import web
from pydantic import BaseModel, ValidationError

from rooms import chat, chat_gate, moderation
from rooms.auth import Tokens, session_actor
from rooms.chat import MODERATORS_BOOTH, staff_presence
from rooms.context import Fair
from rooms.errors import BadRequest, Banned, DomainError, Forbidden, Unauthorized
from rooms.filter_store import moderator_payload
from rooms.payloads import iso
from server import chat_compose, events, schemas
from server.account_watch import ACCOUNT_CHECKED, AccountWatch
from server.booth_pushes import BoothPushes
from server.connections import Conn, Connections, require_joined
from server.errors import as_unavailable, error_ack, from_validation, internal
from server.fanout import ChatFanout
from server.http_edge import address_key
from server.join import JoinPath
from server.lead_sockets import LeadSockets
from server.log_format import SOCKET_ID
from server.metrics import Metrics
from server.mod_catch_up import ModCatchUp
from server.moderation_sockets import ModerationPush
from server.rooms_naming import booth_room, lang_room, mod_room, staff_room, user_room
from server.tasks import Tasks
from server.wire import FastRedisManager

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
K = TypeVar("K")
Ack = dict[str, Any]


class SocketApi:
    def __init__(
        self,
        sio: socketio.AsyncServer,
        fair: Fair,
        tokens: Tokens,
        fanout: ChatFanout,
        conns: Connections,
        *,
        metrics: Metrics | None = None,
    ) -> None:
        self.sio = sio
        self.metrics = metrics
        self.fair = fair
        self.tokens = tokens
        self.fanout = fanout
        self.conns = conns
        self.pushes = BoothPushes(sio, fair)  # presence:update, booth:state, mod:booths
        self.joins = JoinPath(sio, fair, self.pushes.changed)
        self.moderation = ModerationPush(sio, fair, fanout)  # slow mode, reports
        self.mod_catch_up = ModCatchUp(sio, fair)  # mod:history, mod:resync
        self._tasks = Tasks("socket api")  # lead announcements, kicks, resyncs, the moderator summary
        self.trade = LeadSockets(sio, fair, self._tasks)  # inquiries, leads, pins
        self.accounts = AccountWatch(sio, fair, conns, self._kick, self._end_session, load=self.joins.actor)
        fair.bans.on_ban(self._kick_banned)
        # Redis came back: clients may have missed messages between nodes, and counts changed.
        fair.presence.on_resync(self.pushes.resynced)
        if isinstance(sio.manager, FastRedisManager):
            sio.manager.on_recovered(self._redis_recovered)
        sio.on("connect", self.on_connect)
        sio.on("disconnect", self.on_disconnect)
        self._register()

    # --- connection lifecycle -------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        """Anyone with a valid token, within the per-account and per-address caps.

        Refused with `unauthorized`, `banned` or `too_many_connections` as the connect error.
        """
        SOCKET_ID.set(sid)  # each socket.io handler runs in a task of its own: this tags its log lines
        token = auth.get("token") if isinstance(auth, dict) else None
        request = environ.get("aiohttp.request")
        address = address_key(request.remote if isinstance(request, web.Request) else None)
        batch = isinstance(auth, dict) and auth.get("batch") is True
        try:
            claims = self.tokens.read(token)
            # One query per batch of connects.
            actor = session_actor(await self.joins.actor(claims.user_id), claims)
            self.conns.admit(sid, Conn(actor, batch, address=address))
        except DomainError as err:
            raise socketio.exceptions.ConnectionRefusedError(err.message, err.as_dict()) from None
        except Exception as exc:
            if (down := as_unavailable(exc)) is not None:
                raise socketio.exceptions.ConnectionRefusedError(down.message, down.as_dict()) from None
            log.exception("socket connect failed")
            bug = internal()
            raise socketio.exceptions.ConnectionRefusedError(bug.message, bug.as_dict()) from None
        await self.sio.enter_room(sid, user_room(actor.id))
        return True

    async def on_disconnect(self, sid: str, *args: Any) -> None:
        SOCKET_ID.set(sid)
        conn = self.conns.remove(sid)
        if conn is None:
            return
        for booth_id in list(conn.booths):
            await self._leave(sid, conn, booth_id)
        if conn.moderating:
            await self.fair.presence.leave(MODERATORS_BOOTH, sid)

    # --- the handler wrapper ------------------------------------------------------------------

    def _handler(
        self, model: type[M], fn: Callable[[str, Conn, M], Awaitable[Ack]], *, fresh: bool = False
    ) -> Callable[..., Awaitable[Ack]]:
        """Validate, check the ban list (and with `fresh`, the account as it is now), run `fn`."""

        async def handle(sid: str, data: Any = None, *extra: Any) -> Ack:
            SOCKET_ID.set(sid)
            try:
                conn = self.conns.get(sid)
                if conn is None:
                    raise Forbidden("not connected")
                if extra:
                    raise BadRequest("send one object as the payload")
                if not isinstance(data, dict):
                    raise BadRequest("the payload must be an object")
                try:
                    payload = model.model_validate(data)
                except ValidationError as exc:
                    raise from_validation(exc) from None
                if self.fair.bans.is_banned(conn.user.id):
                    await self._kick(sid)
                    raise Banned("this account is banned from the fair")
                if fresh:
                    await self.accounts.refresh(sid, conn)
                return await fn(sid, conn, payload)
            except DomainError as err:
                return error_ack(err)
            except Exception as exc:
                if (down := as_unavailable(exc)) is not None:
                    return error_ack(down)
                log.exception("socket handler failed")
                return error_ack(internal())

        return handle

    def _register(self) -> None:
        routes: list[tuple[str, type[BaseModel], Callable[..., Awaitable[Ack]]]] = [
            (events.BOOTH_JOIN, schemas.BoothRef, self.booth_join),
            (events.BOOTH_LEAVE, schemas.BoothRef, self.booth_leave),
            (events.CHAT_SEND, schemas.ChatSend, self.chat_send),
            (events.CHAT_PREVIEW, schemas.ChatPreview, self.chat_preview),
            (events.CHAT_HISTORY, schemas.ChatHistory, self.chat_history),
            (events.INQUIRY_SUBMIT, schemas.InquirySubmit, self.trade.inquiry_submit),
            (events.PRODUCT_PIN, schemas.ProductPin, self.trade.product_pin),
            (events.LEAD_UPDATE, schemas.LeadUpdate, self.trade.lead_update),
            (events.LEAD_NOTE, schemas.LeadNoteIn, self.trade.lead_note),
            (events.MOD_WATCH, schemas.Empty, self.mod_watch),
            (events.MOD_HIDE, schemas.ModHide, self.mod_hide),
            (events.MOD_MUTE, schemas.ModMute, self.mod_mute),
            (events.MOD_BAN, schemas.ModBan, self.mod_ban),
            (events.MOD_UNBAN, schemas.ModUnban, self.mod_unban),
            (events.LOBBY_WATCH, schemas.Empty, self.pushes.lobby_watch),
            (events.SLOW_MODE_SET, schemas.SlowModeSet, self.moderation.slow_mode_set),
            (events.CHAT_REPORT, schemas.ChatReport, self.moderation.chat_report),
            (events.MOD_HISTORY, schemas.ChatHistory, self.mod_catch_up.mod_history),
        ]
        assert {r[0] for r in routes} == set(events.CLIENT_EVENTS)
        for name, model, fn in routes:
            self.sio.on(name, self._handler(model, fn, fresh=name in ACCOUNT_CHECKED))
        self.sio.on("*", self.on_unknown_event)

    async def on_unknown_event(self, event: str, sid: str, *args: Any) -> Ack:
        """An event nothing serves (a typo, an older or newer client) gets a `bad_request` ack:
        without a handler socket.io sends no ack, and the client waits out its own timeout."""
        return error_ack(BadRequest(f"unknown event {event[:64]!r}"))

    # --- booths -------------------------------------------------------------------------------

    async def booth_join(self, sid: str, conn: Conn, p: schemas.BoothRef) -> Ack:
        ack = await self.joins.join(sid, conn, p.booth_id)  # server/join.py: loads shared in a storm
        if self.metrics is not None and ack.get("ok"):
            self.metrics.joins.inc()
        return ack

    async def booth_leave(self, sid: str, conn: Conn, p: schemas.BoothRef) -> Ack:
        if p.booth_id in conn.booths:
            await self._leave(sid, conn, p.booth_id)
        return {"ok": True}

    async def _leave(self, sid: str, conn: Conn, booth_id: int) -> None:
        conn.booths.discard(booth_id)
        for room in (
            booth_room(booth_id),
            lang_room(booth_id, conn.user.lang, batch=conn.batch),
            staff_room(booth_id),
        ):
            await self.sio.leave_room(sid, room)
        if conn.staffed and booth_id in conn.staffed:
            conn.staffed.discard(booth_id)
            await self.fair.presence.leave(staff_presence(booth_id), sid)
        else:
            await self.fair.presence.leave(booth_id, sid)
        if self.fair.visits is not None:
            self.fair.visits.ended(sid, booth_id)
        self.pushes.changed(booth_id)

    # --- chat ---------------------------------------------------------------------------------

    async def chat_send(self, sid: str, conn: Conn, p: schemas.ChatSend) -> Ack:
        require_joined(conn, p.booth_id)
        if conn.send_lock is None:
            conn.send_lock = asyncio.Lock()
        async with conn.send_lock:
            await chat_gate.check_send(self.fair, conn.user, p.booth_id, p.text if p.phrase is None else None)
            try:
                rec = await chat_compose.send(self.fair, conn.user, p)  # text or a quick phrase
            except Unauthorized:  # the account was deleted under the open socket
                await self._end_session(sid, "account_gone")
                raise
        if not rec.resent:
            # A resend (same client_id) was delivered the first time, or is there for catch-up.
            if self.metrics is not None:
                self.metrics.messages_in.inc()
            self.fanout.submit(rec)  # committed above; delivery must not delay the ack
        return {"ok": True, "message": {"id": rec.id, "seq": rec.seq}}

    async def chat_preview(self, sid: str, conn: Conn, p: schemas.ChatPreview) -> Ack:
        require_joined(conn, p.booth_id)
        return {"ok": True, **await chat_compose.preview(self.fair, conn.user, p)}

    async def chat_history(self, sid: str, conn: Conn, p: schemas.ChatHistory) -> Ack:
        """Members who joined the booth: the visible messages after `after_seq`, oldest first, in
        the reader's language (`more` when a later page follows). Clients call it on a seq gap,
        after a reconnect and on `chat:resync`."""
        require_joined(conn, p.booth_id)
        records, more = await chat.do_catch_up(self.fair, conn.user, p.booth_id, p.after_seq, p.limit)
        messages = [r.payload(conn.user.lang) for r in records]
        return {"ok": True, "booth_id": p.booth_id, "messages": messages, "more": more}

    # --- after a Redis outage -----------------------------------------------------------------

    def _redis_recovered(self) -> None:
        self._tasks.spawn(self._announce_resync())

    async def _announce_resync(self) -> None:
        """Tell the members of this node's booths each booth's latest seq (`chat:resync`).

        While Redis was away, messages committed on other nodes never reached this node's
        clients (and ours not theirs), and a quiet booth shows no seq gap to notice: a client
        behind `last_seq` fetches the rest with `chat:history`. Sent through Redis, so a node
        cut off alone also reaches the clients of the nodes that missed its messages.
        """
        try:
            await self.mod_catch_up.announce_resync()
        except Exception:
            log.exception("announcing mod:resync failed")
        booth_ids = sorted({b for c in self.conns.by_sid.values() for b in c.booths})
        if not booth_ids:
            return
        try:
            last = await chat.last_seqs(self.fair, booth_ids)
            for booth_id in booth_ids:
                payload = {"booth_id": booth_id, "last_seq": last.get(booth_id, 0)}
                await self.sio.emit(events.CHAT_RESYNC, payload, room=booth_room(booth_id))
                self.pushes.changed(booth_id)
        except Exception:
            log.exception("announcing chat:resync failed")

    # --- moderation ---------------------------------------------------------------------------

    async def mod_watch(self, sid: str, conn: Conn, p: schemas.Empty) -> Ack:
        moderation.check_moderator(conn.user)
        if not conn.moderating:
            conn.moderating = True
            await self.sio.enter_room(sid, mod_room(conn.user.lang))
            await self.fair.presence.join(MODERATORS_BOOTH, sid, conn.user.lang)
        # Where each booth's gap check starts, read before `recent`: a message committed between
        # the two reads (its push lost) is then past the count and fetched, not counted as shown.
        last_seqs = await self.mod_catch_up.last_seqs()
        recent = await chat.recent_messages(self.fair, conn.user.lang)
        await self.fair.filters.attach_flags(recent)
        return {
            "ok": True,
            "booths": await self.pushes.booth_states(),
            "recent": [moderator_payload(r, conn.user.lang, self.fair.bans.is_banned) for r in recent],
            "slow_mode": await self.fair.slow_mode.all_booths(),
            "last_seqs": last_seqs,
        }

    async def mod_hide(self, sid: str, conn: Conn, p: schemas.ModHide) -> Ack:
        booth_id, closed = await moderation.do_hide_message(self.fair, conn.user, p.message_id, p.reason)
        await self.moderation.resolved(closed, booth_id, p.message_id, "hide")  # hides it live too
        return {"ok": True}

    async def mod_mute(self, sid: str, conn: Conn, p: schemas.ModMute) -> Ack:
        until = await moderation.do_mute(self.fair, conn.user, p.booth_id, p.user_id, p.minutes, p.reason)
        await self.sio.emit(
            events.USER_MUTED,
            {"booth_id": p.booth_id, "until": iso(until), "reason": p.reason},
            room=user_room(p.user_id),
        )
        return {"ok": True, "until": iso(until)}

    async def mod_ban(self, sid: str, conn: Conn, p: schemas.ModBan) -> Ack:
        hidden = await moderation.do_ban(self.fair, conn.user, p.user_id, p.reason, hide_messages=p.hide_messages)
        await self.fair.bans.announce(p.user_id, p.reason)
        for booth_id, message_id, closed in hidden:
            await self.moderation.resolved(closed, booth_id, message_id, "hide")
        return {"ok": True, "hidden": len(hidden)}

    async def mod_unban(self, sid: str, conn: Conn, p: schemas.ModUnban) -> Ack:
        """Lift a ban (a mistaken one, or served): the account signs in again, and its address
        pause ends with it. Other nodes learn it from the database within their ban sweep."""
        changed = await moderation.do_unban(self.fair, conn.user, p.user_id)
        return {"ok": True, "changed": changed}

    async def _kick_banned(self, user_id: int, reason: str | None) -> None:
        """Tell this node's sockets of a banned user why, then disconnect them; guest sign-ins from
        their addresses pause for a while (rooms/bans.py)."""
        sids = list(self.conns.sids_of_user(user_id))
        addresses = {conn.address for sid in sids if (conn := self.conns.by_sid.get(sid)) is not None}
        for sid in sids:
            await self.sio.emit(events.USER_BANNED, {"reason": reason}, to=sid)
            await self._kick(sid)
        # After the kick: a Redis round trip must not hold the banned sockets open.
        await self.fair.bans.pause_addresses(user_id, addresses)

    async def _end_session(self, sid: str, reason: str) -> None:
        """Tell a socket its sign-in no longer holds (`session:ended`), then disconnect it."""
        await self.sio.emit(events.SESSION_ENDED, {"reason": reason}, to=sid)
        await self._kick(sid)

    async def _kick(self, sid: str) -> None:
        self._tasks.spawn(self.sio.disconnect(sid))

    def start(self) -> None:
        self._tasks.spawn(self.pushes.mod_summary_loop())
        self.accounts.start()

    async def aclose(self, deadline: float | None = None) -> None:
        """Cancel and await every task this API started, all by `deadline` (the loop's clock).

        A lead announcement or a kick cut short is harmless: staff load leads on reconnect, and
        the server is closing every socket anyway.
        """
        await self._tasks.aclose(deadline)
        try:
            async with asyncio.timeout_at(deadline):
                await self.accounts.aclose()
                await self.pushes.aclose()
                await self.joins.aclose()
        except TimeoutError:
            log.warning("socket tasks outlived the shutdown deadline")
