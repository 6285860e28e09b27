"""The HTTP API of CRM webhooks: endpoints per booth or fair-wide, their deliveries, redelivery.

Who may is the domain's question (`rooms/webhooks.py`: a booth's staff for their booth, admins for
any booth and the fair-wide ones, by the caller's current role); this module parses ids and
bodies and maps the answers. Delivery itself is `server/webhook_sender.py`'s.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import Field

from rooms import webhooks
from rooms.webhook_errors import ErrorKind
from server import schemas
from server.api_routes import api_routes
from server.http_api import body, id_param, jsonify
from server.http_auth import require_user
from server.keys import FAIR, SETTINGS, WEBHOOK_SENDER
from server.responses import IsoTime, Out

TAG = "webhooks"


# --- CRM webhooks: what the answers look like (the OpenAPI document's response models) ---

# CRM webhooks (rooms/webhooks.py: webhook_json, delivery_json)

WebhookEvent = Literal["lead.created", "lead.updated"]


class DeliveryCounts(Out):
    pending: int
    delivered: int
    failed: int


class LastAttempt(Out):
    at: IsoTime
    ok: bool
    error_kind: ErrorKind | None = Field(description="why it failed (rooms/webhook_errors.py); null when ok")
    status_code: int | None


class Webhook(Out):
    id: int
    booth_id: int | None = Field(description="null: a fair-wide endpoint (every booth's leads)")
    url: str
    events: list[WebhookEvent]
    enabled: bool
    description: str
    secret_hint: str = Field(description="enough to tell two secrets apart, never to sign with")
    deliveries: DeliveryCounts
    last_attempt: LastAttempt | None = Field(default=None, description="(ext) the most recent delivery attempt")
    created_at: IsoTime
    updated_at: IsoTime
    secret: str | None = Field(
        default=None, description="`whsec_...`: in the creation and rotation answers only"
    )


class WebhooksOut(Out):
    webhooks: list[Webhook]


class WebhookOut(Out):
    webhook: Webhook


class DeliveryEvent(Out):
    id: str = Field(description="the event id, also the receiver's idempotency key")
    type: WebhookEvent
    lead_id: int | None
    created_at: IsoTime


class Delivery(Out):
    id: int
    webhook_id: int
    event: DeliveryEvent
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    error_kind: ErrorKind | None = Field(default=None, description="(ext) `last_error` as one code")
    last_attempt_at: IsoTime | None
    next_attempt_at: IsoTime | None = Field(description="while pending")
    delivered_at: IsoTime | None
    created_at: IsoTime


class DeliveriesOut(Out):
    deliveries: list[Delivery] = Field(description="the newest 100, newest first")


class DeliveryOut(Out):
    delivery: Delivery


def _allow_private(request: web.Request) -> bool:
    return request.app[SETTINGS].webhook_allow_private


async def get_booth_webhooks(request: web.Request) -> web.Response:
    """`{webhooks: [...]}` of a booth; its staff and admins."""
    actor = await require_user(request)
    booth_id = id_param(request, "booth_id")
    return jsonify({"webhooks": await webhooks.list_webhooks(request.app[FAIR], actor, booth_id)})


async def post_booth_webhook(request: web.Request) -> web.Response:
    """`{url, events?, enabled?, description?}` → 201 `{webhook}` whose `secret` is shown this once."""
    actor = await require_user(request)
    booth_id = id_param(request, "booth_id")
    p = await body(request, schemas.WebhookIn)
    hook = await webhooks.do_create_webhook(
        request.app[FAIR], actor, booth_id, p.model_dump(), allow_private=_allow_private(request)
    )
    return jsonify({"webhook": hook}, status=201)


async def get_fair_webhooks(request: web.Request) -> web.Response:
    """`{webhooks: [...]}` that get every booth's leads; admins."""
    actor = await require_user(request)
    return jsonify({"webhooks": await webhooks.list_webhooks(request.app[FAIR], actor, None)})


async def post_fair_webhook(request: web.Request) -> web.Response:
    """As for a booth, for every booth's leads; admins."""
    actor = await require_user(request)
    p = await body(request, schemas.WebhookIn)
    hook = await webhooks.do_create_webhook(
        request.app[FAIR], actor, None, p.model_dump(), allow_private=_allow_private(request)
    )
    return jsonify({"webhook": hook}, status=201)


async def patch_webhook(request: web.Request) -> web.Response:
    """`{url?, events?, enabled?, description?, rotate_secret?}` → `{webhook}` (+ `secret` if rotated)."""
    actor = await require_user(request)
    webhook_id = id_param(request, "webhook_id")
    p = await body(request, schemas.WebhookPatch)
    hook = await webhooks.do_update_webhook(
        request.app[FAIR], actor, webhook_id, p.model_dump(), allow_private=_allow_private(request)
    )
    return jsonify({"webhook": hook})


async def delete_webhook(request: web.Request) -> web.Response:
    """→ 204; its pending deliveries go with it."""
    actor = await require_user(request)
    await webhooks.do_delete_webhook(request.app[FAIR], actor, id_param(request, "webhook_id"))
    return web.Response(status=204)


async def get_deliveries(request: web.Request) -> web.Response:
    """`{deliveries: [...]}`, the newest 100, newest first."""
    actor = await require_user(request)
    rows = await webhooks.list_deliveries(request.app[FAIR], actor, id_param(request, "webhook_id"))
    return jsonify({"deliveries": rows})


async def post_redeliver(request: web.Request) -> web.Response:
    """→ 202 `{delivery}`: the same event again, due now; `conflict` while one is still pending."""
    actor = await require_user(request)
    webhook_id, delivery_id = id_param(request, "webhook_id"), id_param(request, "delivery_id")
    delivery = await webhooks.do_redeliver(request.app[FAIR], actor, webhook_id, delivery_id)
    request.app[WEBHOOK_SENDER].wake()
    return jsonify({"delivery": delivery}, status=202)


def setup_webhook_api(app: web.Application) -> None:
    api = api_routes(app)
    staff = "Staff of the booth and admins."
    manager = "Who may manage the webhook: its booth's staff, admins; anyone else's id is 404."
    hooks = WebhooksOut
    api.get(r"/api/booths/{booth_id:\d+}/webhooks", get_booth_webhooks, summary="A booth's webhooks",
            description=staff, auth="bearer", tag=TAG, response=hooks)  # fmt: skip
    api.post(r"/api/booths/{booth_id:\d+}/webhooks", post_booth_webhook, summary="Add a booth's webhook",
             description=staff + " The answer carries the `secret`, this once.", auth="bearer", tag=TAG,
             body=schemas.WebhookIn, response=WebhookOut, status=201, errors=(409, 429))  # fmt: skip
    api.get("/api/webhooks", get_fair_webhooks, summary="The fair-wide webhooks", description="Admins.",
            auth="bearer", tag=TAG, response=hooks)  # fmt: skip
    api.post("/api/webhooks", post_fair_webhook, summary="Add a fair-wide webhook",
             description="Admins. The answer carries the `secret`, this once.", auth="bearer", tag=TAG,
             body=schemas.WebhookIn, response=WebhookOut, status=201, errors=(409, 429))  # fmt: skip
    # Before PATCH and DELETE: the document's order is the order tools walk it in (schemathesis
    # would delete the webhook its dictionary names before reaching its deliveries).
    api.get("/api/webhooks/{webhook_id}/deliveries", get_deliveries, summary="A webhook's deliveries",
            description=manager, auth="bearer", tag=TAG, response=DeliveriesOut)  # fmt: skip
    api.post("/api/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver", post_redeliver,
             summary="Deliver an event again", auth="bearer", tag=TAG, response=DeliveryOut,
             description=manager + " `409 conflict` while the event is still pending for the webhook.",
             status=202, errors=(409, 429))  # fmt: skip
    api.patch("/api/webhooks/{webhook_id}", patch_webhook, summary="Change a webhook",
              description=manager + " With `rotate_secret`, the answer carries the new `secret`.",
              auth="bearer", tag=TAG, body=schemas.WebhookPatch, response=WebhookOut,
              errors=(429,))  # fmt: skip
    api.delete("/api/webhooks/{webhook_id}", delete_webhook, summary="Delete a webhook", description=manager,
               auth="bearer", tag=TAG, status=204, errors=(429,))  # fmt: skip
