"""Random ids without a system call each: engine.io's and socket.io's session ids, request ids.

Each new socket took three ids from `secrets` (engine.io's sid, socket.io's sid, the request id):
one `getrandom` system call each. A system call releases the GIL, and during a join storm the
database threads take it: a probe measured 11.8 µs a call inside a storm against 0.46 µs alone
(bench/RESULTS.md, join storms round 7). The pool reads the same kernel CSPRNG 4 KB at a time and
hands out slices: the ids are as unpredictable, for one system call per few hundred ids. A forked
child starts with an empty pool, so it never repeats its parent's bytes.

For the event loop's thread: the pool has no lock.
"""

from __future__ import annotations

import os

POOL_BYTES = 4096


class RandomPool:
    def __init__(self, size: int = POOL_BYTES) -> None:
        self._size = size
        self._buf = b""
        self._pos = 0

    def take(self, n: int) -> bytes:
        """`n` bytes from the kernel's CSPRNG that nobody else was given."""
        if n > self._size:
            return os.urandom(n)
        if self._pos + n > len(self._buf):
            self._buf, self._pos = os.urandom(self._size), 0
        out = self._buf[self._pos : self._pos + n]
        self._pos += n
        return out

    def forget(self) -> None:
        self._buf, self._pos = b"", 0


POOL = RandomPool()
os.register_at_fork(after_in_child=POOL.forget)


def token_hex(nbytes: int) -> str:
    """`secrets.token_hex`, from the pool."""
    return POOL.take(nbytes).hex()
