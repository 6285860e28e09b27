"""The socket side of slow mode and reports: `slow_mode:set`, `chat:report`, and what they push.

Kept beside `server/sockets.py`, which registers these handlers, so the edge module stays a list
of thin handlers; the HTTP resolve route (server/http_moderation.py) pushes through here too.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import socketio

from rooms import reports
from rooms.chat import moderator_languages
from rooms.context import Fair
from server import events, schemas
from server.fanout import ChatFanout
from server.rooms_naming import booth_room, mod_room

if TYPE_CHECKING:
    from server.connections import Conn

log = logging.getLogger(__name__)
Ack = dict[str, Any]


class ModerationPush:
    """Handlers and pushes of the moderation events; one per app, built by `SocketApi`."""

    def __init__(self, sio: socketio.AsyncServer, fair: Fair, fanout: ChatFanout) -> None:
        self.sio = sio
        self.fair = fair
        self.fanout = fanout

    async def slow_mode_set(self, sid: str, conn: Conn, p: schemas.SlowModeSet) -> Ack:
        """Moderators, and the booth's staff for their booth: `booth:slow_mode` to the booth."""
        seconds = await self.fair.slow_mode.do_set(conn.user, p.booth_id, p.seconds)
        payload = {"booth_id": p.booth_id, "seconds": seconds}
        await self.sio.emit(events.BOOTH_SLOW_MODE, payload, room=booth_room(p.booth_id))
        for lang in sorted(await moderator_languages(self.fair)):
            await self.sio.emit(events.BOOTH_SLOW_MODE, payload, room=mod_room(lang))
        return {"ok": True, "booth_id": p.booth_id, "seconds": seconds}

    async def chat_report(self, sid: str, conn: Conn, p: schemas.ChatReport) -> Ack:
        """Members of the message's booth: `{ok, report: {id}}`; `report:new` to the moderators."""
        report = await reports.do_report(self.fair, conn.user, p.message_id, p.reason, p.note, set(conn.booths))
        for lang in sorted(await moderator_languages(self.fair)):
            await self.sio.emit(events.REPORT_NEW, await reports.report_json(self.fair, report.id, lang),
                                room=mod_room(lang))  # fmt: skip
        return {"ok": True, "report": {"id": report.id}}

    async def resolved(self, closed: list[int], booth_id: int, message_id: int, action: str) -> None:
        """After a resolve commits: hide the message everywhere, and tell every moderator."""
        if action == "hide":
            await self.fanout.hide(booth_id, message_id)
        if not closed:
            return  # a message hidden from the feed that nobody had reported
        payload = {"report_ids": closed, "message_id": message_id, "status": "hidden" if action == "hide" else "dismissed"}
        for lang in sorted(await moderator_languages(self.fair)):
            await self.sio.emit(events.REPORT_RESOLVED, payload, room=mod_room(lang))
