"""Per-join and per-connection costs taken out of python-socketio's internals (see wire.py).

- `json_first`: socket.io decides whether a packet is binary by walking its whole payload in
  Python before encoding it. A `booth:join` ack carries the booth page and a page of history: the
  walk cost more than the rest of the join (2.5 ms against 57 µs for encoding the same ack with
  orjson, which refuses bytes). A payload that orjson encodes has no bytes in it; only one it
  refuses takes the stock walk.
- `PingWheel`: engine.io starts an asyncio task per connection that sleeps `ping_interval` and
  sends a ping, again after every pong: a task, its coroutine, a timer and a context per
  connection (~1.5 KB), and a task created per ping. One task pings every connection when due,
  and closes the connection of one that has not answered within `ping_timeout`.
- `RoomIndex`: python-socketio finds a leaving socket's rooms by copying and scanning every room
  of the namespace (each socket has its own room, and each account one more), so when thousands
  of viewers leave at once the teardown is quadratic. The index keeps each socket's rooms. Its
  rooms are plain dicts (`Members`) instead of bidicts, except the namespace's own room, where
  socket.io looks a socket up by its engine.io id: a bidict write costs four times a dict's, and
  every join makes four.

They rely on names python-socketio 5.x and python-engineio 4.x mark internal; tests/test_wire_contract.py checks them
and compares the results with the stock classes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import orjson
import socketio
from engineio import packet as eio_packet

from lifecycle.stop import stop

log = logging.getLogger(__name__)


def json_first(base: type[Any]) -> type[Any]:
    """`base` (a socket.io packet class) with the binary check done by trying JSON first."""

    class JsonFirstPacket(base):  # type: ignore[misc]
        @classmethod
        def data_is_binary(cls, data: Any) -> bool:
            if data is None or isinstance(data, str | int | float):
                return False
            try:
                orjson.dumps(data)
            except TypeError:  # bytes somewhere, or what orjson refuses (huge ints): the stock walk
                return bool(base.data_is_binary(data))
            return False

    JsonFirstPacket.__name__ = JsonFirstPacket.__qualname__ = f"JsonFirst{base.__name__}"
    return JsonFirstPacket


class PingWheel:
    """Sends engine.io's pings for every connection from one task, and ends the silent ones.

    Every connection waits the same interval after its last pong, so the order in which pings
    fall due is the order in which they were scheduled: a dict kept in insertion order is the
    whole timer queue. The ping itself is engine.io's `AsyncSocket._send_ping` after its sleep.
    Answers are due `timeout` after each ping, again in ping order: a second such dict.

    A connection that does not answer is closed here, by aborting its transport: engine.io's
    own sweep (`check_ping_timeout`) marks the socket closed and tells socket.io, but its CLOSE
    packet is refused by the same check inside `send`, so a half-open websocket (a phone gone
    into a tunnel) would otherwise keep its handler and buffers until TCP gives up, hours later.
    """

    def __init__(self, interval: float, timeout: float) -> None:
        self.interval = interval
        self.timeout = timeout
        self._due: dict[Any, float] = {}  # engine.io socket → when its ping is due (loop clock)
        self._answer_by: dict[Any, float] = {}  # pinged socket → when its pong is overdue
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._due)

    def schedule(self, sock: Any) -> None:
        """Ping `sock` one interval from now (what `schedule_ping`'s task would do): at connect,
        and at every pong, which also settles the ping before it."""
        loop = asyncio.get_running_loop()
        self._answer_by.pop(sock, None)
        self._due.pop(sock, None)  # to the end of the order
        self._due[sock] = loop.time() + self.interval
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._due or self._answer_by:
            now = loop.time()
            if self._answer_by:
                sock, overdue = next(iter(self._answer_by.items()))
                if overdue <= now:
                    del self._answer_by[sock]
                    self._end(sock)
                    continue
            if self._due:
                sock, due = next(iter(self._due.items()))
                if due <= now:
                    del self._due[sock]
                    await self._ping(sock, now)
                    continue
            wake = min(d for d in (self._first(self._due), self._first(self._answer_by)) if d is not None)
            # Capped: a ping scheduled meanwhile is due one interval after now, an answer one
            # timeout after its ping, so neither can fall due before a capped sleep ends.
            await asyncio.sleep(min(wake - now, self.interval, self.timeout))

    @staticmethod
    def _first(timers: dict[Any, float]) -> float | None:
        return next(iter(timers.values()), None)

    async def _ping(self, sock: Any, now: float) -> None:
        if sock.closing or sock.closed:
            return
        try:
            sock.last_ping = time.time()
            await sock.send(eio_packet.Packet(eio_packet.PING))
        except Exception:
            log.exception("sending a ping failed")
            return
        self._answer_by[sock] = now + self.timeout

    def _end(self, sock: Any) -> None:
        """No pong within the timeout: drop the connection (the reader loop then cleans up)."""
        transport = getattr(getattr(sock, "queue", None), "transport", None)
        if transport is not None and not transport.is_closing():
            log.info("socket %s did not answer a ping in %s s: closing its connection", sock.sid, self.timeout)
            transport.abort()

    async def aclose(self) -> None:
        self._due.clear()
        self._answer_by.clear()
        await stop(self._task, "the ping wheel")
        self._task = None


class Members(dict[str, Any]):
    """A room's members, sid → engine.io sid: what python-socketio keeps in a bidict, whose
    inverse it reads only for the namespace's own room. `_fwdm` is the name it reads a room by."""

    @property
    def _fwdm(self) -> Members:
        return self


class RoomIndex(socketio.AsyncManager):  # type: ignore[misc]
    """A manager that knows each socket's rooms, so a disconnect costs its rooms, not all rooms.

    Overrides `basic_enter_room`, `basic_leave_room` and `basic_disconnect` (python-socketio 5.x);
    everything else that changes `rooms` goes through them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # namespace → sid → the rooms it is in (a list: a socket is in a handful of rooms).
        self._rooms_of: dict[str, dict[str, list[Any]]] = {}

    def basic_enter_room(self, sid: str, namespace: str, room: Any, eio_sid: Any = None) -> None:
        if room is None:  # the namespace's own room: socket.io reads its inverse (a bidict)
            super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        else:  # the stock method's checks, with a dict for the room
            rooms = self.rooms.get(namespace)
            if rooms is None:
                if eio_sid is None:
                    raise ValueError("sid is not connected to requested namespace")
                rooms = self.rooms[namespace] = {}
            if sid != room and room in rooms.get(None, ()):
                raise ValueError("cannot enter a sid room")
            members = rooms.get(room)
            if members is None:
                members = rooms[room] = Members()
            members[sid] = rooms[None][sid] if eio_sid is None else eio_sid
        mine = self._rooms_of.setdefault(namespace, {}).setdefault(sid, [])
        if room not in mine:
            mine.append(room)

    def basic_leave_room(self, sid: str, namespace: str, room: Any) -> None:
        super().basic_leave_room(sid, namespace, room)
        by_sid = self._rooms_of.get(namespace)
        mine = by_sid.get(sid) if by_sid is not None else None
        if mine is not None and room in mine:
            mine.remove(room)
            if not mine:
                del by_sid[sid]  # type: ignore[union-attr]
                if not by_sid:
                    del self._rooms_of[namespace]

    def basic_disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        # The stock method, with the scan of every room replaced by the index.
        if namespace not in self.rooms:
            return
        for room in list(self._rooms_of.get(namespace, {}).get(sid, ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            sids = pending.get(namespace)
            if sids is not None and sid in sids:
                sids.remove(sid)
                if not sids:
                    del pending[namespace]
