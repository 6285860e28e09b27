"""`chat:send` and `chat:preview` carry either free text or a quick phrase: pick the domain path.

Kept out of `server/sockets.py` so the socket edge stays a list of thin handlers.
"""

from __future__ import annotations

from typing import Any

from rooms import chat, phrase_chat
from rooms.auth import AuthUser
from rooms.context import Fair
from rooms.payloads import ChatRecord
from server import schemas


async def send(fair: Fair, actor: AuthUser, p: schemas.ChatSend) -> ChatRecord:
    """Commit the message (text, or a phrase with checked params); the ack waits for this."""
    if p.phrase is not None:
        return await phrase_chat.do_send_phrase(
            fair, actor, p.booth_id, p.phrase.id, p.phrase.params, p.client_id
        )
    return await chat.do_send_message(fair, actor, p.booth_id, p.text or "", p.client_id)


async def preview(fair: Fair, actor: AuthUser, p: schemas.ChatPreview) -> dict[str, Any]:
    if p.phrase is not None:
        return await phrase_chat.do_preview_phrase(fair, actor, p.booth_id, p.phrase.id, p.phrase.params)
    return await chat.do_preview(fair, actor, p.booth_id, p.text or "")
