"""What a client may put in a socket frame, and what happens to a client whose frames are bad.

- `GuardedPacket` is python-socketio's packet class with the check its server leaves out: an
  event must have a name, and not one of the names python-socketio keeps for itself. Its server
  looks a client's events up in the same table as the `connect`/`disconnect` lifecycle handlers,
  so `emit("disconnect")` ran our disconnect handler (the socket left our registry but stayed
  open, out of reach of a later ban) and `emit("connect", ...)` re-ran the connect handler with
  the client's data. It plugs in through the server's documented `serializer` option (a
  `Packet` subclass with its own `decode`), not through internals.
- `FrameGuard` counts each connection's malformed frames (engine.io and socket.io level alike,
  a refused event name included) and says when to close it; its log lines share a `LogBudget`.
  Payloads that fail validation are not malformed frames: they are well-formed events answered
  with a `bad_request` ack, on a connection that stays open.
"""

from __future__ import annotations

from typing import Any

import socketio
from socketio import packet as sio_packet

from server.log_budget import LogBudget, budgeted_logger

# A client that sends this many malformed frames is closed: a real client never sends one.
MAX_MALFORMED_FRAMES = 5

RESERVED_EVENTS = frozenset(
    [*socketio.AsyncServer.reserved_events, *socketio.AsyncClient.reserved_events, "*"]
)

log = budgeted_logger("server.frames", LogBudget(per_minute=12, burst=20))


class MalformedPacket(ValueError):
    """A socket.io packet that decodes but may not be acted on."""


class GuardedPacket(sio_packet.Packet):  # type: ignore[misc]
    """A socket.io packet whose events have a name that is not reserved (see the module doc)."""

    def decode(self, encoded_packet: Any) -> int:
        count = int(super().decode(encoded_packet) or 0)
        if self.packet_type in (sio_packet.EVENT, sio_packet.BINARY_EVENT):
            data = self.data
            if not isinstance(data, list) or not data or not isinstance(data[0], str):
                raise MalformedPacket("an event needs a name")
            if data[0] in RESERVED_EVENTS:
                raise MalformedPacket(f"{data[0][:40]!r} is a reserved event name")
        return count


class FrameGuard:
    """Malformed frames per engine.io connection; the connection closes at `limit`."""

    def __init__(self, limit: int = MAX_MALFORMED_FRAMES) -> None:
        self.limit = limit
        self._strikes: dict[str, int] = {}

    def strike(self, eio_sid: str, problem: BaseException | str) -> bool:
        """Count one malformed frame; True when the connection must now be closed."""
        n = self._strikes.get(eio_sid, 0) + 1
        self._strikes[eio_sid] = n
        what = problem if isinstance(problem, str) else f"{type(problem).__name__}: {problem}"
        closing = n >= self.limit
        log.warning(
            "malformed frame %d/%d from connection %s%s: %s",
            n, self.limit, eio_sid, ", closing it" if closing else "", what[:160],
        )  # fmt: skip
        return closing

    def strikes(self, eio_sid: str) -> int:
        return self._strikes.get(eio_sid, 0)

    def forget(self, eio_sid: str) -> None:
        self._strikes.pop(eio_sid, None)
