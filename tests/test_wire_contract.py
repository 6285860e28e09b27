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
from server.wire_lean import RoomIndex, json_first


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
    assert issubclass(sio.packet_class, GuardedPacket)  # json_first(GuardedPacket)
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


def test_manager_internals_the_room_index_replaces() -> None:
    base = socketio.AsyncManager
    assert _params(base.basic_enter_room) == ["self", "sid", "namespace", "room", "eio_sid"]
    assert _params(base.basic_leave_room) == ["self", "sid", "namespace", "room"]
    assert _params(base.basic_disconnect)[:3] == ["self", "sid", "namespace"]
    m = base()
    assert (m.rooms, m.callbacks, m.pending_connect, m.pending_disconnect) == ({}, {}, {}, {})
    # Nothing else in the base manager writes to `rooms` directly (the index would miss it).
    source = inspect.getsource(socketio.base_manager.BaseManager)
    assert source.count("self.rooms[namespace][room][sid] = ") == 1
    assert source.count("del self.rooms[namespace][room][sid]") == 1


class _Server:
    """What a manager needs of its server: ids (socket.io's sids are engine.io-style ids)."""

    def __init__(self) -> None:
        self.eio = engineio.AsyncServer()
        self.packet_class = sio_packet.Packet


async def test_room_index_leaves_the_same_state_as_the_stock_manager() -> None:
    import random

    stock, indexed = socketio.AsyncManager(), RoomIndex()
    for m in (stock, indexed):
        m.set_server(_Server())
    rng = random.Random(7)
    sids: dict[str, str] = {}  # eio_sid -> sid, the same in both managers
    for step in range(3000):
        op = rng.random()
        if op < 0.3 or not sids:
            eio_sid = f"e{step}"
            sid = await stock.pre_connect(eio_sid, "/")
            indexed.basic_enter_room(sid, "/", None, eio_sid=eio_sid)
            indexed.basic_enter_room(sid, "/", sid, eio_sid=eio_sid)
            indexed.pending_connect.setdefault("/", []).append(sid)
            sids[eio_sid] = sid
            if rng.random() < 0.8:
                for m in (stock, indexed):
                    await m.connect(sid, "/")
            continue
        eio_sid = rng.choice(sorted(sids))
        sid = sids[eio_sid]
        room = f"r{rng.randrange(6)}"
        for m in (stock, indexed):
            if op < 0.55:
                await m.enter_room(sid, "/", room)
            elif op < 0.7:
                await m.leave_room(sid, "/", room)
            elif op < 0.75:
                await m.close_room(room, "/")
            elif op < 0.8:
                m.callbacks.setdefault(sid, {})[1] = print
            elif op < 0.85:
                m.pre_disconnect(sid, "/")
            else:
                await m.disconnect(sid, "/")
        if op >= 0.85:
            del sids[eio_sid]
        assert indexed.rooms == stock.rooms, step
        for r in ("r0", "r3", sid):
            assert sorted(indexed.get_participants("/", r)) == sorted(stock.get_participants("/", r)), step
        assert (indexed.callbacks, indexed.pending_connect, indexed.pending_disconnect) == (
            stock.callbacks, stock.pending_connect, stock.pending_disconnect
        ), step  # fmt: skip
    # Rooms are plain dicts but the namespace's own, whose inverse socket.io reads.
    assert {type(m).__name__ for r, m in indexed.rooms.get("/", {}).items() if r is not None} == {"Members"}
    assert type(indexed.rooms["/"][None]).__name__ == "bidict"
    # The index is exactly the rooms each socket is in, nothing left behind.
    for ns, by_sid in indexed._rooms_of.items():
        for sid, rooms in by_sid.items():
            assert sorted(map(str, rooms)) == sorted(str(r) for r, members in indexed.rooms[ns].items() if sid in members)
    assert sum(len(v) for v in indexed._rooms_of.get("/", {}).values()) == sum(
        len(members) for members in indexed.rooms.get("/", {}).values()
    )


async def test_room_index_disconnect_does_not_scan_every_room() -> None:
    m = RoomIndex()
    m.set_server(_Server())
    for i in range(3000):
        sid = await m.pre_connect(f"e{i}", "/")
        await m.connect(sid, "/")
        m.basic_enter_room(sid, "/", f"user:{i}")
        m.basic_enter_room(sid, "/", "booth:1")
    calls = 0
    real = m.rooms["/"].copy

    class Counting(dict):  # type: ignore[type-arg]
        def copy(self) -> dict:  # type: ignore[type-arg]
            nonlocal calls
            calls += 1
            return dict(real())

    m.rooms["/"] = Counting(m.rooms["/"])
    for sid in list(m._rooms_of["/"]):
        m.basic_disconnect(sid, "/")
    assert calls == 0 and "/" not in m.rooms


@pytest.mark.parametrize(
    "data",
    [None, "x", 5, ["chat:message", {"a": [1, {"b": None}], "c": "é"}], {"ok": True, "history": [{"id": 1}] * 50},
     ["e", {"n": 1 << 70}], ["e", {1: "int key"}]],
)  # fmt: skip
def test_json_first_packet_encodes_as_the_stock_packet(data: object) -> None:
    fast = json_first(GuardedPacket)
    for kind in (sio_packet.EVENT, sio_packet.ACK):
        mine, stock = fast(kind, data=data, id=3), GuardedPacket(kind, data=data, id=3)
        assert mine.packet_type == stock.packet_type
        assert mine.encode() == stock.encode()


def test_json_first_packet_still_finds_bytes() -> None:
    fast = json_first(GuardedPacket)
    pkt = fast(sio_packet.EVENT, data=["upload", {"blob": b"\x00\x01", "n": 1}])
    assert pkt.packet_type == sio_packet.BINARY_EVENT
    assert pkt.encode() == GuardedPacket(sio_packet.EVENT, data=["upload", {"blob": b"\x00\x01", "n": 1}]).encode()
    assert callable(sio_packet.Packet.data_is_binary)


def test_engineio_ping_scheduling_the_wheel_takes_over() -> None:
    # schedule_ping starts `_send_ping` as a background task; `_send_ping` sleeps, then pings.
    assert "start_background_task(self._send_ping)" in inspect.getsource(async_socket.AsyncSocket.schedule_ping)
    ping = inspect.getsource(async_socket.AsyncSocket._send_ping)
    assert "sleep(self.server.ping_interval)" in ping and "packet.PING" in ping and "last_ping" in ping
    assert _params(engineio.AsyncServer.start_background_task) == ["self", "target", "args", "kwargs"]


async def test_the_ping_wheel_pings_each_connection_an_interval_after_its_last_pong() -> None:
    import asyncio

    eio = DirectEngineIO(async_mode="aiohttp", ping_interval=0.05)
    socks = [async_socket.AsyncSocket(eio, f"s{i}") for i in range(3)]
    sent: list[tuple[str, int]] = []
    for s in socks:
        s.connected = True

        async def send(pkt: object, s: async_socket.AsyncSocket = s) -> None:
            sent.append((s.sid, pkt.packet_type))  # type: ignore[attr-defined]

        s.send = send
        s.schedule_ping()  # what engine.io does at connect: no task of its own
    assert len(eio.pings) == 3
    socks[2].closed = True
    await asyncio.sleep(0.15)
    assert sorted(sent) == [("s0", 2), ("s1", 2)]  # engine.io PING is packet type 2
    assert socks[0].last_ping is not None
    socks[0].schedule_ping()  # a pong: the next ping one interval later
    await asyncio.sleep(0.12)
    assert sent.count(("s0", 2)) == 2 and sent.count(("s1", 2)) == 1
    await eio.shutdown()
    assert len(eio.pings) == 0


async def test_the_ping_wheel_aborts_the_connection_of_a_socket_that_does_not_answer() -> None:
    import asyncio

    class Transport:
        aborted = False

        def is_closing(self) -> bool:
            return self.aborted

        def abort(self) -> None:
            self.aborted = True

    eio = DirectEngineIO(async_mode="aiohttp", ping_interval=0.05, ping_timeout=0.05)
    socks = [async_socket.AsyncSocket(eio, f"s{i}") for i in range(2)]
    for s in socks:
        s.connected = True
        s.queue.transport = Transport()

        async def send(pkt: object) -> None:
            pass

        s.send = send
        s.schedule_ping()
    await asyncio.sleep(0.07)  # both pinged
    socks[0].schedule_ping()  # s0 answers
    await asyncio.sleep(0.06)  # s1's answer is overdue
    assert [s.queue.transport.aborted for s in socks] == [False, True]
    await eio.shutdown()


def test_a_websocket_environ_keeps_everything_but_the_header_copies() -> None:
    from server.wire import drop_header_copies

    request = object()
    environ = {"aiohttp.request": request, "REQUEST_METHOD": "GET", "QUERY_STRING": "EIO=4", "HTTP_HOST": "x",
               "HTTP_SEC_WEBSOCKET_KEY": "k"}  # fmt: skip
    same = environ
    drop_header_copies(environ)
    assert same is environ and environ == {"aiohttp.request": request, "REQUEST_METHOD": "GET", "QUERY_STRING": "EIO=4"}
    # engine.io reads headers (CORS, upgrade) before the websocket opens, and returns the
    # websocket response without reading the environ again.
    source = inspect.getsource(engineio.AsyncServer.handle_request)
    assert "if not isinstance(r, dict):\n            return r" in source
