"""What a chat message must pass before it is written: the word and link filter, slow mode.

Run by `chat:send` before the commit, in this order: a refused text costs the sender no slow-mode
turn, and a message refused for slow mode is not filtered for nothing.
"""

from __future__ import annotations

from rooms import filters
from rooms.auth import AuthUser
from rooms.chat import check_chat_text
from rooms.context import Fair
from rooms.errors import Blocked


async def check_send(fair: Fair, actor: AuthUser, booth_id: int, text: str | None) -> None:
    """`blocked` for a refused text (any author but moderators: a word; buyers only: a link),
    `slow_mode` for a buyer within the booth's interval. `text` is None for a quick phrase,
    which is rendered from the catalogue and has nothing of the author's to filter."""
    if text is not None and not actor.is_moderator:
        text = check_chat_text(text, fair.limits.chat_max_length)  # the same refusals as the writer
        rules = await fair.filters.rules()
        if filters.find_terms(text, rules):
            raise Blocked("this message contains a word this fair does not allow", reason="word")
        if actor.role == "buyer" and filters.refused_links(text, rules):
            raise Blocked("links are not allowed in this chat", reason="link")
    await fair.slow_mode.check(fair.limiter, actor, booth_id)
