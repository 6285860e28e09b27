"""Catch-up by seq for the moderators' merged feed: `mod:history`, `mod:resync`, `last_seqs`.

`mod:message` reaches the moderators of other nodes through Redis; while Redis is away those
messages never arrive, exactly as `chat:message` for booth members. The feed merges every booth,
so a client keeps one seq count per booth (`mod:watch` gives each booth's latest seq to start
from) and fetches a booth's gap with `mod:history`, the moderators' `chat:history`. When a node's
Redis link comes back it sends `mod:resync` with every booth's latest seq, for the booths that
went quiet right after the messages a moderator missed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import socketio

from rooms import chat, moderation
from rooms.chat import moderator_languages
from rooms.context import Fair
from rooms.filter_store import moderator_payload
from server import events, schemas
from server.rooms_naming import mod_room

if TYPE_CHECKING:
    from server.connections import Conn

log = logging.getLogger(__name__)
Ack = dict[str, Any]


class ModCatchUp:
    """The moderators' catch-up handlers; one per app, built by `SocketApi`."""

    def __init__(self, sio: socketio.AsyncServer, fair: Fair) -> None:
        self.sio = sio
        self.fair = fair

    async def last_seqs(self) -> dict[str, int]:
        """Every booth's latest seq, keyed by booth id as a string (a JSON object's keys)."""
        return {str(b): seq for b, seq in (await chat.last_seqs(self.fair, None)).items()}

    async def mod_history(self, sid: str, conn: Conn, p: schemas.ChatHistory) -> Ack:
        """Moderators (no join needed): one booth's visible messages after `after_seq`, oldest
        first, as `mod:message` carries them (with `filter_hits`); `more` when a page follows.
        Rate-limited together with `chat:history`."""
        moderation.check_moderator(conn.user)
        records, more = await chat.do_catch_up(self.fair, conn.user, p.booth_id, p.after_seq, p.limit)
        await self.fair.filters.attach_flags(records)
        messages = [moderator_payload(r, conn.user.lang, self.fair.bans.is_banned) for r in records]
        return {"ok": True, "booth_id": p.booth_id, "messages": messages, "more": more}

    async def announce_resync(self) -> None:
        """`mod:resync {last_seqs}` to every moderator, through Redis (so every node's)."""
        langs = await moderator_languages(self.fair)
        if not langs:
            return
        payload = {"last_seqs": await self.last_seqs()}
        for lang in sorted(langs):
            await self.sio.emit(events.MOD_RESYNC, payload, room=mod_room(lang))
