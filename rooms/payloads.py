"""What the domain sends: plain JSON-ready dicts for users, booths, products, messages, leads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from media.image_names import image_urls
from rooms.models import Booth, Lead, Message, Product, User
from rooms.phrases import StoredPhrase, catalogue

Json = dict[str, Any]


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def dec(value: Decimal | None) -> str | None:
    """A money amount as text: at least two decimals ("0.80"), more only when they matter."""
    if value is None:
        return None
    v = value.normalize()
    exp = v.as_tuple().exponent
    return format(v.quantize(Decimal("0.01")) if isinstance(exp, int) and exp > -2 else v, "f")


def user_payload(u: User) -> Json:
    out: Json = {"id": u.id, "display_name": u.display_name, "role": u.role, "lang": u.lang}
    if u.booth_id is not None:
        out["booth_id"] = u.booth_id
    if u.company:
        out["company"] = u.company
    if u.country:
        out["country"] = u.country
    return out


def product_payload(p: Product) -> Json:
    return {
        "id": p.id,
        "booth_id": p.booth_id,
        "sku": p.sku,
        "name": p.name,
        "description": p.description,
        "moq": p.moq,
        "unit": p.unit,
        "price": format(p.price.quantize(Decimal("0.01")), "f"),
        "currency": p.currency,
        "i18n": p.i18n or {},
        "image": image_urls(p.image),
    }


def booth_summary(b: Booth, *, live: bool, viewers: int) -> Json:
    return {
        "id": b.id,
        "slug": b.slug,
        "name": b.name,
        "supplier_name": b.supplier_name,
        "lang": b.lang,
        "live": live,
        "viewers": viewers,
        "country": b.country,
        "city": b.city,
        "category": b.category,
        "next_stream_at": iso(b.next_stream_at),
        "logo": image_urls(b.logo_image),
        "cover": image_urls(b.cover_image),
    }


@dataclass(slots=True)
class ChatRecord:
    """A committed chat message with the translations known so far."""

    id: int
    seq: int
    booth_id: int
    author: Json
    source_lang: str
    original: str
    created_at: datetime
    client_id: str | None = None
    session_id: int | None = None
    stream_offset_ms: int | None = None
    translations: dict[str, tuple[str, bool, bool]] = field(default_factory=dict)  # text, translated, uncertain
    # True when a send with an already stored (author, client_id) returned this record instead
    # of writing a new one: the sender gets the same ack, and nobody gets the message twice.
    resent: bool = False
    # A quick phrase: every reader's text is rendered from the catalogue, never translated.
    phrase: StoredPhrase | None = None
    # Translations the word filter masked: lang → (what MT wrote, the terms). Moderators only.
    filter_hits: dict[str, tuple[str, list[str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, msg: Message, author: Json) -> ChatRecord:
        return cls(
            id=msg.id,
            seq=msg.seq,
            booth_id=msg.booth_id,
            author=author,
            source_lang=msg.source_lang,
            original=msg.text,
            created_at=msg.created_at,
            client_id=msg.client_id,
            session_id=msg.session_id,
            stream_offset_ms=msg.stream_offset_ms,
            phrase=StoredPhrase.from_json(msg.phrase_id, msg.phrase_params or {}) if msg.phrase_id else None,
        )

    def payload(self, lang: str) -> Json:
        """The message as a recipient reading `lang` sees it."""
        if self.phrase is not None:
            # Exact in every language: `translated` says the text is not the author's own words.
            text, translated, uncertain = catalogue().render(self.phrase, lang), True, False
        elif lang == self.source_lang:
            text, translated, uncertain = self.original, False, False
        else:
            text, translated, uncertain = self.translations.get(lang, (self.original, False, False))
        out: Json = {
            "id": self.id,
            "seq": self.seq,
            "booth_id": self.booth_id,
            "author": self.author,
            "source_lang": self.source_lang,
            "text": text,
            "original": self.original,
            "translated": translated,
            "uncertain": uncertain,
            "created_at": iso(self.created_at),
        }
        if self.client_id is not None:
            out["client_id"] = self.client_id
        if self.session_id is not None:
            out["session_id"] = self.session_id
            out["stream_offset_ms"] = self.stream_offset_ms
        if self.phrase is not None:
            out["phrase"] = {"id": self.phrase.id, "params": self.phrase.params}
        return out


def lead_payload(lead: Lead, buyer: User, product: Product | None) -> Json:
    buyer_json: Json = {"id": buyer.id, "display_name": buyer.display_name, "email": lead.email}
    if lead.company or buyer.company:
        buyer_json["company"] = lead.company or buyer.company
    if lead.country or buyer.country:
        buyer_json["country"] = lead.country or buyer.country
    out: Json = {
        "id": lead.id,
        "booth_id": lead.booth_id,
        "buyer": buyer_json,
        "product_id": lead.product_id,
        "product_name": product.name if product else None,
        "quantity": lead.quantity,
        "unit": lead.unit,
        "target_price": dec(lead.target_price),
        "currency": lead.currency,
        "incoterm": lead.incoterm,
        "destination_country": lead.destination_country,
        "message": lead.message,
        "message_translated": lead.message_translated,
        "message_uncertain": lead.message_uncertain,
        "source_lang": lead.source_lang,
        "target_lang": lead.target_lang,
        "status": lead.status,
        "session_id": lead.session_id,
        "stream_offset_ms": lead.stream_offset_ms,
        "created_at": iso(lead.created_at),
        # The staff's first status change or note (rooms/leads.py); null while nobody has worked it.
        "first_response_at": iso(lead.first_response_at),
        "first_response_ms": (
            None
            if lead.first_response_at is None
            else max(0, int((lead.first_response_at - lead.created_at).total_seconds() * 1000))
        ),
    }
    return out
