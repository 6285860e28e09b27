"""Websocket-only connects without engine.io's HTTP request path (see wire.py).

A client that opens `/socket.io/?EIO=4&transport=websocket` (every Boothcast client) went through
engine.io's `handle_request` → `_handle_connect` → `handle_get_request` → `_upgrade_websocket` →
the websocket adapter: four coroutine frames that stay suspended for the connection's life, a
WSGI-style environ with a copy of every request header, and the query parsed twice, for every
viewer of a join storm. `ConnectingEngineIO.handle_request` does the same connect in one frame:
the same checks (protocol version, transport, upgrade headers, engine.io's own origin check),
the same open packet, engine.io's `connect` event, the ping schedule, then the adapter's read
loop. Everything else (polling, an upgrade from polling, a refused origin, anything malformed)
takes engine.io's path unchanged, with its answers and log lines.

It follows python-engineio 4.x's `AsyncServer._handle_connect`; tests/test_wire_connect.py pins
the names it uses and checks that both paths open a connection alike.
"""

from __future__ import annotations

import base64
from collections import deque
from typing import Any, NoReturn

import engineio
from aiohttp import web
from engineio import packet as eio_packet
from engineio.async_socket import AsyncSocket

from server.random_ids import POOL


def plain_websocket_connect(request: web.Request) -> bool:
    """A new engine.io v4 connection that asks for the websocket transport straight away."""
    if request.method != "GET":
        return False
    query = request.query
    if query.get("EIO") != "4" or query.get("transport") != "websocket" or "sid" in query or "j" in query:
        return False
    headers = request.headers
    if headers.get("Upgrade", "").lower() != "websocket":
        return False
    return "upgrade" in (part.strip() for part in headers.get("Connection", "").lower().split(","))


class ConnectingEngineIO(engineio.AsyncServer):  # type: ignore[misc]
    """engine.io's server with websocket-only connects done in the request's own frame."""

    start_service_task: bool
    sequence_number: int

    def generate_id(self) -> str:
        """engine.io's id (12 random bytes and a 3-byte sequence number, URL-safe base64), the
        random bytes from the pool (server/random_ids.py). socket.io takes its sids here too."""
        raw = POOL.take(12) + self.sequence_number.to_bytes(3, "big")
        self.sequence_number = (self.sequence_number + 1) & 0xFFFFFF
        return base64.b64encode(raw).decode("ascii").replace("/", "_").replace("+", "-")

    async def handle_request(self, *args: Any, **kwargs: Any) -> Any:
        request = args[0] if len(args) == 1 and not kwargs else None
        if (
            not isinstance(request, web.Request)
            or "websocket" not in self.transports
            or not plain_websocket_connect(request)
        ):
            return await super().handle_request(*args, **kwargs)
        origin = request.headers.get("Origin")
        if origin and self.cors_allowed_origins != []:
            allowed = self._cors_allowed_origins(origin_environ(request))
            if allowed is not None and origin not in allowed:
                return await super().handle_request(request)  # engine.io refuses it, as it always has
        # What socket.io keeps of the request for the connection's life: its handlers read the
        # aiohttp request (`environ["aiohttp.request"]`), which has the headers.
        environ = {"aiohttp.request": request, "REQUEST_METHOD": "GET"}
        if self.start_service_task:
            self.start_service_task = False
            self.service_task_handle = self.start_background_task(self._service_task)
        sid = self.generate_id()
        sock = AsyncSocket(self, sid)
        self.sockets[sid] = sock
        await sock.send(eio_packet.Packet(eio_packet.OPEN, {
            "sid": sid,
            "upgrades": [],
            "pingTimeout": int(self.ping_timeout * 1000),
            "pingInterval": int(self.ping_interval + self.ping_interval_grace_period) * 1000,
            "maxPayload": self.max_http_buffer_size,
        }))  # fmt: skip
        ret = await self._trigger_event("connect", sid, environ, run_async=False)
        if ret is not None and ret is not True:
            del self.sockets[sid]
            return await self._make_response(self._unauthorized(ret or None), environ)
        sock.schedule_ping()
        adapter = self._async["websocket"](sock._websocket_handler, self)
        try:
            ws, transport = await adapter.open(request)
        except BaseException:
            # The handshake failed (the client went, or the server is stopping): the socket never
            # opened, so nothing would ever close it.
            await sock.close(wait=False, abort=True, reason=self.reason.TRANSPORT_ERROR)
            self.sockets.pop(sid, None)
            raise
        shed_http_state(request)
        try:
            if transport is None:  # the client left during the handshake
                await sock.close(wait=False, abort=True, reason=self.reason.TRANSPORT_CLOSE)
            else:
                await adapter.serve(sock, sock.queue, ws, transport)
        finally:
            if sock.closed and sid in self.sockets:
                del self.sockets[sid]
        return ws


def origin_environ(request: web.Request) -> dict[str, str]:
    """The part of engine.io's environ that its origin check reads, built as engine.io builds it
    (`async_drivers/aiohttp.translate_request`: repeated headers joined with commas)."""
    environ: dict[str, str] = {}
    for header, key in (("Host", "HTTP_HOST"), ("Origin", "HTTP_ORIGIN"),
                        ("X-Forwarded-Proto", "HTTP_X_FORWARDED_PROTO"),
                        ("X-Forwarded-Host", "HTTP_X_FORWARDED_HOST")):  # fmt: skip
        values = request.headers.getall(header, [])
        if values:
            environ[key] = ",".join(values)
    environ["wsgi.url_scheme"] = environ.get("HTTP_X_FORWARDED_PROTO", "http")
    return environ


class _NoMessages(deque[Any]):
    """The request queue of an upgraded connection: always empty, shared, refusing additions."""

    def append(self, item: Any) -> NoReturn:
        raise RuntimeError("an upgraded connection takes no more HTTP requests")


_NO_MESSAGES = _NoMessages()


def shed_http_state(request: web.Request) -> None:
    """Let go of what aiohttp keeps for HTTP requests that an upgraded connection never reads.

    Once the websocket is open, aiohttp's handler (python 3.11, aiohttp 3.x) hands every byte to
    the websocket reader (`data_received` takes the HTTP parser only while `not self._upgraded`),
    and its request loop stays in this request until the connection ends; it checks the parser
    for None. The parser (~750 bytes) and the empty request queue (~620) stayed for the
    connection's life all the same. tests/test_wire_connect.py checks those lines of aiohttp.
    """
    protocol = request.protocol
    if getattr(protocol, "_upgraded", False) is not True:
        return
    protocol._parser = None
    if not protocol._messages:
        protocol._messages = _NO_MESSAGES
