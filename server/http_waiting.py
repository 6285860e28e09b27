"""The HTTP API of the console's "Waiting" list: who waits for a booth's staff, and since when.

Who may is the domain's question (rooms/waiting.py: the booth's staff and moderators, by the
caller's current role); the list then stays live in the console from the staff room's
`chat:message`, `lead:new` and `lead:updated`.
"""

from __future__ import annotations

from aiohttp import web
from pydantic import Field

from rooms import waiting
from server.api_routes import api_routes
from server.http_api import id_param, jsonify
from server.http_auth import require_user
from server.keys import FAIR
from server.responses import IsoTime, Out

# --- Waiting buyers: what the answers look like (the OpenAPI document's response models) ---

class WaitingBuyer(Out):
    id: int
    display_name: str
    company: str | None = None
    country: str | None = None


class WaitingQuestion(Out):
    since: IsoTime = Field(description="the first chat message no staff answer has followed")
    waited_ms: int
    messages: int = Field(description="the buyer's messages since then")


class WaitingLead(Out):
    id: int
    created_at: IsoTime
    waited_ms: int


class WaitingEntry(Out):
    buyer: WaitingBuyer
    since: IsoTime = Field(description="the oldest of the unanswered question and the unworked leads")
    waited_ms: int
    question: WaitingQuestion | None
    leads: list[WaitingLead] = Field(description="the buyer's leads nobody has worked yet")


class WaitingOut(Out):
    """Who waits for the booth's staff (docs/protocol.md, "Waiting buyers"), the longest wait first."""

    booth_id: int
    now: IsoTime
    waiting: list[WaitingEntry]


async def booth_waiting(request: web.Request) -> web.Response:
    actor = await require_user(request)
    booth_id = id_param(request, "booth_id")
    return jsonify(await waiting.booth_waiting(request.app[FAIR], actor, booth_id))


def setup_waiting_api(app: web.Application) -> None:
    api_routes(app).get(
        "/api/booths/{booth_id:\\d+}/waiting", booth_waiting, summary="Buyers waiting for the booth's staff",
        description="That booth's staff, moderators and admins. Unanswered chat questions (by the analytics "
        "rule) and unworked leads of the last 7 days, the longest wait first.",
        auth="bearer", tag="booths", response=WaitingOut, errors=(429,),
    )  # fmt: skip
