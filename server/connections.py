"""This node's open sockets: who each one is, where it is, and the caps on how many one may hold."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TypeVar

from rooms.auth import AuthUser
from rooms.errors import Forbidden, TooManyConnections

K = TypeVar("K")


@dataclass(slots=True)
class Conn:
    user: AuthUser
    batch: bool
    booths: set[int] = field(default_factory=set)
    moderating: bool = False
    lobby: bool = False
    address: str = ""
    # One socket's chat:sends are checked and committed in the order they arrived: each event runs
    # in a task of its own, and the gate's awaits (filters, slow mode) would otherwise reorder them.
    # Made on the first send: most viewers never send one.
    send_lock: asyncio.Lock | None = None
    # Booths where this socket is counted with the staff (`rooms.chat.staff_presence`), not the
    # audience: leave from where it joined, whatever its role is by then. None: none (most sockets).
    staffed: set[int] | None = None


def require_joined(conn: Conn, booth_id: int) -> None:
    """A booth's chat, inquiries and previews are for the sockets that joined it."""
    if booth_id not in conn.booths:
        raise Forbidden("join the booth first")


class Connections:
    """This node's live connections (sid → who and where)."""

    def __init__(self, *, max_per_user: int = 0, max_per_address: int = 0) -> None:
        self.by_sid: dict[str, Conn] = {}
        self.max_per_user = max_per_user  # 0 = no cap
        self.max_per_address = max_per_address
        self._per_user: dict[int, int] = {}
        self._per_address: dict[str, int] = {}
        self.departed = 0  # connections removed since start: the collector's thaw counts them
        # Sockets whose account is not a buyer's: the account sweep re-reads these (a few dozen)
        # every two seconds, not every viewer of the fair.
        self.privileged: dict[str, Conn] = {}

    def admit(self, sid: str, conn: Conn) -> None:
        """Register a connection, or refuse it past the per-account or per-address cap."""
        users, addresses = self._per_user.get(conn.user.id, 0), self._per_address.get(conn.address, 0)
        if self.max_per_user and users >= self.max_per_user:
            raise TooManyConnections(f"this account has {users} connections open already; close one first")
        if self.max_per_address and addresses >= self.max_per_address:
            raise TooManyConnections(f"{addresses} connections are open from this address already")
        self.by_sid[sid] = conn
        if conn.user.role != "buyer":
            self.privileged[sid] = conn
        self._per_user[conn.user.id] = users + 1
        self._per_address[conn.address] = addresses + 1

    def remove(self, sid: str) -> Conn | None:
        conn = self.by_sid.pop(sid, None)
        self.privileged.pop(sid, None)
        if conn is not None:
            self.departed += 1
            _one_less(self._per_user, conn.user.id)
            _one_less(self._per_address, conn.address)
        return conn

    def set_user(self, sid: str, conn: Conn, user: AuthUser) -> None:
        """Give `conn` (the connection `sid`) its account as it is now."""
        conn.user = user
        if self.by_sid.get(sid) is not conn:
            return
        if user.role != "buyer":
            self.privileged[sid] = conn
        else:
            self.privileged.pop(sid, None)

    def get(self, sid: str) -> Conn | None:
        return self.by_sid.get(sid)

    def sids_of_user(self, user_id: int) -> list[str]:
        return [sid for sid, c in self.by_sid.items() if c.user.id == user_id]


def _one_less(counts: dict[K, int], key: K) -> None:
    left = counts.get(key, 1) - 1
    if left > 0:
        counts[key] = left
    else:
        counts.pop(key, None)
