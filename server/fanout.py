"""Delivering chat to a booth: per language, translated once, batched for clients that ask.

What makes a 2,000-viewer booth cheap:
- a message is translated once per language present, never per viewer;
- `chat:batch` clients get coalescing: a message goes out at once when the room is idle, later
  ones gather into at most one frame per room per tick;
- the wire path (`server/wire.py`) encodes each frame once and writes it to every transport.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

import socketio

from rooms.chat import languages_present, moderator_languages, translate_records
from rooms.context import Fair
from rooms.filter_store import moderator_payload
from rooms.payloads import ChatRecord
from server import events
from server.errors import as_unavailable
from server.metrics import Metrics
from server.rooms_naming import booth_room, lang_room, mod_room
from server.tasks import Tasks

log = logging.getLogger(__name__)


Emit = Callable[[str, Any, str], Coroutine[Any, Any, None]]


class Coalescer:
    """At most one `chat:batch` frame per room per interval; the first message of an idle room goes at once.

    The interval is `tick`, stretched to `spread` × what the room's last flush cost: a flush to
    5,000 sockets takes tens of milliseconds of the event loop, and commits, acks and other rooms
    need the rest. 2 leaves them half; 3 (tried) made a 2,000-viewer room at 20 msg/s wait for
    its own previous flush on every third message (p99 90 ms instead of 40). Under load, messages wait a little longer and share one frame per recipient.
    `max_tick` is only a backstop: a tight cap would let flushes take the whole loop when the
    process is short of CPU, and then commits (and so every later message) fall behind.
    """

    def __init__(self, emit: Emit, tick: float = 0.05, spread: float = 2.0, max_tick: float = 1.0) -> None:
        self._emit = emit
        self._tick = tick
        self._spread = spread
        self._max_tick = max_tick
        self._buffers: dict[str, list[dict[str, Any]]] = {}
        self._next: dict[str, float] = {}
        # Rooms with a flush scheduled or in flight. One flusher per room at a time: with the
        # Redis manager an emit awaits its publish, and two overlapping flushes of one room
        # could reach Redis (and so the viewers) in the wrong order.
        self._flushing: set[str] = set()
        self._tasks = Tasks("chat:batch flushers")

    def add(self, room: str, booth_id: int, message: dict[str, Any]) -> None:
        self._buffers.setdefault(room, []).append(message)
        if room in self._flushing:
            return  # the room's flusher takes it with the next frame
        self._flushing.add(room)
        self._tasks.spawn(self._flusher(room, booth_id))

    async def _flusher(self, room: str, booth_id: int) -> None:
        """Flush the room's buffer until it stays empty, one frame per interval."""
        try:
            while True:
                delay = self._next.get(room, 0.0) - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                messages = self._buffers.pop(room, [])
                if not messages:
                    return
                messages.sort(key=lambda m: m["seq"])
                started = time.monotonic()
                try:
                    await self._emit(events.CHAT_BATCH, {"booth_id": booth_id, "messages": messages}, room)
                except Exception:
                    log.exception("chat:batch to %s failed", room)
                done = time.monotonic()
                interval = min(self._max_tick, max(self._tick, self._spread * (done - started)))
                self._next[room] = started + interval
        finally:
            self._flushing.discard(room)

    async def aclose(self) -> None:
        await self._tasks.aclose()


class ChatFanout:
    def __init__(
        self, sio: socketio.AsyncServer, fair: Fair, *, tick: float = 0.015, metrics: Metrics | None = None
    ) -> None:
        self._sio = sio
        self._fair = fair
        self._metrics = metrics
        self._coalescer = Coalescer(self._emit_room, tick)
        # Each booth's deliveries wait for the previous message's, so every room sees seq order
        # even though translations run concurrently.
        self._tail: dict[int, asyncio.Future[None]] = {}
        self._tasks = Tasks("chat fan-out")

    async def _emit_room(self, event: str, data: Any, room: str) -> None:
        await self._sio.emit(event, data, room=room)
        if self._metrics is not None:
            self._metrics.messages_out.labels("batch").inc(len(data["messages"]) * self._members_here(room))

    def _members_here(self, room: str) -> int:
        """This node's sockets in `room` (a dict lookup: the emit itself walks the room anyway)."""
        return len(self._sio.manager.rooms.get("/", {}).get(room) or ())

    async def deliver(self, booth_id: int, lang: str, payload: dict[str, Any]) -> None:
        room = lang_room(booth_id, lang, batch=False)
        await self._sio.emit(events.CHAT_MESSAGE, payload, room=room)
        if self._metrics is not None:
            self._metrics.messages_out.labels("message").inc(self._members_here(room))
        self._coalescer.add(lang_room(booth_id, lang, batch=True), booth_id, payload)

    def submit(self, rec: ChatRecord) -> None:
        """Fan a committed message out; returns at once (the sender's ack must not wait)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        prev = self._tail.get(rec.booth_id)
        self._tail[rec.booth_id] = done
        # Called right after the commit: the fan-out delay counts from here.
        self._tasks.spawn(self._run(rec, prev, done, time.monotonic()))

    def _delivered(self, kind: str, committed: float) -> None:
        if self._metrics is not None:
            self._metrics.fanout_delay.labels(kind).observe(time.monotonic() - committed)

    async def _run(
        self, rec: ChatRecord, prev: asyncio.Future[None] | None, done: asyncio.Future[None], committed: float
    ) -> None:
        translating: asyncio.Task[None] | None = None
        try:
            # Translation starts at once, concurrently with the messages before it (a gated
            # translation costs two model passes); only the delivery waits its turn, so every
            # room still sees seq order.
            mod_langs = await moderator_languages(self._fair)
            langs = (await languages_present(self._fair, rec.booth_id)) - {rec.source_lang}
            if langs:
                translating = asyncio.create_task(translate_records(self._fair, [rec], langs))
            if prev is not None:
                await asyncio.shield(prev)
            # The author's own language needs no translation: it goes out before anything else.
            await self.deliver(rec.booth_id, rec.source_lang, rec.payload(rec.source_lang))
            self._delivered("original", committed)
            if translating is not None:
                try:
                    await translating
                except Exception as exc:
                    # Storing failed, or the translator did: readers still get the message
                    # (translated where it finished, the original elsewhere).
                    if as_unavailable(exc) is None:  # an outage is logged on a budget
                        log.exception("translating message %s failed", rec.id)
            for lang in sorted(langs):
                await self.deliver(rec.booth_id, lang, rec.payload(lang))
                self._delivered("translated", committed)
            for lang in sorted(mod_langs):
                await self._sio.emit(events.MOD_MESSAGE, moderator_payload(rec, lang, self._fair.bans.is_banned), room=mod_room(lang))
        except Exception:
            log.exception("fan-out of message %s failed", rec.id)
        finally:
            if translating is not None and not translating.done():
                translating.cancel()  # only when this fan-out itself was cancelled (shutdown)
            done.set_result(None)
            if self._tail.get(rec.booth_id) is done:
                del self._tail[rec.booth_id]

    async def hide(self, booth_id: int, message_id: int) -> None:
        payload = {"booth_id": booth_id, "message_id": message_id}
        await self._sio.emit(events.CHAT_HIDDEN, payload, room=booth_room(booth_id))
        for lang in sorted(await moderator_languages(self._fair)):
            await self._sio.emit(events.CHAT_HIDDEN, payload, room=mod_room(lang))

    async def aclose(self, deadline: float | None = None) -> None:
        """Let deliveries in flight finish until `deadline` (the loop's clock; default 2 s from
        now), then cancel what is left and await it (`Tasks.aclose`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 2.0 if deadline is None else deadline
        await self._tasks.aclose(deadline, finish=True)
        await self._coalescer.aclose()


class Throttle:
    """Run `push(key)` at most once per `interval` per key, always with the latest state.

    `interval` may be a function of the key (e.g. longer for a bigger room).
    """

    def __init__(
        self, push: Callable[[int], Coroutine[Any, Any, None]], interval: float | Callable[[int], float] = 1.0
    ) -> None:
        self._push = push
        self._interval = interval
        self._last: dict[int, float] = {}
        self._scheduled: set[int] = set()
        self._tasks = Tasks("throttled pushes")

    def poke(self, key: int) -> None:
        if key in self._scheduled:
            return
        self._scheduled.add(key)
        interval = self._interval(key) if callable(self._interval) else self._interval
        delay = max(0.0, self._last.get(key, 0.0) + interval - time.monotonic())
        self._tasks.spawn(self._later(key, delay))

    async def _later(self, key: int, delay: float) -> None:
        await asyncio.sleep(delay)
        self._scheduled.discard(key)
        self._last[key] = time.monotonic()
        try:
            await self._push(key)
        except Exception:
            log.exception("throttled push for %s failed", key)

    async def aclose(self) -> None:
        await self._tasks.aclose()
