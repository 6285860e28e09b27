"""CRM webhooks: who may manage which endpoint, what a valid one is, and its deliveries.

A booth's staff manage their booth's endpoints; admins manage those of any booth and the
fair-wide ones (every booth's leads). The secret is generated here and shown once, at creation.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from rooms.auth import AuthUser
from rooms.context import Fair
from rooms.errors import BadRequest, Conflict, Forbidden, NotFound
from rooms.models import Booth, OutboxEvent, Webhook, WebhookDelivery
from rooms.outbox import EVENT_TYPES
from rooms.payloads import Json, iso
from rooms.plain_text import free_text
from rooms.webhook_errors import error_kind

MAX_PER_BOOTH = 5
MAX_FAIR_WIDE = 10
MAX_URL_LENGTH = 2000
MAX_DESCRIPTION = 200
DELIVERIES_SHOWN = 100
WRITE_BURST = 20
WRITES_PER_MINUTE = 30


def is_public_address(host: str) -> bool:
    """Whether an IP address is a global unicast one (not loopback, private, link-local, ...)."""
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


# A host made of numbers in inet_aton's forms (decimal, octal, hex; one to four parts).
NUMERIC_HOST = re.compile(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}", re.IGNORECASE)


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _bad_url(message: str, reason: str) -> BadRequest:
    # `reason` lets the console say it in the supplier's language; the message is for API users.
    return BadRequest(f"url: {message}", field="url", reason=reason)


def check_url(url: str, *, allow_private: bool) -> str:
    """An absolute http(s) URL without credentials; `BadRequest` saying what is wrong otherwise.

    Unless the operator allows it, a URL may not name this server's own networks (loopback,
    private, link-local: a booth could otherwise make the server call its database or a cloud
    metadata service). Host names are checked again when resolved, at every delivery.
    """
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise _bad_url(f"give an http(s) URL of at most {MAX_URL_LENGTH} characters", "url_length")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise _bad_url("no spaces or control characters", "url_chars")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises for a port that is not a number in range
    except ValueError:
        raise _bad_url("not a valid URL", "url_invalid") from None
    if parts.scheme not in ("http", "https"):
        raise _bad_url("the scheme must be https or http", "url_scheme")
    if not parts.hostname:
        raise _bad_url("a host is required", "url_host")
    # Credentials in a URL end up in logs and in every console that lists it: sign requests instead.
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _bad_url("credentials in the URL are not allowed; verify the signature instead", "url_credentials")
    if parts.fragment:
        raise _bad_url("a fragment (#...) is never sent; leave it out", "url_fragment")
    host = parts.hostname.rstrip(".")
    if NUMERIC_HOST.fullmatch(host) and not is_ip_literal(host):
        # "127.1", "2130706433", "0x7f000001": inet_aton's shorthands for an address. They passed
        # the check above as names, and no delivery could ever go out to them.
        raise _bad_url("write an IPv4 address as four decimal numbers (a.b.c.d)", "url_ipv4_form")
    if not allow_private and (
        host == "localhost"
        or host.endswith(".localhost")
        or (is_ip_literal(host) and not is_public_address(host))
    ):
        raise _bad_url("loopback, private and link-local addresses are refused on this server", "url_private")
    return url


def check_events(events: list[str] | None) -> list[str]:
    chosen = list(EVENT_TYPES) if events is None else events
    unknown = [e for e in chosen if e not in EVENT_TYPES]
    if unknown or not chosen:
        raise BadRequest(
            f"events: choose one or more of {', '.join(EVENT_TYPES)}", field="events", reason="events"
        )
    return [e for e in EVENT_TYPES if e in chosen]


def check_description(text: str | None) -> str:
    return free_text(text or "", "description", MAX_DESCRIPTION, required=False)


async def _limit_writes(fair: Fair, actor: AuthUser) -> None:
    """Creates, changes, deletes and redeliveries share one bucket per user (each may POST to a CRM)."""
    await fair.limiter.hit(
        f"webhooks:{actor.id}", per_minute=WRITES_PER_MINUTE, burst=WRITE_BURST,
        message="too many webhook changes; try again in a moment",
    )  # fmt: skip


def check_can_manage(actor: AuthUser, booth_id: int | None) -> None:
    if actor.role == "admin":
        return
    if booth_id is None:
        raise Forbidden("only admins manage fair-wide webhooks")
    if not actor.is_staff_of(booth_id):
        raise Forbidden("only this booth's staff and admins manage its webhooks")


async def access_webhook_by_id(s: AsyncSession, actor: AuthUser, webhook_id: int) -> Webhook:
    """The webhook if the actor may manage it; `NotFound` for both missing and someone else's."""
    hook = await s.get(Webhook, webhook_id)
    if hook is None or not (
        actor.role == "admin" or (hook.booth_id is not None and actor.is_staff_of(hook.booth_id))
    ):
        raise NotFound("no such webhook")
    return hook


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def webhook_json(hook: Webhook, stats: dict[str, int] | None = None, last: Json | None = None) -> Json:
    return {
        "id": hook.id,
        "booth_id": hook.booth_id,
        "url": hook.url,
        "events": list(hook.events or []),
        "enabled": hook.enabled,
        "description": hook.description,
        # Enough to tell two secrets apart in the console, never enough to sign with.
        "secret_hint": hook.secret[:6] + "…" + hook.secret[-4:],
        "deliveries": stats or {"pending": 0, "delivered": 0, "failed": 0},
        # The most recent attempt, whatever its delivery: a failing CRM shows at a glance.
        "last_attempt": last,
        "created_at": iso(hook.created_at),
        "updated_at": iso(hook.updated_at),
    }


def delivery_json(d: WebhookDelivery, event: OutboxEvent) -> Json:
    return {
        "id": d.id,
        "webhook_id": d.webhook_id,
        "event": {
            "id": event.uid,
            "type": event.event_type,
            "lead_id": event.lead_id,
            "created_at": iso(event.created_at),
        },
        "status": d.status,
        "attempts": d.attempts,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "error_kind": error_kind(d.last_error, d.last_status_code),
        "last_attempt_at": iso(d.last_attempt_at),
        "next_attempt_at": iso(d.next_attempt_at) if d.status == "pending" else None,
        "delivered_at": iso(d.delivered_at),
        "created_at": iso(d.created_at),
    }


async def _stats(s: AsyncSession, ids: list[int]) -> dict[int, dict[str, int]]:
    out = {i: {"pending": 0, "delivered": 0, "failed": 0} for i in ids}
    if ids:
        q = (
            select(WebhookDelivery.webhook_id, WebhookDelivery.status, func.count())
            .where(WebhookDelivery.webhook_id.in_(ids))
            .group_by(WebhookDelivery.webhook_id, WebhookDelivery.status)
        )
        for hook_id, status, n in (await s.execute(q)).all():
            out[hook_id][status] = int(n)
    return out


async def _last_attempt(s: AsyncSession, hook_id: int) -> Json | None:
    d = (
        await s.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == hook_id, WebhookDelivery.last_attempt_at.is_not(None))
            .order_by(WebhookDelivery.last_attempt_at.desc(), WebhookDelivery.id.desc())
            .limit(1)
        )
    ).first()
    if d is None:
        return None
    kind = error_kind(d.last_error, d.last_status_code)
    return {"at": iso(d.last_attempt_at), "ok": kind is None, "error_kind": kind,
            "status_code": d.last_status_code}  # fmt: skip


async def list_webhooks(fair: Fair, actor: AuthUser, booth_id: int | None) -> list[Json]:
    """A booth's endpoints, or (`booth_id` None) the fair-wide ones."""
    check_can_manage(actor, booth_id)
    async with fair.db.reader() as s:
        if booth_id is not None and await s.get(Booth, booth_id) is None:
            raise NotFound("no such booth")
        where = Webhook.booth_id.is_(None) if booth_id is None else Webhook.booth_id == booth_id
        hooks = list((await s.scalars(select(Webhook).where(where).order_by(Webhook.id))).all())
        stats = await _stats(s, [h.id for h in hooks])
        return [webhook_json(h, stats[h.id], await _last_attempt(s, h.id)) for h in hooks]


async def do_create_webhook(
    fair: Fair, actor: AuthUser, booth_id: int | None, form: dict[str, Any], *, allow_private: bool
) -> Json:
    """The new endpoint, with its `secret`: the only answer that ever carries it."""
    check_can_manage(actor, booth_id)
    url = check_url(form["url"], allow_private=allow_private)
    events = check_events(form.get("events"))
    description = check_description(form.get("description"))
    await _limit_writes(fair, actor)
    async with fair.db.session() as s:
        if booth_id is not None and await s.get(Booth, booth_id) is None:
            raise NotFound("no such booth")
        where = Webhook.booth_id.is_(None) if booth_id is None else Webhook.booth_id == booth_id
        cap = MAX_FAIR_WIDE if booth_id is None else MAX_PER_BOOTH
        if (await s.scalar(select(func.count()).select_from(Webhook).where(where)) or 0) >= cap:
            raise Conflict(f"at most {cap} webhooks here; delete one first", reason="full", limit=cap)
        hook = Webhook(booth_id=booth_id, url=url, secret=new_secret(), events=events,
                       enabled=form.get("enabled", True), description=description, created_by_id=actor.id)  # fmt: skip
        s.add(hook)
        await s.flush()
        return {**webhook_json(hook), "secret": hook.secret}


async def do_update_webhook(
    fair: Fair, actor: AuthUser, webhook_id: int, form: dict[str, Any], *, allow_private: bool
) -> Json:
    async with fair.db.session() as s:
        hook = await access_webhook_by_id(s, actor, webhook_id)
        await _limit_writes(fair, actor)
        if form.get("url") is not None:
            hook.url = check_url(form["url"], allow_private=allow_private)
        if form.get("events") is not None:
            hook.events = check_events(form["events"])
        if form.get("enabled") is not None:
            hook.enabled = bool(form["enabled"])
        if form.get("description") is not None:
            hook.description = check_description(form["description"])
        if form.get("rotate_secret"):
            hook.secret = new_secret()
        hook.updated_at = datetime.now(UTC)
        await s.flush()
        out = webhook_json(hook, (await _stats(s, [hook.id]))[hook.id], await _last_attempt(s, hook.id))
        return {**out, "secret": hook.secret} if form.get("rotate_secret") else out


async def do_delete_webhook(fair: Fair, actor: AuthUser, webhook_id: int) -> None:
    async with fair.db.session() as s:
        hook = await access_webhook_by_id(s, actor, webhook_id)
        await _limit_writes(fair, actor)
        await s.delete(hook)


async def list_deliveries(fair: Fair, actor: AuthUser, webhook_id: int) -> list[Json]:
    """The newest deliveries of an endpoint, newest first."""
    async with fair.db.reader() as s:
        hook = await access_webhook_by_id(s, actor, webhook_id)
        q = (
            select(WebhookDelivery, OutboxEvent)
            .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.webhook_id == hook.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(DELIVERIES_SHOWN)
        )
        return [delivery_json(d, e) for d, e in (await s.execute(q)).all()]


async def do_redeliver(fair: Fair, actor: AuthUser, webhook_id: int, delivery_id: int) -> Json:
    """A new delivery of the same event (same idempotency key), due now; one pending at a time."""
    async with fair.db.session() as s:
        hook = await access_webhook_by_id(s, actor, webhook_id)
        old = await s.get(WebhookDelivery, delivery_id)
        if old is None or old.webhook_id != hook.id:
            raise NotFound("no such delivery")
        pending = await s.scalar(
            select(func.count()).select_from(WebhookDelivery).where(
                WebhookDelivery.webhook_id == hook.id, WebhookDelivery.event_id == old.event_id,
                WebhookDelivery.status == "pending",
            )
        )  # fmt: skip
        if pending:
            raise Conflict("this event is already waiting to be delivered", reason="pending")
        await _limit_writes(fair, actor)
        event = await s.get(OutboxEvent, old.event_id)
        assert event is not None
        now = datetime.now(UTC)
        fresh = WebhookDelivery(event_id=old.event_id, webhook_id=hook.id, status="pending", attempts=0,
                                next_attempt_at=now, created_at=now)  # fmt: skip
        s.add(fresh)
        await s.flush()
        return delivery_json(fresh, event)
