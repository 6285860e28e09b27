"""The stored data of a fair, one module per concept. Schema changes go through Alembic
(rooms/migrations); importing this package puts every table on `Base.metadata`.
"""

from __future__ import annotations

from rooms.models.accounts import User
from rooms.models.analytics import BoothVisit, PresenceSample
from rooms.models.base import MAX_ID, Base, UTCDateTime, utcnow
from rooms.models.booths import Booth, GlossaryEntry, Product, ProductTranslation
from rooms.models.chat import ChatFilter, Message, MessageTranslation, TranslationFlag
from rooms.models.leads import Lead, LeadNote
from rooms.models.live import LiveSession, PinEvent
from rooms.models.moderation import AuditEntry, MessageReport, Mute
from rooms.models.webhooks import OutboxEvent, Webhook, WebhookDelivery

__all__ = [
    "MAX_ID",
    "AuditEntry",
    "Base",
    "Booth",
    "BoothVisit",
    "ChatFilter",
    "GlossaryEntry",
    "Lead",
    "LeadNote",
    "LiveSession",
    "Message",
    "MessageReport",
    "MessageTranslation",
    "Mute",
    "OutboxEvent",
    "PinEvent",
    "PresenceSample",
    "Product",
    "ProductTranslation",
    "TranslationFlag",
    "UTCDateTime",
    "User",
    "Webhook",
    "WebhookDelivery",
    "utcnow",
]
