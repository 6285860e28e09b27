"""Leads: inquiries committed before the buyer's ack, worked by booth staff, exported as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal, get_args

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import live_lookup, outbox
from rooms.auth import AuthUser
from rooms.context import Fair
from rooms.errors import BadRequest, Forbidden, NotFound, TooLong
from rooms.models import Booth, Lead, LeadNote, Product, User
from rooms.payloads import Json, iso, lead_payload
from rooms.phrases.catalogue import Catalogue, catalogue
from rooms.plain_text import free_text, visible, without_bidi_overrides

# The one list of lead statuses: the socket/HTTP schemas and the response models use this type.
LeadStatus = Literal["new", "contacted", "quoted", "won", "lost"]
STATUSES: tuple[LeadStatus, ...] = get_args(LeadStatus)


MAX_INQUIRY_LENGTH = 5000
MAX_NOTE_LENGTH = 4000  # a lead note, as the edge's NoteText


@dataclass(frozen=True, slots=True)
class Inquiry:
    """A buyer's inquiry as the edge parsed it: shapes only, `check_inquiry` decides the rest."""

    message: str
    email: str
    consent: bool
    product_id: int | None = None
    quantity: int | None = None
    unit: str | None = None
    target_price: Decimal | None = None
    currency: str | None = None
    incoterm: str | None = None
    destination_country: str | None = None
    company: str | None = None
    session_id: int | None = None
    stream_offset_ms: int | None = None
    client_id: str | None = None


def check_inquiry(actor: AuthUser, inquiry: Inquiry) -> Inquiry:
    """The inquiry with its message trimmed, or the domain error that refuses it."""
    text = without_bidi_overrides(inquiry.message).strip()
    if not visible(text):
        raise BadRequest("message: the inquiry needs a message")
    if len(text) > MAX_INQUIRY_LENGTH:
        raise TooLong(f"an inquiry may have at most {MAX_INQUIRY_LENGTH} characters", max_length=MAX_INQUIRY_LENGTH)
    if actor.role != "buyer":
        raise Forbidden("only buyers send inquiries")
    if inquiry.consent is not True:
        raise BadRequest("consent to share contact details is required")
    return replace(inquiry, message=text)


async def do_submit_inquiry(fair: Fair, actor: AuthUser, booth_id: int, inquiry: Inquiry) -> tuple[Lead, bool]:
    """Commit an inquiry as a lead; the product defaults to the one pinned at that moment.

    Returns the lead and whether it was there already: a retry with the `client_id` of a committed
    inquiry (its ack was lost) gets that lead back, and nothing is written or announced again.
    """
    form = check_inquiry(actor, inquiry)
    if form.client_id is not None and (earlier := await _lead_by_client_id(fair, actor, booth_id, form.client_id)):
        return earlier, True
    try:
        return await _insert_lead(fair, actor, booth_id, form), False
    except IntegrityError:
        # The same retry twice at once: the other one committed it.
        if form.client_id is None or not (earlier := await _lead_by_client_id(fair, actor, booth_id, form.client_id)):
            raise
        return earlier, True


async def _lead_by_client_id(fair: Fair, actor: AuthUser, booth_id: int, client_id: str) -> Lead | None:
    async with fair.db.reader() as s:
        q = select(Lead).where(Lead.buyer_id == actor.id, Lead.booth_id == booth_id, Lead.client_id == client_id)
        return (await s.scalars(q)).one_or_none()


async def _insert_lead(fair: Fair, actor: AuthUser, booth_id: int, form: Inquiry) -> Lead:
    await fair.limiter.hit(
        f"inquiry:{actor.id}",
        per_minute=fair.limits.inquiries_per_10_min / 10,
        burst=max(fair.limits.inquiries_per_10_min, 1),
        message="too many inquiries; try again later",
    )
    async with fair.db.session() as s:
        booth = await s.get(Booth, booth_id)
        if booth is None:
            raise NotFound("no such booth")
        buyer = await s.get(User, actor.id)
        assert buyer is not None
        session_id, offset = form.session_id, form.stream_offset_ms
        product_id = form.product_id
        if session_id is not None:
            if not await live_lookup.session_of_booth(s, session_id, booth.id):
                raise NotFound("no such session in this booth")
            if product_id is None and offset is not None:
                product_id = await live_lookup.pinned_product_at(s, session_id, offset)
        elif product_id is None:
            product_id = booth.pinned_product_id
            live = await live_lookup.live_offset(s, booth.id)
            if live is not None:
                session_id, offset = live
        if product_id is not None:
            product = await s.get(Product, product_id)
            if product is None or product.booth_id != booth.id:
                raise NotFound("no such product in this booth")
        lead = Lead(
            booth_id=booth.id,
            buyer_id=actor.id,
            email=form.email,
            company=form.company or buyer.company,
            country=buyer.country,
            product_id=product_id,
            quantity=form.quantity,
            unit=form.unit,
            target_price=form.target_price,
            currency=form.currency,
            incoterm=form.incoterm,
            destination_country=form.destination_country,
            message=form.message,
            source_lang=actor.lang,
            target_lang=booth.lang,
            status="new",
            session_id=session_id,
            stream_offset_ms=offset,
            consent_at=datetime.now(UTC),
            client_id=form.client_id,
        )
        s.add(lead)
        await s.flush()
        # In the lead's own transaction: a committed lead is a lead its CRM webhooks will get.
        await outbox.enqueue(s, "lead.created", booth.id, lead.id, {"lead": await _lead_json(s, lead)})
    return lead


async def do_translate_lead(fair: Fair, lead: Lead) -> Lead:
    """Add the message in the supplier's language (after the buyer's ack: it must not wait on MT)."""
    if lead.source_lang == lead.target_lang:
        return lead
    glossary = await fair.glossaries.get(lead.booth_id)
    result = (await fair.translator.translate(lead.message, lead.source_lang, [lead.target_lang], glossary))[
        lead.target_lang
    ]
    if result.translated:
        async with fair.db.session() as s:
            stored = await s.get(Lead, lead.id)
            if stored is not None:
                stored.message_translated = result.text
                stored.message_uncertain = result.uncertain
                lead = stored
    return lead


async def lead_json(fair: Fair, lead_id: int, *, notes: bool = False) -> Json:
    async with fair.db.reader() as s:
        lead = await s.get(Lead, lead_id)
        if lead is None:
            raise NotFound("no such lead")
        return await _lead_json(s, lead, notes=notes)


async def _lead_json(s: AsyncSession, lead: Lead, *, notes: bool = False) -> Json:
    buyer = await s.get(User, lead.buyer_id)
    assert buyer is not None
    product = await s.get(Product, lead.product_id) if lead.product_id else None
    out = lead_payload(lead, buyer, product)
    if notes:
        q = (
            select(LeadNote, User.display_name)
            .outerjoin(User, User.id == LeadNote.author_id)
            .where(LeadNote.lead_id == lead.id)
            .order_by(LeadNote.id)
        )
        out["notes"] = [_note_json(n, name) for n, name in (await s.execute(q)).all()]
    return out


def _note_json(note: LeadNote, author_name: str | None) -> Json:
    return {
        "id": note.id,
        "lead_id": note.lead_id,
        "author": {"id": note.author_id, "display_name": author_name},
        "text": note.text,
        "created_at": iso(note.created_at),
    }


def check_can_read_leads(actor: AuthUser, booth_id: int) -> None:
    if not (actor.is_staff_of(booth_id) or actor.is_moderator):
        raise Forbidden("only this booth's staff and moderators see its leads")


async def access_lead_by_id(s: AsyncSession, actor: AuthUser, lead_id: int, *, write: bool) -> Lead:
    """The lead if the actor may see (or, with `write`, work) it; `NotFound` for both missing and hidden."""
    lead = await s.get(Lead, lead_id)
    allowed = lead is not None and (actor.is_staff_of(lead.booth_id) or (actor.is_moderator and not write))
    if lead is None or not allowed:
        if lead is not None and actor.is_moderator:
            raise Forbidden("moderators may read leads but not work them")
        raise NotFound("no such lead")
    return lead


async def list_leads(fair: Fair, actor: AuthUser, booth_id: int) -> list[Json]:
    check_can_read_leads(actor, booth_id)
    async with fair.db.reader() as s:
        if await s.get(Booth, booth_id) is None:
            raise NotFound("no such booth")
        q = (
            select(Lead, User, Product)
            .join(User, User.id == Lead.buyer_id)
            .outerjoin(Product, Product.id == Lead.product_id)
            .where(Lead.booth_id == booth_id)
            .order_by(Lead.id.desc())
        )
        return [lead_payload(lead, buyer, product) for lead, buyer, product in (await s.execute(q)).all()]


async def booth_lead_notes(fair: Fair, actor: AuthUser, booth_id: int) -> dict[int, list[str]]:
    """Every note on the booth's leads, oldest first, as "author: text" lines keyed by lead id (for the CSV)."""
    check_can_read_leads(actor, booth_id)
    async with fair.db.reader() as s:
        q = (
            select(LeadNote.lead_id, LeadNote.text, User.display_name)
            .join(Lead, Lead.id == LeadNote.lead_id)
            .outerjoin(User, User.id == LeadNote.author_id)
            .where(Lead.booth_id == booth_id)
            .order_by(LeadNote.id)
        )
        out: dict[int, list[str]] = {}
        for lead_id, text, name in (await s.execute(q)).all():
            out.setdefault(int(lead_id), []).append(f"{name or '?'}: {text}")
        return out


async def get_lead(fair: Fair, actor: AuthUser, lead_id: int) -> Json:
    async with fair.db.reader() as s:
        lead = await access_lead_by_id(s, actor, lead_id, write=False)
        return await _lead_json(s, lead, notes=True)


async def do_update_status(fair: Fair, actor: AuthUser, lead_id: int, status: str) -> Json:
    if status not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
    async with fair.db.session() as s:
        lead = await access_lead_by_id(s, actor, lead_id, write=True)
        previous = lead.status
        lead.status = status
        lead.updated_at = datetime.now(UTC)
        if previous != status and lead.first_response_at is None:
            lead.first_response_at = lead.updated_at
        await s.flush()
        out = await _lead_json(s, lead)
        if previous != status:
            change = {"status": {"from": previous, "to": status}}
            await outbox.enqueue(s, "lead.updated", lead.booth_id, lead.id, {"lead": out, "changes": change})
        return out


async def do_add_note(fair: Fair, actor: AuthUser, lead_id: int, text: str) -> tuple[Json, Json]:
    """The note and the lead it belongs to."""
    text = free_text(text, "text", MAX_NOTE_LENGTH, required=True)
    async with fair.db.session() as s:
        lead = await access_lead_by_id(s, actor, lead_id, write=True)
        note = LeadNote(lead_id=lead.id, author_id=actor.id, text=text)
        s.add(note)
        lead.updated_at = datetime.now(UTC)
        if lead.first_response_at is None:
            lead.first_response_at = lead.updated_at
        await s.flush()
        return _note_json(note, actor.display_name), await _lead_json(s, lead)


CSV_COLUMNS = (
    "id", "created_at", "status", "buyer_name", "company", "country", "email", "product", "quantity",
    "unit", "target_price", "currency", "incoterm", "destination_country", "message",
    "message_translated", "translation_uncertain", "source_lang", "notes", "first_response_minutes",
)  # fmt: skip


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A cell starting with these runs as a formula in spreadsheets (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _minutes(ms: int | None) -> str:
    """Whole minutes and a tenth, so a quick answer is not rounded to nothing; empty while unworked."""
    return "" if ms is None else f"{ms / 60000:.1f}"


def _unit(units: Catalogue, unit: str | None, quantity: int | None, lang: str | None) -> str | None:
    code = units.unit_code(unit) if unit and lang else None
    return unit if code is None or lang is None else units.unit_for(code, lang, quantity)


def leads_csv(leads: list[Json], notes: dict[int, list[str]] | None = None, lang: str | None = None) -> str:
    """`notes` (from `booth_lead_notes`) go into one cell per lead, one note per line. With `lang`
    (the reader's), a unit the buyer typed in their language is written in the reader's when it
    names a known unit ("peças" for a Chinese supplier: 件); any other unit as typed."""
    notes = notes or {}
    units = catalogue()
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for lead in leads:
        b = lead["buyer"]
        row = [
            lead["id"], lead["created_at"], lead["status"], b["display_name"], b.get("company"),
            b.get("country"), b["email"], lead.get("product_name"), lead["quantity"],
            _unit(units, lead["unit"], lead["quantity"], lang),
            lead["target_price"], lead["currency"], lead["incoterm"], lead["destination_country"],
            lead["message"], lead["message_translated"],
            # A doubted translation is flagged, and the original sits beside it.
            "yes" if lead.get("message_uncertain") else ("no" if lead["message_translated"] else ""),
            lead["source_lang"], "\n".join(notes.get(lead["id"], [])), _minutes(lead.get("first_response_ms")),
        ]  # fmt: skip
        w.writerow([_cell(v) for v in row])
    return buf.getvalue()
