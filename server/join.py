"""`booth:join` without a database round trip per joiner.

When a popular stream starts, thousands of buyers join one booth within seconds. Each join needs
the booth's page, its pinned product and the latest chat page in the joiner's language: the same
answer for every joiner of that booth and language. Loading it per joiner made a storm cost N
loads (eight queries each); here joiners share loads instead.

Shared, not cached: a joiner only shares a load that *started after it asked*, so its answer is
as fresh as one of its own (a pin, a stream start or a message committed before the join is in
it; one committed after is delivered through the rooms, which the joiner entered first). While a
load runs, every joiner arriving waits for the next one, so a storm costs about one load per load
time, whatever its size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import socketio

from rooms import booths, chat, product_texts
from rooms.auth import AuthUser
from rooms.context import Fair
from rooms.errors import Forbidden
from rooms.payloads import Json
from rooms.users import accounts_by_id, actor_or_refusal, load_actor
from server.rooms_naming import booth_room, lang_room, staff_room
from server.shared_loads import SharedBatch, SharedLoads

if TYPE_CHECKING:
    from server.connections import Conn

class JoinPath:
    """What `booth:join` does: enter the rooms, count the member, answer with shared loads."""

    def __init__(self, sio: socketio.AsyncServer, fair: Fair, presence_changed: Callable[[int], None]) -> None:
        self.sio = sio
        self.fair = fair
        self._presence_changed = presence_changed
        self.views: SharedLoads[int, tuple[Json, Json | None]] = SharedLoads(self._load_view)
        # Products in the joiner's language (rooms/product_texts.py): one load per booth and language.
        self.local_views: SharedLoads[tuple[int, str], tuple[Json, Json | None]] = SharedLoads(self._localize_view)
        self.histories: SharedLoads[tuple[int, str], list[Json]] = SharedLoads(self._load_history)
        self.slow_modes: SharedLoads[int, int] = SharedLoads(fair.slow_mode.seconds)
        self.accounts: SharedBatch[int, tuple[AuthUser, bool]] = SharedBatch(lambda ids: accounts_by_id(fair.db, ids))

    async def actor(self, user_id: int) -> AuthUser:
        """The account as it is now (`Unauthorized` if gone, `Banned` if banned): at connect and on
        privileged events, so a storm's connects and joins share their account reads."""
        try:
            account: tuple[AuthUser, bool] | None = await self.accounts.get(user_id)
        except KeyError:
            account = None
        if account is not None and account[1]:
            # Rare, so one more read: the account learns why it is banned (as at sign-in), and a
            # reloaded page says so, instead of only that it is.
            await load_actor(self.fair.db, user_id)
        return actor_or_refusal(account)

    async def _load_view(self, booth_id: int) -> tuple[Json, Json | None]:
        async with self.fair.db.reader() as s:
            return await booths.booth_view(s, booth_id)

    async def _localize_view(self, key: tuple[int, str]) -> tuple[Json, Json | None]:
        booth_id, lang = key
        view, pinned = await self.views.get(booth_id)
        products = await product_texts.localize(self.fair, booth_id, view["lang"], view["products"], lang)
        pinned_id = pinned["id"] if pinned else None
        local_pinned = next((p for p in products if p["id"] == pinned_id), pinned)
        return {**view, "products": products}, local_pinned

    async def _load_history(self, key: tuple[int, str]) -> list[Json]:
        booth_id, lang = key
        return [r.payload(lang) for r in await chat.history(self.fair, booth_id, lang)]

    async def join(self, sid: str, conn: Conn, booth_id: int) -> dict[str, Any]:
        user = conn.user
        # NotFound for no such booth, before any room
        view, pinned = await self.local_views.get((booth_id, user.lang))
        if not self.sio.manager.is_connected(sid, "/"):
            # It left while the load ran (a storm's loads queue): its disconnect has already
            # cleared its booths, so counting it now would leave a viewer nobody removes.
            raise Forbidden("not connected")
        if booth_id not in conn.booths:
            conn.booths.add(booth_id)
            await self.sio.enter_room(sid, booth_room(booth_id))
            await self.sio.enter_room(sid, lang_room(booth_id, user.lang, batch=conn.batch))
            if user.is_staff_of(booth_id):
                await self.sio.enter_room(sid, staff_room(booth_id))
            # Viewer counts are the audience: the booth's staff and moderators count elsewhere.
            if user.is_staff_of(booth_id) or user.is_moderator:
                conn.staffed = (conn.staffed or set()) | {booth_id}
                await self.fair.presence.join(chat.staff_presence(booth_id), sid, user.lang)
            else:
                await self.fair.presence.join(booth_id, sid, user.lang)
            if self.fair.visits is not None and user.role == "buyer":
                self.fair.visits.started(sid, booth_id, user.id, user.lang)
            self._presence_changed(booth_id)
        # After entering the rooms: a message committed from here on reaches the joiner live.
        history = await self.histories.get((booth_id, user.lang))
        presence = await self.fair.presence.get(booth_id)
        detail = dict(view)  # the view is shared by every joiner of this load: copy what differs
        detail["viewers"] = presence.viewers
        detail["languages"] = presence.languages
        return {
            "ok": True,
            "booth": detail,
            "history": history,
            "viewers": presence.viewers,
            "live": detail["live"],
            "pinned_product": pinned,
            "languages": presence.languages,
            # Seconds between a buyer's messages here (0: off); staff and moderators are spared.
            "slow_mode": await self._slow_mode(booth_id),
            # So the chat box can say how much room is left before Send refuses (too_long).
            "chat_max_length": self.fair.limits.chat_max_length,
        }

    async def _slow_mode(self, booth_id: int) -> int:
        # The node's fresh copy is what a shared load would return too, without the joiner
        # waiting a loop turn for it; only a missing or stale copy is a (shared) read.
        seconds = self.fair.slow_mode.cached(booth_id)
        return seconds if seconds is not None else await self.slow_modes.get(booth_id)

    async def aclose(self) -> None:
        await self.local_views.aclose()
        await self.views.aclose()
        await self.histories.aclose()
        await self.slow_modes.aclose()
        await self.accounts.aclose()
