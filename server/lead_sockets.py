"""The trade events: a buyer's inquiry becomes a lead, the staff work it, and pin products."""

from __future__ import annotations

from typing import Any

import socketio

from rooms import booths, chat, leads, product_texts
from rooms.context import Fair
from rooms.models import Lead
from server import events, schemas
from server.connections import Conn, require_joined
from server.rooms_naming import booth_room, staff_room
from server.tasks import Tasks

Ack = dict[str, Any]


class LeadSockets:
    """Handlers of `inquiry:submit`, `lead:update`, `lead:note` and `product:pin`; one per app,
    built by `SocketApi`, whose tasks announce new leads (after the buyer's ack)."""

    def __init__(self, sio: socketio.AsyncServer, fair: Fair, tasks: Tasks) -> None:
        self.sio = sio
        self.fair = fair
        self._tasks = tasks

    async def inquiry_submit(self, sid: str, conn: Conn, p: schemas.InquirySubmit) -> Ack:
        require_joined(conn, p.booth_id)
        inquiry = leads.Inquiry(**p.model_dump(exclude={"booth_id"}))
        lead, resent = await leads.do_submit_inquiry(self.fair, conn.user, p.booth_id, inquiry)
        if not resent:  # a resend's lead was announced when it was made
            self._tasks.spawn(self._announce_lead(lead))
        return {"ok": True, "lead": {"id": lead.id}}

    async def _announce_lead(self, lead: Lead) -> None:
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
        if product is not None:
            # One broadcast with the product in every language present; each reader picks theirs.
            langs = await chat.languages_present(self.fair, p.booth_id)
            product = await product_texts.pinned_for_readers(
                self.fair, p.booth_id, product, conn.user.lang, langs
            )
        payload = {"booth_id": p.booth_id, "pinned_product": product}
        await self.sio.emit(events.PRODUCT_PINNED, payload, room=booth_room(p.booth_id))
        return {"ok": True, "pinned_product": product}
