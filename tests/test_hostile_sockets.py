"""Hostile socket clients: reserved event names, malformed frames, too many sockets.

Real server, real sockets: the python-socketio client for what a client library can send, raw
engine.io websockets for what it cannot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
import socketio

from server.keys import CONNECTIONS
from tests.support import Client, Server


class RawSocket:
    """An engine.io websocket driven by hand, connected to the default namespace."""

    def __init__(self, http: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.http, self.ws = http, ws

    @classmethod
    async def open(cls, server: Server, token: str) -> RawSocket:
        http = aiohttp.ClientSession()
        ws = await http.ws_connect(server.url + "/socket.io/?EIO=4&transport=websocket")
        assert (await ws.receive_str(timeout=5)).startswith("0")  # engine.io open
        await ws.send_str("40" + json.dumps({"token": token}))
        assert (await ws.receive_str(timeout=5)).startswith("40")  # namespace connected
        return cls(http, ws)

    async def call(self, event: str, data: object, ack_id: int = 1) -> object:
        await self.ws.send_str(f"42{ack_id}" + json.dumps([event, data]))
        while True:
            msg = await self.ws.receive(timeout=5)
            assert msg.type is aiohttp.WSMsgType.TEXT, msg
            if msg.data.startswith(f"43{ack_id}"):
                return json.loads(msg.data[len(f"43{ack_id}") :])[0]

    async def closed_by_server(self, timeout: float = 5.0) -> bool:
        """True once the server closes the connection (engine.io close packet, then the socket)."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    msg = await self.ws.receive()
                    if msg.type in (
                        aiohttp.WSMsgType.CLOSE,
                        aiohttp.WSMsgType.CLOSED,
                        aiohttp.WSMsgType.CLOSING,
                    ):
                        return True
        except TimeoutError:
            return False

    async def close(self) -> None:
        await self.ws.close()
        await self.http.close()


@pytest.fixture
async def raw_sockets() -> AsyncIterator[list[RawSocket]]:
    opened: list[RawSocket] = []
    yield opened
    for sock in opened:
        await sock.close()


async def test_reserved_event_names_are_refused(fair_server: Server) -> None:
    s = fair_server
    tok, user = await s.guest("Trick", "en")
    mtok, _ = await s.moderator()
    buyer, mod = await s.client(tok), await s.client(mtok)
    booth_id = await s.booth_id("leeds-packaging")
    # `connect` with someone else's token must not re-run the connect handler as them.
    await buyer.sio.emit("connect", ({"HTTP_HOST": "x"}, {"token": mtok}))
    refused = await buyer.call("mod:watch", {})
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden", refused
    assert (await buyer.call("booth:join", {"booth_id": booth_id}))["ok"]
    sent = await buyer.call("chat:send", {"booth_id": booth_id, "text": "still me"})
    mine = await buyer.wait_message(lambda m: m["id"] == sent["message"]["id"])
    assert mine["author"]["id"] == user["id"]
    # `disconnect` must not drop the socket from the server's registry while it stays open...
    for name in ("disconnect", "connect_error", "*"):
        await buyer.sio.emit(name)
    assert (await buyer.call("lobby:watch", {}))["ok"]
    # ...where a ban would no longer reach it.
    assert (await mod.call("mod:ban", {"user_id": user["id"], "reason": "tricks"}))["ok"]
    assert (await buyer.events.wait_for("user:banned")) == {"reason": "tricks"}
    await buyer.events.wait_for("disconnect")


async def test_text_no_database_can_store_is_bad_request(fair_server: Server) -> None:
    """NUL (PostgreSQL refuses it) and lone surrogates (no UTF-8 form): once `internal` errors."""
    s = fair_server
    status, body = await s.post("/api/auth/guest", {"display_name": "a\x00b", "lang": "en"})
    assert status == 400 and body["error"]["code"] == "bad_request", body
    tok, _ = await s.guest()
    c = await s.client(tok)
    booth_id = await s.booth_id("leeds-packaging")
    assert (await c.call("booth:join", {"booth_id": booth_id}))["ok"]
    for payload in ({"text": "hi\x00"}, {"text": "hi\ud800"}, {"text": "hi", "client_id": "\x00"}):
        ack = await c.call("chat:send", {"booth_id": booth_id, **payload})
        assert ack["ok"] is False and ack["error"]["code"] == "bad_request", (payload, ack)
    ack = await c.call("inquiry:submit", {"booth_id": booth_id, "message": "\udfff", "email": "a@b.co",
                                          "consent": True})  # fmt: skip
    assert ack["error"]["code"] == "bad_request", ack
    assert (await c.call("chat:send", {"booth_id": booth_id, "text": "fine"}))["ok"]


async def test_a_few_malformed_frames_close_the_socket(
    fair_server: Server, raw_sockets: list[RawSocket]
) -> None:
    s = fair_server
    tok, _ = await s.guest("Raw", "en")
    # Four malformed frames of every kind: still open, and still served.
    sock = await RawSocket.open(s, tok)
    raw_sockets.append(sock)
    await sock.ws.send_bytes(b"\x01\x02\x03\x04")  # not a socket.io packet
    await sock.ws.send_str("x")  # not an engine.io packet
    await sock.ws.send_str('42["disconnect"]')  # a reserved event name
    await sock.ws.send_str("42[5]")  # an event without a name
    ack = await sock.call("lobby:watch", {})
    assert isinstance(ack, dict) and ack["ok"] is True
    # The fifth closes it.
    await sock.ws.send_bytes(b"\x00")
    assert await sock.closed_by_server()
    # Each kind on its own closes a socket after five, and valid events in between do not count.
    for bad in (b"\x01\x02\x03\x04", "", "9", '42["connect",{}]', "42{}"):
        sock = await RawSocket.open(s, tok)
        raw_sockets.append(sock)
        for _ in range(5):
            await (sock.ws.send_bytes(bad) if isinstance(bad, bytes) else sock.ws.send_str(bad))
        assert await sock.closed_by_server(), bad


async def test_malformed_frame_logging_is_bounded(
    fair_server: Server, raw_sockets: list[RawSocket], caplog: pytest.LogCaptureFixture
) -> None:
    """1,000 tiny malformed frames once wrote 2 MB of tracebacks; now a budget of short lines."""
    s = fair_server
    tok, _ = await s.guest("Flood", "en")
    caplog.set_level(logging.INFO)
    sent = 0
    while sent < 300:
        sock = await RawSocket.open(s, tok)
        raw_sockets.append(sock)
        for _ in range(5):
            await sock.ws.send_bytes(b"\xde\xad\xbe\xef")
            sent += 1
        assert await sock.closed_by_server()
        await sock.close()
    assert sent == 300
    # The server is fine, and said so in a few lines, none with a traceback.
    ok = await (await s.client(tok)).call("lobby:watch", {})
    assert ok["ok"]
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) <= 25, [r.getMessage() for r in records[:30]]
    assert not any(r.exc_info for r in records)
    assert sum(len(r.getMessage()) for r in records) < 8_000


@pytest.mark.parametrize(
    "fair_server", [{"max_sockets_per_user": 2, "max_sockets_per_address": 3}], indirect=True
)
async def test_sockets_are_capped_per_account_and_per_address(fair_server: Server) -> None:
    s = fair_server
    conns = s.app[CONNECTIONS] if s.app is not None else None
    assert conns is not None
    atok, _ = await s.guest("A", "en")
    btok, _ = await s.guest("B", "en")
    ctok, _ = await s.guest("C", "en")

    async def refused(token: str) -> str:
        c = Client(s.url, token)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await c.connect()
        return str(c.events.of("connect_error")[0]["data"]["code"])

    a1, _a2 = await s.client(atok), await s.client(atok)
    assert await refused(atok) == "too_many_connections"  # a third for one account
    await s.client(btok)
    assert await refused(ctok) == "too_many_connections"  # a fourth from one address
    await a1.close()
    # Room again once the server has seen the close, and the refused ones left nothing behind.
    for _attempt in range(100):
        try:
            c1 = await s.client(ctok)
            break
        except socketio.exceptions.ConnectionError:
            await asyncio.sleep(0.05)
    assert (await c1.call("lobby:watch", {}))["ok"]
    assert len(conns.by_sid) == 3


@pytest.mark.parametrize("fair_server", [{"ping_interval": 1, "ping_timeout": 1}], indirect=True)
async def test_a_client_that_stops_answering_pings_is_closed_and_one_that_answers_is_not(
    fair_server: Server, raw_sockets: list[RawSocket]
) -> None:
    """A half-open connection (a phone gone into a tunnel) must not hold a place in the room."""
    s = fair_server
    tok, _ = await s.guest("Tunnel", "en")
    answering, silent = await RawSocket.open(s, tok), await RawSocket.open(s, tok)
    raw_sockets += [answering, silent]
    pongs = 0

    async def answer_pings() -> None:
        nonlocal pongs
        while (msg := await answering.ws.receive()).type is aiohttp.WSMsgType.TEXT:
            if msg.data == "2":  # engine.io ping → pong
                await answering.ws.send_str("3")
                pongs += 1

    task = asyncio.create_task(answer_pings())
    try:
        # Pinged after 1 s, given 1 s to answer; engine.io's service task sweeps every socket
        # once per ping timeout.
        assert await silent.closed_by_server(timeout=10)
        assert not task.done() and pongs >= 1
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    ack = await answering.call("lobby:watch", {})
    assert isinstance(ack, dict) and ack["ok"] is True
