"""The socket.io wire path: a frame built once per emit and written straight to each transport.

- An emit builds its websocket frame (header and all) once and writes those bytes to each
  recipient's transport: no asyncio task per recipient (python-socketio's stock `emit`), no
  writer-task wake-up per frame (engine.io's queue), no per-recipient encoding.
- Websockets are served without permessage-deflate, which would cost a zlib context per
  connection and a compression per recipient (socket.io on Node has it off by default too).
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Callable, Coroutine
from typing import Any

import engineio
import socketio
from aiohttp import WSMsgType, web
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet
from socketio import packet as sio_packet

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
