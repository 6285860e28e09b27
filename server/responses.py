"""What the HTTP API answers, as pydantic models: the OpenAPI document's response schemas.

The handlers build their JSON with the domain's payload helpers (`rooms/payloads.py`, ...); these
models describe that JSON and never produce it, so documenting the API changes no byte on the
wire. `tests/test_openapi.py` validates real answers against them (strictly: a documented `int`
must be a JSON integer), and schemathesis checks every operation's answers against the document.

Unknown fields are allowed: the contract is extended by adding fields (docs/protocol.md), and a
client must ignore what it does not know. A field the domain may leave out is optional here; one
it always sends, possibly as null, is required and nullable.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from rooms.leads import LeadStatus

IsoTime = Annotated[str, Field(description="ISO 8601, UTC (`2026-05-04T10:00:00Z`)")]
DecimalText = Annotated[str, Field(pattern=r"^\d+(\.\d+)?$", description="a decimal amount as text")]
Role = Literal["buyer", "supplier", "moderator", "admin"]


class Out(BaseModel):
    model_config = ConfigDict(strict=True)


class ErrorDetail(Out):
    code: str = Field(description="a stable code: bad_request, unauthorized, not_found, ...")
    message: str
    retry_after: float | None = Field(default=None, description="with rate_limited, unavailable: seconds to wait")


class ErrorOut(Out):
    error: ErrorDetail


class HealthOut(Out):
    status: Literal["ok"]


class User(Out):
    id: int
    display_name: str
    role: Role
    lang: str
    booth_id: int | None = None
    company: str | None = None
    country: str | None = None


class AuthOut(Out):
    token: str = Field(description="send as `Authorization: Bearer <token>`")
    user: User


class MeOut(Out):
    user: User


class ImageUrls(Out):
    """An uploaded image's re-encoded WebP sizes by width (media/images.py)."""

    small: str = Field(alias="320", description="320 px wide")
    large: str = Field(alias="960", description="960 px wide")


class LocalizedField(Out):
    i18n_source: Literal["supplier", "machine", "original"]
    uncertain: bool
    text_lang: str = Field(
        description="the language the text is in: `lang`, or for `original` the supplier's English "
        "when they wrote one, else the booth's language"
    )


class LocalizedProduct(Out):
    """A product's texts in one reader's language (rooms/product_texts.py)."""

    lang: str
    name: str
    description: str
    unit: str
    i18n_source: Literal["supplier", "machine", "original"] = Field(
        description="supplier: their own wording; machine: machine-translated; original: not in `lang` yet"
    )
    translated: bool
    uncertain: bool = Field(description="the translation is doubted: show the original first")
    fields: dict[str, LocalizedField]


class Product(Out):
    id: int
    booth_id: int
    sku: str
    name: str
    description: str
    moq: int
    unit: str
    price: DecimalText
    currency: str
    i18n: dict[str, Any]
    image: ImageUrls | None = None
    localized: LocalizedProduct | None = None


class BoothSummary(Out):
    id: int
    slug: str
    name: str
    supplier_name: str
    lang: str
    live: bool
    viewers: int
    country: str
    city: str
    category: str
    next_stream_at: IsoTime | None
    logo: ImageUrls | None = None
    cover: ImageUrls | None = None
    live_thumbnail: str | None = Field(default=None, description="a JPEG grabbed every few seconds while live")
    product_count: int
    product_names: list[str] = Field(description="each product's name and the supplier's translations of it, for search")
    languages: dict[str, int] = Field(description="viewers present per language")


class BoothList(RootModel[list[BoothSummary]]):
    pass


class LiveRef(Out):
    id: int
    started_at: IsoTime
    source: Literal["browser", "rtmp"] | None = Field(default=None, description="(ext) who sends the stream")


class BoothDetail(Out):
    id: int
    slug: str
    name: str
    supplier_name: str
    lang: str
    live: bool
    viewers: int
    country: str
    city: str
    category: str
    next_stream_at: IsoTime | None
    logo: ImageUrls | None = None
    cover: ImageUrls | None = None
    products: list[Product]
    pinned_product_id: int | None
    languages: dict[str, int]
    live_session: LiveRef | None


class PersonRef(Out):
    id: int | None
    display_name: str | None


class Buyer(Out):
    id: int
    display_name: str
    email: str
    company: str | None = None
    country: str | None = None


class Note(Out):
    id: int
    lead_id: int
    author: PersonRef
    text: str
    created_at: IsoTime


class Lead(Out):
    id: int
    booth_id: int
    buyer: Buyer
    product_id: int | None
    product_name: str | None
    quantity: int | None
    unit: str | None
    target_price: DecimalText | None
    currency: str | None
    incoterm: str | None
    destination_country: str | None
    message: str
    message_translated: str | None
    message_uncertain: bool
    source_lang: str
    target_lang: str
    status: LeadStatus
    session_id: int | None
    stream_offset_ms: int | None
    created_at: IsoTime
    first_response_at: IsoTime | None = Field(
        default=None, description="the staff's first status change or note; null while nobody has worked it"
    )
    first_response_ms: int | None = Field(default=None, description="from `created_at` to `first_response_at`")
    notes: list[Note] | None = Field(default=None, description="with GET /api/leads/{lead_id} only")


class LeadsOut(Out):
    leads: list[Lead]


class LeadOut(Out):
    lead: Lead


class NoteOut(Out):
    note: Note


class Pair(Out):
    source: str
    target: str
    via: str | None = Field(description='"en" when the pair pivots through English')
    engines: list[str] = Field(description='the engine of each hop, in order: "argos" or "apertium"')


class TranslationOut(Out):
    languages: list[str]
    pairs: list[Pair]


class AuditEntry(Out):
    id: int
    actor: PersonRef
    action: str
    booth_id: int | None
    target_user_id: int | None
    target_user: PersonRef | None = None
    message_id: int | None
    detail: str
    created_at: IsoTime


class AuditOut(Out):
    entries: list[AuditEntry]


class GlossaryTerm(Out):
    id: int
    term: str
    translations: dict[str, str]


class GlossaryOut(Out):
    booth_id: int
    version: int
    terms: list[GlossaryTerm]


# Livestream (server/live/)


class StreamSettings(Out):
    rtmp_url: str | None = Field(description="OBS server URL (`rtmp://HOST:PORT/live`); null when RTMP is off")
    stream_key: str
    rtmp_enabled: bool
    rtmp_error: str | None


class LiveState(Out):
    booth_id: int
    live: bool
    session_id: int | None
    hls_url: str | None
    started_at: IsoTime | None
    ready: bool = Field(description="the first segment exists: a player may start")
    viewers: int | None = None


class Session(Out):
    id: int
    booth_id: int
    source: Literal["browser", "rtmp"]
    status: Literal["live", "ended", "pruned"]
    live: bool
    started_at: IsoTime
    ended_at: IsoTime | None
    duration_ms: int | None
    hls_url: str
    replay_url: str | None


class SessionOut(Out):
    session: Session


class SessionsOut(Out):
    sessions: list[Session]


class BoothRef(Out):
    id: int
    slug: str
    name: str
    lang: str


class PhraseRef(Out):
    id: str = Field(description="a phrase of `GET /api/phrases`")
    params: dict[str, int | str]


class ChatMessage(Out):
    id: int
    seq: int
    booth_id: int
    author: dict[str, Any]
    source_lang: str
    text: str
    original: str
    translated: bool
    uncertain: bool
    created_at: IsoTime
    client_id: str | None = None
    session_id: int | None = None
    stream_offset_ms: int | None = None
    phrase: PhraseRef | None = Field(default=None, description="a quick phrase: `text` is rendered from it")


class Pin(Out):
    offset_ms: int
    product_id: int | None
    product: Product | None


class SessionDetail(Out):
    session: Session
    booth: BoothRef
    chat: list[ChatMessage]
    pins: list[Pin]


class ImageOut(Out):
    """A stored upload: its sizes, and the original's size in pixels."""

    image: ImageUrls
    width: int
    height: int


class StaffProduct(Product):
    texts: dict[str, LocalizedProduct] = Field(description="the product in each language, by language")


class ProductTextsOut(Out):
    booth_id: int
    lang: str = Field(description="the booth's own language, in which `name` and `description` are written")
    languages: list[str]
    products: list[StaffProduct]


class ProductCorrectionOut(Out):
    product: Product
