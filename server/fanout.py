"""Delivering chat to a booth: per language, translated once, batched for clients that ask.

What makes a 2,000-viewer booth cheap:
- a message is translated once per language present, never per viewer;
- `chat:batch` clients get coalescing: a message goes out at once when the room is idle, later
  ones gather into one frame per room per interval, which stretches with what a flush costs;
- an emit builds its websocket frame (header and all) once and writes those bytes to each
  recipient's transport: no asyncio task per recipient (python-socketio's stock `emit`), no
  writer-task wake-up per frame (engine.io's queue), no per-recipient encoding;
- websockets are served without permessage-deflate, which would cost a zlib context per
  connection and a compression per recipient (socket.io on Node has it off by default too).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import time
from collections.abc import Callable, Coroutine
from typing import Any

import engineio
import socketio
from aiohttp import WSMsgType, web
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet
from socketio import packet as sio_packet

from rooms.chat import languages_present, translate_records
from rooms.context import Fair
from rooms.payloads import ChatRecord
from server import events
from server.rooms_naming import booth_room, lang_room, mod_room

log = logging.getLogger(__name__)


# A client that reads this far behind is cut off rather than allowed to grow our memory.
MAX_BUFFERED_BYTES = 8 * 1024 * 1024


def ws_text_frame(payload: bytes) -> bytes:
    """One unmasked, final, uncompressed websocket text frame (RFC 6455 §5.2)."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, n) + payload
    return struct.pack("!BBQ", 0x81, 127, n) + payload


class WireFrame(eio_packet.Packet):  # type: ignore[misc]
    """An engine.io message whose websocket bytes are built once, for all its recipients."""

    def __init__(self, encoded: str) -> None:
        super().__init__(eio_packet.MESSAGE, encoded)
        self.wire = ws_text_frame(self.encode().encode())


def _wire(pkt: Any) -> bytes:
    wire = getattr(pkt, "wire", None)
    if wire is not None:
        return bytes(wire)
    encoded = pkt.encode()
    if isinstance(encoded, str):
        return ws_text_frame(encoded.encode())
    return bytes((0x82,)) + ws_text_frame(encoded)[1:]  # binary opcode, same length encoding


class DirectQueue(asyncio.Queue[Any]):
    """An engine.io socket's send queue that writes to the websocket at once instead.

    Websocket-only connections (`_WebSocket.serve`) are fully direct: every packet is written on
    `put`, in call order, and engine.io's writer task is never started. A socket that upgraded from
    polling keeps engine.io's writer for pings and the close packet; there a message is written
    directly only while nothing is queued ahead of it, which keeps messages in order because the
    writer sends what it dequeued without yielding (`_WebSocket.send` is synchronous underneath).
    """

    transport: asyncio.Transport | None = None
    all_direct = False

    def go_direct(self, transport: asyncio.Transport) -> None:
        """From now on write everything at once; what was queued (the open packet) goes first."""
        self.transport = transport
        self.all_direct = True
        while not self.empty():
            pkt = self.get_nowait()
            self.task_done()
            if pkt is not None:
                self.write(pkt, _wire(pkt))

    def put_nowait(self, item: Any) -> None:
        if self.all_direct:
            # `None` asks engine.io's writer task to stop: there is none to stop.
            if item is not None:
                self.write(item, _wire(item))
        elif item is None or item.packet_type != eio_packet.MESSAGE:
            super().put_nowait(item)
        else:
            self.write(item, _wire(item))

    def write(self, pkt: Any, wire: bytes) -> None:
        """Send a packet whose websocket bytes are `wire`."""
        t = self.transport
        if t is None or self._queue:  # type: ignore[attr-defined]
            super().put_nowait(pkt)
        elif t.is_closing():
            return
        elif t.get_write_buffer_size() > MAX_BUFFERED_BYTES:
            log.warning("closing a connection %d bytes behind", t.get_write_buffer_size())
            t.abort()
        else:
            t.write(wire)


class _WebSocket:
    """engine.io's aiohttp websocket adapter, minus permessage-deflate, plus direct writes."""

    def __init__(self, handler: Callable[[Any], Coroutine[Any, Any, None]], server: Any) -> None:
        self.handler = handler
        self.server = server
        self._sock: web.WebSocketResponse | None = None
        self._transport: asyncio.Transport | None = None

    async def __call__(self, environ: dict[str, Any]) -> web.WebSocketResponse:
        request: web.Request = environ["aiohttp.request"]
        ws = web.WebSocketResponse(max_msg_size=self.server.max_http_buffer_size, compress=False)
        await ws.prepare(request)
        self._sock = ws
        self._transport = request.transport
        self.environ = environ
        sock: Any = getattr(self.handler, "__self__", None)
        queue = getattr(sock, "queue", None)
        if isinstance(queue, DirectQueue) and self._transport is not None:
            if not sock.connected:
                await self.serve(sock, queue, ws, self._transport)
                return ws
            queue.transport = self._transport
        await self.handler(self)  # an upgrade from polling: engine.io's own handshake and loops
        return ws

    async def serve(
        self, sock: Any, queue: DirectQueue, ws: web.WebSocketResponse, transport: asyncio.Transport
    ) -> None:
        """A websocket-only connection: one reader loop, no writer task, no task per packet read.

        engine.io's handler would run a writer task per connection and wrap every read in a task
        plus `wait_for`; here writes go straight out (DirectQueue) and the read has its own timeout.
        """
        sock.connected = True
        sock.upgraded = True
        queue.go_direct(transport)
        timeout = self.server.ping_interval + self.server.ping_timeout
        try:
            while True:
                try:
                    msg = await ws.receive(timeout=timeout)
                except TimeoutError:
                    break
                if msg.type is not WSMsgType.TEXT and msg.type is not WSMsgType.BINARY:
                    break
                try:
                    await sock.receive(eio_packet.Packet(encoded_packet=msg.data))
                except eio_exceptions.SocketIsClosedError:
                    break
                except eio_exceptions.UnknownPacketError:
                    pass
                except Exception:
                    log.exception("engine.io receive failed")
        finally:
            await sock.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)
            await ws.close()

    async def close(self) -> None:
        if self._sock is not None:
            await self._sock.close()

    async def send(self, message: str | bytes) -> None:
        t = self._transport
        if t is None or t.is_closing():
            raise OSError("websocket closed")
        data = message.encode() if isinstance(message, str) else message
        frame = ws_text_frame(data)
        t.write(frame if isinstance(message, str) else bytes((0x82,)) + frame[1:])

    async def wait(self) -> str | bytes:
        assert self._sock is not None
        msg = await self._sock.receive()
        if not isinstance(msg.data, bytes | str):
            raise OSError()
        return msg.data


class DirectEngineIO(engineio.AsyncServer):  # type: ignore[misc]
    """engine.io over aiohttp with the websocket adapter and queues above."""

    _async: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The driver table is shared module state: copy it, never change it in place.
        self._async = {**self._async, "websocket": _WebSocket}

    def create_queue(self, *args: Any, **kwargs: Any) -> asyncio.Queue[Any]:
        return DirectQueue(*args, **kwargs)


class DirectSocketIO(socketio.AsyncServer):  # type: ignore[misc]
    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return DirectEngineIO


class FastEmitManager(socketio.AsyncManager):  # type: ignore[misc]
    """Local delivery without a task per recipient (the frame is encoded once per emit)."""

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: str | None = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: str | None = None,
        **kwargs: Any,
    ) -> None:
        room = to or room
        if callback is not None or namespace not in self.rooms or room is None:
            await super().emit(
                event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, **kwargs
            )
            return
        if isinstance(room, str) and not self.rooms[namespace].get(room):
            return  # e.g. a booth's `chat:message` room when every viewer asked for batches
        payload = list(data) if isinstance(data, tuple) else ([data] if data is not None else [])
        pkt = self.server.packet_class(sio_packet.EVENT, namespace=namespace, data=[event, *payload])
        encoded = pkt.encode()
        if isinstance(encoded, list):  # binary attachments: rare, take the stock path
            await super().emit(event, data, namespace, room=room, skip_sid=skip_sid, **kwargs)
            return
        frame = WireFrame(encoded)
        wire = frame.wire
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        sockets = self.server.eio.sockets
        # The loop runs once per recipient: everything not needed per recipient stays outside.
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid in skip:
                continue
            sock = sockets.get(eio_sid)
            if sock is None or sock.closed:
                continue
            queue = sock.queue
            if type(queue) is DirectQueue:
                queue.write(frame, wire)
            else:
                sock.queue.put_nowait(frame)


class FastRedisManager(socketio.AsyncRedisManager, FastEmitManager):  # type: ignore[misc]
    """Redis fan-out across nodes; each node's local delivery takes the fast path above."""


Emit = Callable[[str, Any, str], Coroutine[Any, Any, None]]


class Coalescer:
    """At most one `chat:batch` frame per room per interval; the first message of an idle room goes at once.

    The interval is `tick`, stretched to `spread` × what the room's last flush cost: a flush to
    5,000 sockets takes tens of milliseconds of the event loop, and commits, acks and other rooms
    need the rest. Under load, messages wait a little longer and share one frame per recipient.
    `max_tick` is only a backstop: a tight cap would let flushes take the whole loop when the
    process is short of CPU, and then commits (and so every later message) fall behind.
    """

    def __init__(self, emit: Emit, tick: float = 0.05, spread: float = 3.0, max_tick: float = 1.0) -> None:
        self._emit = emit
        self._tick = tick
        self._spread = spread
        self._max_tick = max_tick
        self._buffers: dict[str, list[dict[str, Any]]] = {}
        self._next: dict[str, float] = {}
        self._pending: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def add(self, room: str, booth_id: int, message: dict[str, Any]) -> None:
        self._buffers.setdefault(room, []).append(message)
        if room in self._pending:
            return
        self._pending.add(room)
        delay = max(0.0, self._next.get(room, 0.0) - time.monotonic())
        task = asyncio.create_task(self._flush_after(room, booth_id, delay))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush_after(self, room: str, booth_id: int, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        self._pending.discard(room)
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

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class ChatFanout:
    def __init__(self, sio: socketio.AsyncServer, fair: Fair, *, tick: float = 0.05) -> None:
        self._sio = sio
        self._fair = fair
        self._coalescer = Coalescer(self._emit_room, tick)
        # Each booth's deliveries wait for the previous message's, so every room sees seq order
        # even though translations run concurrently.
        self._tail: dict[int, asyncio.Future[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def _emit_room(self, event: str, data: Any, room: str) -> None:
        await self._sio.emit(event, data, room=room)

    async def deliver(self, booth_id: int, lang: str, payload: dict[str, Any]) -> None:
        await self._sio.emit(events.CHAT_MESSAGE, payload, room=lang_room(booth_id, lang, batch=False))
        self._coalescer.add(lang_room(booth_id, lang, batch=True), booth_id, payload)

    def submit(self, rec: ChatRecord) -> None:
        """Fan a committed message out; returns at once (the sender's ack must not wait)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        prev = self._tail.get(rec.booth_id)
        self._tail[rec.booth_id] = done
        task = asyncio.create_task(self._run(rec, prev, done))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(
        self, rec: ChatRecord, prev: asyncio.Future[None] | None, done: asyncio.Future[None]
    ) -> None:
        try:
            # The author's own language needs no translation: it goes out before anything else.
            if prev is not None:
                await asyncio.shield(prev)
            await self.deliver(rec.booth_id, rec.source_lang, rec.payload(rec.source_lang))
            mod_langs = set((await self._fair.presence.get(0)).languages)
            langs = (await languages_present(self._fair, rec.booth_id)) - {rec.source_lang}
            if langs:
                await translate_records(self._fair, [rec], langs)
            for lang in sorted(langs):
                await self.deliver(rec.booth_id, lang, rec.payload(lang))
            for lang in sorted(mod_langs):
                await self._sio.emit(events.MOD_MESSAGE, rec.payload(lang), room=mod_room(lang))
        except Exception:
            log.exception("fan-out of message %s failed", rec.id)
        finally:
            done.set_result(None)
            if self._tail.get(rec.booth_id) is done:
                del self._tail[rec.booth_id]

    async def hide(self, booth_id: int, message_id: int) -> None:
        payload = {"booth_id": booth_id, "message_id": message_id}
        await self._sio.emit(events.CHAT_HIDDEN, payload, room=booth_room(booth_id))
        for lang in (await self._fair.presence.get(0)).languages:
            await self._sio.emit(events.CHAT_HIDDEN, payload, room=mod_room(lang))

    async def aclose(self) -> None:
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 2)
        await self._coalescer.aclose()


class Throttle:
    """Run `push(key)` at most once per `interval` per key, always with the latest state."""

    def __init__(self, push: Callable[[int], Coroutine[Any, Any, None]], interval: float = 1.0) -> None:
        self._push = push
        self._interval = interval
        self._last: dict[int, float] = {}
        self._scheduled: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def poke(self, key: int) -> None:
        if key in self._scheduled:
            return
        self._scheduled.add(key)
        delay = max(0.0, self._last.get(key, 0.0) + self._interval - time.monotonic())
        task = asyncio.create_task(self._later(key, delay))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _later(self, key: int, delay: float) -> None:
        await asyncio.sleep(delay)
        self._scheduled.discard(key)
        self._last[key] = time.monotonic()
        try:
            await self._push(key)
        except Exception:
            log.exception("throttled push for %s failed", key)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
