"""What pages see change without asking: a booth's `presence:update`, the lobby's `booth:state`,
and the moderators' `mod:booths` summary."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import socketio

from rooms import booths, moderation
from rooms.chat import MODERATORS_BOOTH
from rooms.context import Fair
from server import events, schemas
from server.connections import Conn
from server.fanout import Throttle
from server.rooms_naming import LOBBY_ROOM, booth_room, mod_room

log = logging.getLogger(__name__)

# `presence:update` to a booth: at most once a second, and for big booths about this many frames
# a second (every 5 s at 5,000 viewers), never rarer than PRESENCE_MAX_INTERVAL_S.
PRESENCE_WRITES_PER_S = 1000
PRESENCE_MAX_INTERVAL_S = 5.0
MOD_SUMMARY_EVERY_S = 2.0


class BoothPushes:
    def __init__(self, sio: socketio.AsyncServer, fair: Fair) -> None:
        self.sio = sio
        self.fair = fair
        self._audience: dict[int, int] = {}  # booth → viewers at its last presence push
        self.presence_push = Throttle(self._push_presence, self._presence_interval)
        self.lobby_push = Throttle(self._push_booth_state, 1.0)

    def changed(self, booth_id: int) -> None:
        self.presence_push.poke(booth_id)
        self.lobby_push.poke(booth_id)

    def resynced(self, booth_ids: list[int]) -> None:
        for booth_id in booth_ids:
            self.changed(booth_id)

    def _presence_interval(self, booth_id: int) -> float:
        """1 s, or longer for a big booth: a push costs a write per viewer, and in a join storm
        a 5,000-viewer booth pushed every second spent a tenth of the joins' CPU on it."""
        viewers = self._audience.get(booth_id, 0)
        return min(PRESENCE_MAX_INTERVAL_S, max(1.0, viewers / PRESENCE_WRITES_PER_S))

    async def _push_presence(self, booth_id: int) -> None:
        pres = await self.fair.presence.get(booth_id)
        if pres.viewers:
            self._audience[booth_id] = pres.viewers
        else:
            self._audience.pop(booth_id, None)
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

    async def lobby_watch(self, sid: str, conn: Conn, p: schemas.Empty) -> dict[str, Any]:
        conn.lobby = True
        await self.sio.enter_room(sid, LOBBY_ROOM)
        return {"ok": True, "booths": await self.booth_states()}

    async def mod_summary_loop(self) -> None:
        while True:
            await asyncio.sleep(MOD_SUMMARY_EVERY_S)
            try:
                langs = (await self.fair.presence.get(MODERATORS_BOOTH)).languages
                if langs:
                    states = await self.booth_states()
                    for lang in langs:
                        await self.sio.emit(events.MOD_BOOTHS, {"booths": states}, room=mod_room(lang))
            except Exception:
                log.exception("moderator summary failed")

    async def aclose(self) -> None:
        await self.presence_push.aclose()
        await self.lobby_push.aclose()
