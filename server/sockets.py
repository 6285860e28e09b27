"""The Socket.IO edge: connect auth, one strict model per event, acks, rooms.

Every handler answers `{ok: true, ...}` or `{ok: false, error: {code, message}}`; an exception in
one handler becomes an `internal` error ack and never takes the connection down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import socketio
from aiohttp import web
from pydantic import BaseModel, ValidationError

from rooms import booths, chat, leads, moderation
from rooms.auth import AuthUser, Tokens
from rooms.chat import MODERATORS_BOOTH
from rooms.context import Fair
from rooms.errors import BadRequest, Banned, DomainError, Forbidden, TooLong, TooManyConnections
from rooms.payloads import iso
from rooms.users import load_actor
from server import events, schemas
from server.account_watch import ACCOUNT_CHECKED, AccountWatch
from server.errors import error_ack, from_validation
from server.fanout import ChatFanout, Throttle
from server.http_edge import address_key
from server.rooms_naming import LOBBY_ROOM, booth_room, lang_room, mod_room, staff_room, user_room
from server.wire import FastRedisManager

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
K = TypeVar("K")
Ack = dict[str, Any]

MAX_INQUIRY_LENGTH = 5000


@dataclass(slots=True)
class Conn:
    user: AuthUser
    batch: bool
    booths: set[int] = field(default_factory=set)
    moderating: bool = False
    lobby: bool = False
    address: str = ""


class Connections:
    """This node's live connections (sid → who and where)."""

    def __init__(self, *, max_per_user: int = 0, max_per_address: int = 0) -> None:
        self.by_sid: dict[str, Conn] = {}
        self.max_per_user = max_per_user  # 0 = no cap
        self.max_per_address = max_per_address
        self._per_user: dict[int, int] = {}
        self._per_address: dict[str, int] = {}

    def admit(self, sid: str, conn: Conn) -> None:
        """Register a connection, or refuse it past the per-account or per-address cap."""
        users, addresses = self._per_user.get(conn.user.id, 0), self._per_address.get(conn.address, 0)
        if self.max_per_user and users >= self.max_per_user:
            raise TooManyConnections(f"this account has {users} connections open already; close one first")
        if self.max_per_address and addresses >= self.max_per_address:
            raise TooManyConnections(f"{addresses} connections are open from this address already")
        self.by_sid[sid] = conn
        self._per_user[conn.user.id] = users + 1
        self._per_address[conn.address] = addresses + 1

    def remove(self, sid: str) -> Conn | None:
        conn = self.by_sid.pop(sid, None)
        if conn is not None:
            _one_less(self._per_user, conn.user.id)
            _one_less(self._per_address, conn.address)
        return conn

    def get(self, sid: str) -> Conn | None:
        return self.by_sid.get(sid)

    def sids_of_user(self, user_id: int) -> list[str]:
        return [sid for sid, c in self.by_sid.items() if c.user.id == user_id]


def _one_less(counts: dict[K, int], key: K) -> None:
    left = counts.get(key, 1) - 1
    if left > 0:
        counts[key] = left
    else:
        counts.pop(key, None)


class SocketApi:
    def __init__(
        self, sio: socketio.AsyncServer, fair: Fair, tokens: Tokens, fanout: ChatFanout, conns: Connections
    ) -> None:
        self.sio = sio
        self.fair = fair
        self.tokens = tokens
        self.fanout = fanout
        self.conns = conns
        self.presence_push = Throttle(self._push_presence, 1.0)
        self.lobby_push = Throttle(self._push_booth_state, 1.0)
        self._mod_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.accounts = AccountWatch(sio, fair, conns, self._kick)
        fair.bans.on_ban(self._kick_banned)
        # Redis came back: clients may have missed messages between nodes, and counts changed.
        fair.presence.on_resync(self._presence_resynced)
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
        token = auth.get("token") if isinstance(auth, dict) else None
        request = environ.get("aiohttp.request")
        address = address_key(request.remote if isinstance(request, web.Request) else None)
        batch = isinstance(auth, dict) and auth.get("batch") is True
        try:
            user_id = self.tokens.user_id(token)
            _, actor = await load_actor(self.fair.db, user_id)
            self.conns.admit(sid, Conn(actor, batch, address=address))
        except DomainError as err:
            raise socketio.exceptions.ConnectionRefusedError(err.message, err.as_dict()) from None
        except Exception:
            log.exception("socket connect failed")
            internal = {"code": "internal", "message": "something went wrong on our side"}
            raise socketio.exceptions.ConnectionRefusedError(internal["message"], internal) from None
        await self.sio.enter_room(sid, user_room(actor.id))
        return True

    async def on_disconnect(self, sid: str, *args: Any) -> None:
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
            except Exception:
                log.exception("socket handler failed")
                return {
                    "ok": False,
                    "error": {"code": "internal", "message": "something went wrong on our side"},
                }

        return handle

    def _register(self) -> None:
        routes: list[tuple[str, type[BaseModel], Callable[..., Awaitable[Ack]]]] = [
            (events.BOOTH_JOIN, schemas.BoothRef, self.booth_join),
            (events.BOOTH_LEAVE, schemas.BoothRef, self.booth_leave),
            (events.CHAT_SEND, schemas.ChatSend, self.chat_send),
            (events.CHAT_PREVIEW, schemas.ChatPreview, self.chat_preview),
            (events.CHAT_HISTORY, schemas.ChatHistory, self.chat_history),
            (events.INQUIRY_SUBMIT, schemas.InquirySubmit, self.inquiry_submit),
            (events.PRODUCT_PIN, schemas.ProductPin, self.product_pin),
            (events.LEAD_UPDATE, schemas.LeadUpdate, self.lead_update),
            (events.LEAD_NOTE, schemas.LeadNoteIn, self.lead_note),
            (events.MOD_WATCH, schemas.Empty, self.mod_watch),
            (events.MOD_HIDE, schemas.ModHide, self.mod_hide),
            (events.MOD_MUTE, schemas.ModMute, self.mod_mute),
            (events.MOD_BAN, schemas.ModBan, self.mod_ban),
            (events.LOBBY_WATCH, schemas.Empty, self.lobby_watch),
        ]
        assert {r[0] for r in routes} == set(events.CLIENT_EVENTS)
        for name, model, fn in routes:
            self.sio.on(name, self._handler(model, fn, fresh=name in ACCOUNT_CHECKED))

    def _require_joined(self, conn: Conn, booth_id: int) -> None:
        if booth_id not in conn.booths:
            raise Forbidden("join the booth first")

    # --- booths -------------------------------------------------------------------------------

    async def booth_join(self, sid: str, conn: Conn, p: schemas.BoothRef) -> Ack:
        user = conn.user
        async with self.fair.db.reader() as s:
            booth = await booths.access_booth_by_id(s, p.booth_id)
            pinned = await booths.pinned_product(s, booth)
        detail = await booths.booth_detail(self.fair, booth.id)
        if booth.id not in conn.booths:
            conn.booths.add(booth.id)
            await self.sio.enter_room(sid, booth_room(booth.id))
            await self.sio.enter_room(sid, lang_room(booth.id, user.lang, batch=conn.batch))
            if user.is_staff_of(booth.id):
                await self.sio.enter_room(sid, staff_room(booth.id))
            await self.fair.presence.join(booth.id, sid, user.lang)
            self._presence_changed(booth.id)
        presence = await self.fair.presence.get(booth.id)
        hist = await chat.history(self.fair, booth.id, user.lang)
        detail["viewers"] = presence.viewers
        detail["languages"] = presence.languages
        return {
            "ok": True,
            "booth": detail,
            "history": [r.payload(user.lang) for r in hist],
            "viewers": presence.viewers,
            "live": detail["live"],
            "pinned_product": pinned,
            "languages": presence.languages,
        }

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
        await self.fair.presence.leave(booth_id, sid)
        self._presence_changed(booth_id)

    def _presence_changed(self, booth_id: int) -> None:
        self.presence_push.poke(booth_id)
        self.lobby_push.poke(booth_id)

    async def _push_presence(self, booth_id: int) -> None:
        pres = await self.fair.presence.get(booth_id)
        payload = {"booth_id": booth_id, "viewers": pres.viewers, "languages": pres.languages}
        await self.sio.emit(events.PRESENCE_UPDATE, payload, room=booth_room(booth_id))

    async def _push_booth_state(self, booth_id: int) -> None:
        states = await self.booth_states([booth_id])
        if states:
            await self.sio.emit(events.BOOTH_STATE, states[0], room=LOBBY_ROOM)

    async def booth_states(self, booth_ids: list[int] | None = None) -> list[dict[str, Any]]:
        listing = await booths.list_booths(self.fair)
        rates = await moderation.message_rates(self.fair)
        return [
            {
                "booth_id": b["id"],
                "slug": b["slug"],
                "name": b["name"],
                "live": b["live"],
                "viewers": b["viewers"],
                "languages": b["languages"],
                "messages_per_minute": rates.get(b["id"], 0),
            }
            for b in listing
            if booth_ids is None or b["id"] in booth_ids
        ]

    async def lobby_watch(self, sid: str, conn: Conn, p: schemas.Empty) -> Ack:
        conn.lobby = True
        await self.sio.enter_room(sid, LOBBY_ROOM)
        return {"ok": True, "booths": await self.booth_states()}

    # --- chat ---------------------------------------------------------------------------------

    async def chat_send(self, sid: str, conn: Conn, p: schemas.ChatSend) -> Ack:
        self._require_joined(conn, p.booth_id)
        rec = await chat.do_send_message(self.fair, conn.user, p.booth_id, p.text, p.client_id)
        if not rec.resent:
            # A resend (same client_id) was delivered the first time, or is there for catch-up.
            self.fanout.submit(rec)  # committed above; delivery must not delay the ack
        return {"ok": True, "message": {"id": rec.id, "seq": rec.seq}}

    async def chat_preview(self, sid: str, conn: Conn, p: schemas.ChatPreview) -> Ack:
        self._require_joined(conn, p.booth_id)
        return {"ok": True, **await chat.do_preview(self.fair, conn.user, p.booth_id, p.text)}

    async def chat_history(self, sid: str, conn: Conn, p: schemas.ChatHistory) -> Ack:
        """Members who joined the booth: the visible messages after `after_seq`, oldest first, in
        the reader's language (`more` when a later page follows). Clients call it on a seq gap,
        after a reconnect and on `chat:resync`."""
        self._require_joined(conn, p.booth_id)
        records, more = await chat.do_catch_up(self.fair, conn.user, p.booth_id, p.after_seq, p.limit)
        messages = [r.payload(conn.user.lang) for r in records]
        return {"ok": True, "booth_id": p.booth_id, "messages": messages, "more": more}

    # --- after a Redis outage -----------------------------------------------------------------

    def _presence_resynced(self, booth_ids: list[int]) -> None:
        for booth_id in booth_ids:
            self._presence_changed(booth_id)

    def _redis_recovered(self) -> None:
        self._keep(asyncio.create_task(self._announce_resync()))

    async def _announce_resync(self) -> None:
        """Tell the members of this node's booths each booth's latest seq (`chat:resync`).

        While Redis was away, messages committed on other nodes never reached this node's
        clients (and ours not theirs), and a quiet booth shows no seq gap to notice: a client
        behind `last_seq` fetches the rest with `chat:history`. Sent through Redis, so a node
        cut off alone also reaches the clients of the nodes that missed its messages.
        """
        booth_ids = sorted({b for c in self.conns.by_sid.values() for b in c.booths})
        if not booth_ids:
            return
        try:
            last = await chat.last_seqs(self.fair, booth_ids)
            for booth_id in booth_ids:
                payload = {"booth_id": booth_id, "last_seq": last.get(booth_id, 0)}
                await self.sio.emit(events.CHAT_RESYNC, payload, room=booth_room(booth_id))
                self._presence_changed(booth_id)
        except Exception:
            log.exception("announcing chat:resync failed")

    # --- leads --------------------------------------------------------------------------------

    async def inquiry_submit(self, sid: str, conn: Conn, p: schemas.InquirySubmit) -> Ack:
        self._require_joined(conn, p.booth_id)
        text = p.message.strip()
        if not text:
            raise BadRequest("message: the inquiry needs a message")
        if len(text) > MAX_INQUIRY_LENGTH:
            raise TooLong(f"an inquiry may have at most {MAX_INQUIRY_LENGTH} characters")
        form = p.model_dump(exclude={"booth_id"})
        form["message"] = text
        lead = await leads.do_submit_inquiry(self.fair, conn.user, p.booth_id, form)
        task = asyncio.create_task(self._announce_lead(lead))
        self._keep(task)
        return {"ok": True, "lead": {"id": lead.id}}

    async def _announce_lead(self, lead: Any) -> None:
        lead = await leads.do_translate_lead(self.fair, lead)
        payload = await leads.lead_json(self.fair, lead.id)
        await self.sio.emit(events.LEAD_NEW, payload, room=staff_room(lead.booth_id))

    async def lead_update(self, sid: str, conn: Conn, p: schemas.LeadUpdate) -> Ack:
        lead = await leads.do_update_status(self.fair, conn.user, p.lead_id, p.status)
        await self.sio.emit(events.LEAD_UPDATED, lead, room=staff_room(lead["booth_id"]))
        return {"ok": True, "lead": lead}

    async def lead_note(self, sid: str, conn: Conn, p: schemas.LeadNoteIn) -> Ack:
        note, lead = await leads.do_add_note(self.fair, conn.user, p.lead_id, p.text)
        await self.sio.emit(events.LEAD_UPDATED, lead, room=staff_room(lead["booth_id"]))
        return {"ok": True, "note": note}

    async def product_pin(self, sid: str, conn: Conn, p: schemas.ProductPin) -> Ack:
        product = await booths.do_pin_product(self.fair, conn.user, p.booth_id, p.product_id)
        payload = {"booth_id": p.booth_id, "pinned_product": product}
        await self.sio.emit(events.PRODUCT_PINNED, payload, room=booth_room(p.booth_id))
        return {"ok": True, "pinned_product": product}

    # --- moderation ---------------------------------------------------------------------------

    async def mod_watch(self, sid: str, conn: Conn, p: schemas.Empty) -> Ack:
        moderation.check_moderator(conn.user)
        if not conn.moderating:
            conn.moderating = True
            await self.sio.enter_room(sid, mod_room(conn.user.lang))
            await self.fair.presence.join(MODERATORS_BOOTH, sid, conn.user.lang)
        recent = await chat.recent_messages(self.fair, conn.user.lang)
        return {
            "ok": True,
            "booths": await self.booth_states(),
            "recent": [r.payload(conn.user.lang) for r in recent],
        }

    async def mod_hide(self, sid: str, conn: Conn, p: schemas.ModHide) -> Ack:
        booth_id = await moderation.do_hide_message(self.fair, conn.user, p.message_id, p.reason)
        await self.fanout.hide(booth_id, p.message_id)
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
        await moderation.do_ban(self.fair, conn.user, p.user_id, p.reason)
        await self.fair.bans.announce(p.user_id, p.reason)
        return {"ok": True}

    async def _kick_banned(self, user_id: int, reason: str | None) -> None:
        """Tell this node's sockets of a banned user why, then disconnect them."""
        for sid in self.conns.sids_of_user(user_id):
            await self.sio.emit(events.USER_BANNED, {"reason": reason}, to=sid)
            await self._kick(sid)

    async def _kick(self, sid: str) -> None:
        self._keep(asyncio.create_task(self.sio.disconnect(sid)))

    def _keep(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- periodic moderator summary -----------------------------------------------------------

    def start(self) -> None:
        self._mod_task = asyncio.create_task(self._mod_loop())
        self.accounts.start()

    async def _mod_loop(self) -> None:
        while True:
            await asyncio.sleep(2)
            try:
                langs = (await self.fair.presence.get(MODERATORS_BOOTH)).languages
                if langs:
                    states = await self.booth_states()
                    for lang in langs:
                        await self.sio.emit(events.MOD_BOOTHS, {"booths": states}, room=mod_room(lang))
            except Exception:
                log.exception("moderator summary failed")

    async def aclose(self) -> None:
        if self._mod_task:
            self._mod_task.cancel()
        await self.accounts.aclose()
        await self.presence_push.aclose()
        await self.lobby_push.aclose()
