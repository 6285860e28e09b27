"""What server/wire.py and server/frames.py assume of python-socketio and python-engineio.

`DirectSocketIO`, `DirectEngineIO` and `_WebSocket` override or call names the libraries mark
private; pyproject.toml pins the major versions they were written against. A release that moves
any of these fails here, by name, instead of as a confusing failure somewhere in the suite.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version

import engineio
import pytest
import socketio
from engineio import async_socket
from socketio import packet as sio_packet

from server.frames import RESERVED_EVENTS, GuardedPacket, MalformedPacket
from server.wire import DirectEngineIO, DirectQueue, DirectSocketIO, FastEmitManager


def _params(fn: object) -> list[str]:
    return list(inspect.signature(fn).parameters)  # type: ignore[arg-type]


def test_the_pinned_major_versions_are_installed() -> None:
    assert version("python-socketio").split(".")[0] == "5"
    assert version("python-engineio").split(".")[0] == "4"


def test_socketio_server_internals_we_override() -> None:
    base = socketio.AsyncServer
    assert _params(base._engineio_server_class) == ["self"]
    assert _params(base._handle_eio_message) == ["self", "eio_sid", "data"]
    assert _params(base._handle_eio_disconnect)[:2] == ["self", "eio_sid"]
    # Client events and lifecycle handlers share one table: the reason GuardedPacket exists.
    assert {"connect", "disconnect"} <= set(base.reserved_events) <= RESERVED_EVENTS
    assert "*" in RESERVED_EVENTS


def test_the_serializer_hook_and_the_message_handler() -> None:
    sio = DirectSocketIO(async_mode="aiohttp", client_manager=FastEmitManager(), serializer=GuardedPacket)
    assert sio.packet_class is GuardedPacket
    assert isinstance(sio.eio, DirectEngineIO)
    # engine.io hands every message to `_handle_eio_message`, which decodes with `packet_class`.
    assert sio.eio.handlers["message"] == sio._handle_eio_message
    assert sio.eio.handlers["disconnect"] == sio._handle_eio_disconnect
    assert "websocket" in sio.eio._async
    assert isinstance(sio.eio.create_queue(), DirectQueue)


def test_engineio_socket_members_the_websocket_adapter_uses() -> None:
    sock = async_socket.AsyncSocket
    for name in ("receive", "close", "send", "schedule_ping"):
        assert callable(getattr(sock, name)), name
    assert _params(sock.close) == ["self", "wait", "abort", "reason"]
    assert hasattr(engineio.AsyncServer.reason, "TRANSPORT_CLOSE")
    assert _params(engineio.AsyncServer.disconnect) == ["self", "sid"]


@pytest.mark.parametrize(
    "frame",
    ['2["connect",{"token":"x"}]', '2["disconnect"]', '21["connect_error"]', '2["*","x"]', "2[]", "2[5]", "2",
     '2{"a":1}', '51-["connect",{"_placeholder":true,"num":0}]', '2/other,["disconnect"]'],
)  # fmt: skip
def test_guarded_packet_refuses_events_without_a_usable_name(frame: str) -> None:
    # The stock packet decodes all of these without complaint.
    sio_packet.Packet(encoded_packet=frame)
    with pytest.raises(MalformedPacket):
        GuardedPacket(encoded_packet=frame)


@pytest.mark.parametrize("frame", ['2["chat:send",{"booth_id":1}]', '21["lobby:watch",{}]', "0", '0{"token":"t"}',
                                   "1", '3["ok"]', '51-["upload",{"_placeholder":true,"num":0}]'])  # fmt: skip
def test_guarded_packet_decodes_everything_else_as_before(frame: str) -> None:
    stock, guarded = sio_packet.Packet(encoded_packet=frame), GuardedPacket(encoded_packet=frame)
    assert (guarded.packet_type, guarded.data, guarded.id, guarded.attachment_count) == (
        stock.packet_type, stock.data, stock.id, stock.attachment_count
    )  # fmt: skip
