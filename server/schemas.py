"""One strict model per inbound event and HTTP body, validated once at the edge.

Unknown fields, wrong types and missing fields are `bad_request`. Chat text and inquiry messages
carry no length limit here: an over-long one is answered `too_long` by the domain.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from rooms.chat import CATCH_UP_MAX
from rooms.leads import LeadStatus
from rooms.models import MAX_ID

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def path_id(raw: str) -> int | None:
    """A URL path id, or None when it cannot name a row (not digits, 0, or past MAX_ID)."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None
Lang = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, max_length=254, pattern=r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$"
    ),
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


def _storable(value: Any) -> None:
    """Refuse text no database column can hold, wherever it sits in a payload."""
    if isinstance(value, str):
        # PostgreSQL text cannot hold NUL, and a lone surrogate has no UTF-8 form for any driver:
        # either reached the database as a 500 (`internal` on sockets), never a `bad_request`.
        if "\x00" in value:
            raise ValueError("text may not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable(key)
            _storable(item)
    elif isinstance(value, list):
        for item in value:
            _storable(item)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _only_storable_text(cls, data: Any) -> Any:
        _storable(data)
        return data


class Empty(Strict):
    pass


class BoothRef(Strict):
    booth_id: Id


class PhraseIn(Strict):
    """A quick phrase by catalogue id; `params` are checked against the phrase by the domain."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    params: Annotated[dict[str, Any], Field(max_length=10)] = Field(default_factory=dict)


class _TextOrPhrase(Strict):
    text: str | None = None
    phrase: PhraseIn | None = None

    @model_validator(mode="after")
    def _one_of(self) -> _TextOrPhrase:
        if (self.text is None) == (self.phrase is None):
            raise ValueError("send either text or phrase")
        return self


ClientId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class ChatSend(_TextOrPhrase):
    booth_id: Id
    client_id: ClientId | None = None


class ChatPreview(_TextOrPhrase):
    booth_id: Id


class ChatHistory(Strict):
    booth_id: Id
    after_seq: Annotated[int, Field(ge=0, le=2**53 - 1)]  # seq is BIGINT; 2^53 keeps it exact in JS
    limit: Annotated[int, Field(ge=1, le=CATCH_UP_MAX)] | None = None


class InquirySubmit(Strict):
    booth_id: Id
    message: str
    email: Email
    consent: Literal[True]
    product_id: Id | None = None
    quantity: Annotated[int, Field(ge=1, le=10**12)] | None = None
    unit: ShortText | None = None
    target_price: Annotated[Decimal, Field(strict=False, ge=0, max_digits=14, decimal_places=4)] | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    incoterm: Literal["EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP"] | None = (
        None
    )
    destination_country: ShortText | None = None
    company: ShortText | None = None
    session_id: Id | None = None
    stream_offset_ms: Annotated[int, Field(ge=0, le=10**10)] | None = None
    # The page's id for this inquiry: a retry after a lost ack gets the lead it already made.
    client_id: ClientId | None = None


class ProductPin(Strict):
    booth_id: Id
    product_id: Id | None


class LeadUpdate(Strict):
    lead_id: Id
    status: LeadStatus


NoteText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class LeadNoteIn(Strict):
    lead_id: Id
    text: NoteText


class ModHide(Strict):
    message_id: Id
    reason: Reason | None = None


class ModMute(Strict):
    booth_id: Id
    user_id: Id
    minutes: Annotated[int, Field(ge=1, le=10080)]
    reason: Reason | None = None


class ModBan(Strict):
    user_id: Id
    reason: Reason | None = None
    hide_messages: bool = False  # (ext) also hide their messages of the last 24 h


class ModUnban(Strict):
    user_id: Id


class SlowModeSet(Strict):
    booth_id: Id
    seconds: Annotated[int, Field(ge=0, le=600)]


class ChatReport(Strict):
    message_id: Id
    reason: Literal["spam", "abuse", "scam", "off_topic", "other"]
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


# HTTP bodies


class GuestIn(Strict):
    display_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    lang: Lang
    company: ShortText | None = None
    country: ShortText | None = None


class MeIn(Strict):
    lang: Lang


class LoginIn(Strict):
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class LeadStatusIn(Strict):
    status: LeadStatus


class NoteIn(Strict):
    text: NoteText


# A booth's glossary: types here; lengths, language codes and control characters are the
# domain's rules (rooms/glossary.py), so every transport answers them the same way.


class GlossaryTermIn(Strict):
    term: str
    translations: dict[str, str] = Field(default_factory=dict)


class GlossaryTermPatch(Strict):
    term: str | None = None
    translations: dict[str, str] | None = None


# CRM webhooks: types and list sizes here; URL rules, event names and lengths are the domain's
# (rooms/webhooks.py).


class WebhookIn(Strict):
    url: Annotated[str, StringConstraints(max_length=4000)]
    events: Annotated[list[str], Field(max_length=10)] | None = None
    enabled: bool = True
    description: Annotated[str, StringConstraints(max_length=1000)] | None = None


class WebhookPatch(Strict):
    url: Annotated[str, StringConstraints(max_length=4000)] | None = None
    events: Annotated[list[str], Field(max_length=10)] | None = None
    enabled: bool | None = None
    description: Annotated[str, StringConstraints(max_length=1000)] | None = None
    rotate_secret: bool = False


# Moderation (rooms/filters.py, rooms/reports.py): sizes here, the rest is the domain's.


class FiltersIn(Strict):
    terms: Annotated[list[Annotated[str, StringConstraints(max_length=200)]], Field(max_length=500)]
    link_policy: Literal["off", "block", "allowlist"]
    allowed_domains: Annotated[list[Annotated[str, StringConstraints(max_length=253)]], Field(max_length=200)] = []


class ReportResolve(Strict):
    action: Literal["hide", "dismiss"]
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class ReportsQuery(BaseModel):
    status: Literal["open", "hidden", "dismissed"] | None = Field(default=None, description="only these")


# Query strings and nginx's form, for the OpenAPI document (server/openapi.py). The handlers read
# these few values themselves; the models say what they accept.


class BoothQuery(BaseModel):
    lang: str | None = Field(default=None, description="each product gets `localized` in this language")


class ProductTextIn(Strict):
    """A correction of a product's texts in one language; it becomes the supplier's own."""

    name: Annotated[str, StringConstraints(max_length=160)] | None = None
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None


class LeadsQuery(BaseModel):
    format: str | None = Field(default=None, description="`csv` for a CSV file; anything else is JSON")


class AnalyticsQuery(BaseModel):
    """`?from=&to=&granularity=&format=` of the analytics routes (ISO 8601; no zone means UTC)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    from_: datetime | None = Field(default=None, alias="from", description="start (default: `to` − 7 days)")
    to: datetime | None = Field(default=None, description="end, exclusive (default: now); at most 92 days after `from`")
    granularity: Literal["stream", "day"] = Field(default="day", description="a period per live stream or per UTC day")
    format: Literal["json", "csv"] = Field(default="json", description="`csv` for a CSV file")


class CalendarQuery(BaseModel):
    """`?lang=` of a booth's `.ics`: the event's title in the viewer's interface language."""

    model_config = ConfigDict(extra="ignore")

    lang: str = Field(default="en", max_length=16, description="an interface language (others: English)")


class RtmpHookQuery(BaseModel):
    s: str = Field(description="the per-process secret our nginx-rtmp was started with")


class RtmpHookForm(BaseModel):
    """nginx-rtmp's `on_publish` form; it sends more fields (app, addr, ...), which are ignored."""

    name: str = Field(description="the stream key")
