"""The socket.io wire path: a frame built once per emit and written straight to each transport.

- An emit builds its websocket frame (header and all) once and writes those bytes to each
  recipient's transport: no asyncio task per recipient (python-socketio's stock `emit`), no
  writer-task wake-up per frame (engine.io's queue), no per-recipient encoding.
- Websockets are served without permessage-deflate, which would cost a zlib context per
  connection and a compression per recipient (socket.io on Node has it off by default too).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import struct
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import engineio
import socketio
from aiohttp import WSMsgType, web
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet
from engineio.async_socket import AsyncSocket
from redis.asyncio import Redis
from socketio import packet as sio_packet

from server.frames import FrameGuard
from server.redis_link import open_redis
from server.wire_connect import ConnectingEngineIO
from server.wire_lean import PingWheel, RoomIndex, json_first

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
    # Called once engine.io's close packet is written: the websocket is closed too, so a client
    # that ignores the packet does not keep the connection (kicked, banned, malformed frames).
    on_close: Callable[[], None] | None = None

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        # asyncio.Queue's three deques and its `join` event cost ~3 KB per connection (a tenth of
        # it), and an all-direct websocket never queues anything: they are made again on first use.
        del self._queue, self._getters, self._putters, self._finished

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes not set yet: the lazily made parts of asyncio.Queue.
        if name in ("_queue", "_getters", "_putters"):
            made: Any = collections.deque()
        elif name == "_finished":
            made = asyncio.Event()
            if self._unfinished_tasks == 0:
                made.set()
        else:
            raise AttributeError(name)
        setattr(self, name, made)
        return made

    def _queued(self) -> bool:
        """Whether anything waits in the queue, without making it."""
        return bool(self.__dict__.get("_queue"))

    def go_direct(self, transport: asyncio.Transport) -> None:
        """From now on write everything at once; what was queued (the open packet) goes first."""
        self.transport = transport
        self.all_direct = True
        while self._queued():
            pkt = self.get_nowait()
            self.task_done()
            if pkt is not None:
                self.write(pkt, _wire(pkt))
        self._drop_idle_parts()

    def _drop_idle_parts(self) -> None:
        """Drop the queue's parts that nobody waits on (the open packet made them); see __init__."""
        parts = self.__dict__
        for name in ("_queue", "_getters", "_putters"):
            if name in parts and not parts[name]:
                del parts[name]
        finished = parts.get("_finished")
        if finished is not None and self._unfinished_tasks == 0 and not finished._waiters:
            del parts["_finished"]

    def put_nowait(self, item: Any) -> None:
        if self.all_direct:
            # `None` asks engine.io's writer task to stop: there is none to stop.
            if item is not None:
                self.write(item, _wire(item))
                if item.packet_type == eio_packet.CLOSE and self.on_close is not None:
                    self.on_close()
        elif item is None or item.packet_type != eio_packet.MESSAGE:
            super().put_nowait(item)
        else:
            self.write(item, _wire(item))

    def write(self, pkt: Any, wire: bytes) -> None:
        """Send a packet whose websocket bytes are `wire`."""
        t = self.transport
        if t is None or self._queued():
            super().put_nowait(pkt)
        elif t.is_closing():
            return
        elif t.get_write_buffer_size() > MAX_BUFFERED_BYTES:
            log.warning("closing a connection %d bytes behind", t.get_write_buffer_size())
            t.abort()
        else:
            t.write(wire)


def drop_header_copies(environ: dict[str, Any]) -> None:
    """Drop engine.io's `HTTP_*` copies of the request headers from a websocket's environ.

    engine.io builds the environ once per connection and socket.io keeps it for the
    connection's life (~1.3 KB with its table). The headers stay readable, unchanged, through
    `environ["aiohttp.request"].headers`; everything engine.io reads of them it has read by the
    time the websocket is open. The dict is emptied and refilled in place (deleting keys alone
    would not shrink its table): socket.io and engine.io hold this very object.
    """
    kept = {k: v for k, v in environ.items() if not k.startswith("HTTP_")}
    environ.clear()
    environ.update(kept)


class _WebSocket:
    """engine.io's aiohttp websocket adapter, minus permessage-deflate, plus direct writes."""

    # One per connection, for its life: slots keep it at ~80 bytes instead of ~300 with a dict.
    __slots__ = ("_sock", "_transport", "environ", "handler", "server")

    def __init__(self, handler: Callable[[Any], Coroutine[Any, Any, None]], server: Any) -> None:
        self.handler = handler
        self.server = server
        self._sock: web.WebSocketResponse | None = None
        self._transport: asyncio.Transport | None = None

    async def open(self, request: web.Request) -> tuple[web.WebSocketResponse, asyncio.Transport | None]:
        """Answer the websocket handshake; the transport is None if the client has gone."""
        ws = web.WebSocketResponse(max_msg_size=self.server.max_http_buffer_size, compress=False)
        await ws.prepare(request)
        self._sock = ws
        self._transport = request.transport
        return ws, self._transport

    async def __call__(self, environ: dict[str, Any]) -> web.WebSocketResponse:
        request: web.Request = environ["aiohttp.request"]
        ws, _ = await self.open(request)
        self.environ = environ
        sock: Any = getattr(self.handler, "__self__", None)
        queue = getattr(sock, "queue", None)
        if isinstance(queue, DirectQueue) and self._transport is not None:
            if not sock.connected:
                drop_header_copies(environ)
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
        plus `wait_for`; here writes go straight out (DirectQueue) and the read has no timeout of
        its own: a client that stops answering pings has its connection aborted by the ping wheel
        (wire_lean.py), which ends this loop, so a timer per waiting read (~1 KB a connection,
        and a timeout object per message) bought nothing.
        """
        sock.connected = True
        sock.upgraded = True
        closing: list[asyncio.Task[bool]] = []

        def close_soon() -> None:
            # Wakes the `receive` below with a closing message (aiohttp allows a close meanwhile).
            if not closing:
                closing.append(asyncio.get_running_loop().create_task(ws.close()))

        queue.on_close = close_soon
        queue.go_direct(transport)
        guard: FrameGuard = self.server.frame_guard
        try:
            while not sock.closed:
                msg = await ws.receive()
                if msg.type is not WSMsgType.TEXT and msg.type is not WSMsgType.BINARY:
                    break
                try:
                    await sock.receive(eio_packet.Packet(encoded_packet=msg.data))
                except eio_exceptions.SocketIsClosedError:
                    break
                except Exception as exc:  # not an engine.io packet, or one a client may not send
                    if guard.strike(sock.sid, exc):
                        break
        finally:
            queue.on_close = None
            await sock.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)
            await ws.close()
            for task in closing:
                with contextlib.suppress(Exception):
                    await task

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


class DirectEngineIO(ConnectingEngineIO):
    """engine.io over aiohttp with the websocket adapter and queues above, and lean connects."""

    _async: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The driver table is shared module state: copy it, never change it in place.
        self._async = {**self._async, "websocket": _WebSocket}
        self.frame_guard = FrameGuard()
        self.pings = PingWheel(self.ping_interval, self.ping_timeout)

    def start_background_task(self, target: Any, *args: Any, **kwargs: Any) -> Any:
        # `AsyncSocket.schedule_ping` starts `_send_ping` (sleep, then ping) as a task per
        # connection; the wheel does the same for all of them from one task (wire_lean.py).
        if getattr(target, "__func__", None) is AsyncSocket._send_ping and not args and not kwargs:
            self.pings.schedule(target.__self__)
            return None
        return super().start_background_task(target, *args, **kwargs)

    async def shutdown(self) -> None:
        await super().shutdown()
        await self.pings.aclose()

    def create_queue(self, *args: Any, **kwargs: Any) -> asyncio.Queue[Any]:
        return DirectQueue(*args, **kwargs)


class DirectSocketIO(socketio.AsyncServer):  # type: ignore[misc]
    """python-socketio's server on DirectEngineIO, closing connections that send malformed frames.

    Decoding (with `GuardedPacket` as the `serializer`) happens inside `_handle_eio_message`, which
    engine.io runs in a task of its own and whose failures it logs with a traceback each: one
    client once wrote 2 MB of them with 1,000 four-byte frames. Here each failure is one budgeted
    line and a strike, and the connection closes at `FrameGuard.limit`. Overrides python-socketio's
    `_engineio_server_class`, `_handle_eio_message` and `_handle_eio_disconnect` (5.x; pinned in
    pyproject.toml, checked by tests/test_wire_contract.py).
    """

    eio: DirectEngineIO
    packet_class: type[Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A booth:join ack is checked for bytes by one orjson call, not a walk (wire_lean.py).
        self.packet_class = json_first(self.packet_class)

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return DirectEngineIO

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except Exception as exc:
            # The connect and event handlers catch their own errors: what lands here is a frame.
            if self.eio.frame_guard.strike(eio_sid, exc):
                await self.eio.disconnect(eio_sid)

    async def _handle_eio_disconnect(self, eio_sid: str, *args: Any) -> None:
        self.eio.frame_guard.forget(eio_sid)
        await super()._handle_eio_disconnect(eio_sid, *args)


class FastEmitManager(RoomIndex):
    """Local delivery without a task per recipient (the frame is encoded once per emit), and a
    disconnect that costs the socket's rooms, not every room (`RoomIndex`)."""

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
    """Redis fan-out across nodes; each node's local delivery takes the fast path above.

    Redis carries emits between nodes, never to this node's own clients: an emit is delivered
    here first, so a failed publish only costs the other nodes' clients, who catch up by seq. It
    is logged once per outage, never raised, and publishing pauses (0.5 s, doubling up to 5 s, or
    until the listener is back) instead of waiting on a dead Redis at every emit: one that does
    not even refuse connections would hold each emit for the connect timeout.

    The listener resubscribes within `RETRY_MAX_S` (python-socketio's own backs off to 60 s, and
    whatever other nodes publish meanwhile is lost here). `on_recovered` callbacks run whenever
    the listener resubscribes after a loss or a publish succeeds after failing: the app then tells
    clients to check for gaps.

    Overrides python-socketio's pub/sub backend hooks, `_publish` and `_listen` (checked against
    python-socketio 5.x).
    """

    RETRY_MIN_S = 0.1
    RETRY_MAX_S = 2.0
    PAUSE_MIN_S = 0.5
    PAUSE_MAX_S = 5.0

    def __init__(self, url: str, channel: str = "socketio") -> None:
        super().__init__(url, channel=channel)
        self._publisher: Redis | None = None
        self._paused_until = 0.0
        self._pause = self.PAUSE_MIN_S
        self._publish_failed = False
        self._listen_lost = False
        self._on_recovered: list[Callable[[], None]] = []
        self.on_error: Callable[[], None] | None = None  # each failed publish or lost listener (metrics)

    def on_recovered(self, callback: Callable[[], None]) -> None:
        """Call `callback()` (it must not block) each time Redis answers again after an outage."""
        self._on_recovered.append(callback)

    def _recovered(self) -> None:
        for callback in self._on_recovered:
            try:
                callback()
            except Exception:
                log.exception("a Redis recovery callback failed")

    async def _publish(self, data: Any) -> None:
        if time.monotonic() < self._paused_until:
            return
        try:
            if self._publisher is None:
                self._publisher = open_redis(self.redis_url)
            await self._publisher.publish(self.channel, self.json.dumps(data))
        except Exception as exc:
            if self.on_error is not None:
                self.on_error()
            if not self._publish_failed:
                log.warning("socket.io publish failed (%s): emits reach this node's clients only", exc)
            self._publish_failed = True
            self._paused_until = time.monotonic() + self._pause
            self._pause = min(self.PAUSE_MAX_S, self._pause * 2)
            return
        self._pause = self.PAUSE_MIN_S
        if self._publish_failed:
            self._publish_failed = False
            log.warning("socket.io publish works again")
            self._recovered()

    async def _listen(self) -> AsyncIterator[bytes]:
        channel = self.channel.encode()
        delay = self.RETRY_MIN_S
        while True:
            client = open_redis(self.redis_url, retries=0)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                delay = self.RETRY_MIN_S
                if self._listen_lost:
                    self._listen_lost = False
                    self._paused_until = 0.0  # Redis answers: publish again at once
                    log.warning("socket.io listener resubscribed")
                    self._recovered()
                async for message in pubsub.listen():
                    if message["channel"] == channel and message["type"] == "message" and "data" in message:
                        yield message["data"]
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.on_error is not None:
                    self.on_error()
                if not self._listen_lost:
                    log.warning("socket.io listener lost Redis (%s); retrying", exc)
                self._listen_lost = True
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(delay)
            delay = min(self.RETRY_MAX_S, delay * 2)

    async def aclose(self) -> None:
        # python-socketio starts the listener task and never stops it; its owner is this manager.
        listener = getattr(self, "thread", None)
        if isinstance(listener, asyncio.Future) and not listener.done():
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener
        if self._publisher is not None:
            with contextlib.suppress(Exception):
                await self._publisher.aclose()
