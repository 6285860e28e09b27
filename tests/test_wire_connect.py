"""server/wire_connect.py: websocket-only connects in one frame, everything else on engine.io's path."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from typing import Any

import aiohttp
import engineio
import pytest
import socketio
from engineio import async_socket

from server.app import SIO
from server.wire_connect import _NO_MESSAGES, plain_websocket_connect
from tests.support import Server


def _open_keys_in_engineio() -> set[str]:
    """The keys engine.io's own connect puts in the open packet (python-engineio 4.x)."""
    source = inspect.getsource(engineio.AsyncServer._handle_connect)
    block = source[source.index("packet.OPEN") : source.index("})")]
    return set(re.findall(r"'(\w+)':", block))


def test_the_engineio_connect_this_follows() -> None:
    # The fast path repeats `_handle_connect` for the websocket transport with these names; a
    # release that changes them, or the open packet, fails here rather than at a client.
    assert _open_keys_in_engineio() == {"sid", "upgrades", "pingTimeout", "pingInterval", "maxPayload"}
    server = engineio.AsyncServer
    for name in ("_service_task", "generate_id", "_trigger_event", "_make_response", "_unauthorized",
                 "_cors_allowed_origins", "start_background_task"):  # fmt: skip
        assert callable(getattr(server, name)), name
    assert inspect.signature(server._trigger_event).parameters.keys() >= {"event", "args", "kwargs"}
    s = engineio.AsyncServer(async_mode="aiohttp")
    for attr in ("start_service_task", "sockets", "ping_interval_grace_period", "transports", "cors_allowed_origins"):
        assert hasattr(s, attr), attr
    assert callable(async_socket.AsyncSocket._websocket_handler)
    source = inspect.getsource(engineio.AsyncServer._handle_connect)
    assert "s.schedule_ping()" in source and "self._trigger_event('connect', sid, environ" in source


def test_the_aiohttp_request_handler_lines_shed_http_state_relies_on() -> None:
    from aiohttp import web_protocol

    handler = web_protocol.RequestHandler
    slots = {name for cls in handler.__mro__ for name in cls.__dict__.get("__slots__", ())}
    assert {"_parser", "_messages", "_upgraded", "_payload_parser"} <= slots
    # An upgraded connection never feeds the HTTP parser nor queues a request...
    assert "if self._payload_parser is None and not self._upgraded:" in inspect.getsource(handler.data_received)
    assert "if not self._upgraded:" in inspect.getsource(handler._resume_reading_if_drained)
    # ...and where the request loop and the end of a response touch the parser, None is allowed.
    assert "if self._parser is not None:" in inspect.getsource(handler.start)
    assert "and self._parser is not None" in inspect.getsource(handler.finish_response)
    with pytest.raises(RuntimeError):
        _NO_MESSAGES.append(("request", None))
    assert not _NO_MESSAGES


class _Request:
    def __init__(self, method: str, query: dict[str, str], headers: dict[str, str]) -> None:
        self.method, self.query, self.headers = method, query, headers


@pytest.mark.parametrize(
    ("method", "query", "headers", "plain"),
    [
        ("GET", {"EIO": "4", "transport": "websocket"}, {"Upgrade": "websocket", "Connection": "Upgrade"}, True),
        ("GET", {"EIO": "4", "transport": "websocket"}, {"Upgrade": "WebSocket", "Connection": "keep-alive, Upgrade"},
         True),
        ("GET", {"EIO": "4", "transport": "polling"}, {}, False),
        ("GET", {"EIO": "4", "transport": "websocket", "sid": "x"}, {"Upgrade": "websocket", "Connection": "Upgrade"},
         False),  # an upgrade from polling
        ("GET", {"EIO": "3", "transport": "websocket"}, {"Upgrade": "websocket", "Connection": "Upgrade"}, False),
        ("GET", {"EIO": "4", "transport": "websocket"}, {"Connection": "Upgrade"}, False),
        ("GET", {"EIO": "4", "transport": "websocket"}, {"Upgrade": "websocket"}, False),
        ("POST", {"EIO": "4", "transport": "websocket"}, {"Upgrade": "websocket", "Connection": "Upgrade"}, False),
        ("GET", {"EIO": "4", "transport": "websocket", "j": "1"}, {"Upgrade": "websocket", "Connection": "Upgrade"},
         False),
    ],
)  # fmt: skip
def test_which_requests_take_the_fast_path(
    method: str, query: dict[str, str], headers: dict[str, str], plain: bool
) -> None:
    assert plain_websocket_connect(_Request(method, query, headers)) is plain  # type: ignore[arg-type]


async def _open_packet_ws(url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    async with aiohttp.ClientSession() as h, h.ws_connect(
        url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", headers=headers
    ) as ws:
        msg = await ws.receive_str(timeout=10)
    assert msg.startswith("0")
    return dict(json.loads(msg[1:]))


async def test_both_paths_open_alike(fair_server: Server) -> None:
    fast = await _open_packet_ws(fair_server.url)
    async with aiohttp.ClientSession() as h, h.get(fair_server.url + "/socket.io/?EIO=4&transport=polling") as r:
        body = await r.text()
    stock = json.loads(body[1:])
    assert fast.keys() == stock.keys()
    assert fast["upgrades"] == [] and stock["upgrades"] == ["websocket"]
    for key in ("pingTimeout", "pingInterval", "maxPayload"):
        assert fast[key] == stock[key], key
    assert fast["sid"] != stock["sid"]


async def test_a_foreign_origin_is_refused_as_engineio_refuses_it(fair_server: Server) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await _open_packet_ws(fair_server.url, {"Origin": "https://elsewhere.example"})
    assert refused.value.status == 400
    assert "sid" in await _open_packet_ws(fair_server.url, {"Origin": fair_server.url})


async def test_websocket_and_polling_clients_chat_together(fair_server: Server) -> None:
    assert fair_server.app is not None
    sio: socketio.AsyncServer = fair_server.app[SIO]
    stok, sup = await fair_server.supplier()
    booth_id = sup["booth_id"]
    staff = await fair_server.client(stok)  # websocket only: the fast path
    assert (await staff.call("booth:join", {"booth_id": booth_id}))["ok"]
    environ = next(iter(sio.environ.values()))
    assert "aiohttp.request" in environ and not [k for k in environ if k.startswith("HTTP_")]
    protocol = environ["aiohttp.request"].protocol
    assert protocol._parser is None and protocol._messages is _NO_MESSAGES
    # socket.io's default: long-polling first, then the upgrade (engine.io's own path).
    token, _ = await fair_server.guest("Poll", "en")
    polling = socketio.AsyncClient(reconnection=False)
    got: list[Any] = []
    polling.on("chat:message", lambda data: got.append(data))
    await polling.connect(fair_server.url, auth={"token": token}, wait_timeout=10)
    try:
        assert polling.transport() in ("polling", "websocket")
        assert (await polling.call("booth:join", {"booth_id": booth_id}, timeout=15))["ok"]
        sent = await staff.call("chat:send", {"booth_id": booth_id, "text": "最小起订量是500件。"})
        assert sent["ok"]
        for _ in range(100):
            if any(m["id"] == sent["message"]["id"] for m in got):
                break
            await asyncio.sleep(0.1)
        assert any(m["id"] == sent["message"]["id"] for m in got)
        reply = await polling.call("chat:send", {"booth_id": booth_id, "text": "Can you do 300 pieces?"}, timeout=15)
        assert reply["ok"]
        await staff.wait_message(lambda m: m["id"] == reply["message"]["id"])
    finally:
        await polling.disconnect()



async def test_a_handshake_that_fails_leaves_no_engineio_socket_behind(
    fair_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.wire import _WebSocket

    assert fair_server.app is not None
    sio: socketio.AsyncServer = fair_server.app[SIO]
    before = set(sio.eio.sockets)

    async def broken(self: Any, request: Any) -> Any:
        raise ConnectionResetError("the client went during the handshake")

    monkeypatch.setattr(_WebSocket, "open", broken)
    with pytest.raises((aiohttp.WSServerHandshakeError, aiohttp.ClientError)):
        await _open_packet_ws(fair_server.url)
    monkeypatch.undo()
    assert set(sio.eio.sockets) == before
    assert "sid" in await _open_packet_ws(fair_server.url)  # the next one is served as usual


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "fair.example", "Origin": "https://fair.example"},
        {"Host": "fair.example", "Origin": "https://fair.example", "X-Forwarded-Proto": "https"},
        {"Host": "10.0.0.5:8080", "Origin": "https://fair.example", "X-Forwarded-Proto": "https",
         "X-Forwarded-Host": "fair.example"},
        {"Host": "fair.example", "Origin": "http://fair.example"},
        {"Host": "fair.example", "Origin": "https://elsewhere.example", "X-Forwarded-Proto": "https"},
    ],
)  # fmt: skip
def test_the_origin_check_reads_what_engineio_reads(headers: dict[str, str]) -> None:
    from aiohttp.test_utils import make_mocked_request
    from engineio.async_drivers.aiohttp import translate_request

    from server.wire_connect import origin_environ

    request = make_mocked_request("GET", "/socket.io/?EIO=4&transport=websocket", headers=headers)
    server = engineio.AsyncServer(async_mode="aiohttp")
    assert server._cors_allowed_origins(origin_environ(request)) == server._cors_allowed_origins(
        translate_request(request)
    )
