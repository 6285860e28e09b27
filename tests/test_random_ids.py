"""server/random_ids.py: ids from a pool of the kernel's random bytes, never handed out twice."""

from __future__ import annotations

import base64
import inspect
import os
import re

import engineio
from engineio import base_server

from server.random_ids import POOL, RandomPool, token_hex
from server.wire_connect import ConnectingEngineIO


def test_the_pool_hands_out_each_byte_once_and_refills() -> None:
    pool = RandomPool(size=64)
    chunks = [pool.take(12) for _ in range(40)]  # several refills
    assert all(len(c) == 12 for c in chunks)
    assert len(set(chunks)) == len(chunks)
    assert len(pool.take(100)) == 100  # larger than the pool: straight from the kernel
    assert re.fullmatch(r"[0-9a-f]{16}", token_hex(8))


def test_a_forked_child_does_not_repeat_its_parents_bytes() -> None:
    POOL.take(1)  # the parent holds a filled pool
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next bytes, to the parent
        os.write(write, POOL.take(16))
        os._exit(0)
    os.close(write)
    child = os.read(read, 16)
    os.close(read)
    os.waitpid(pid, 0)
    assert len(child) == 16 and child != POOL.take(16)


def test_session_ids_keep_engineio_shape() -> None:
    # engine.io's own: 12 random bytes and its 3-byte sequence number, URL-safe base64.
    source = inspect.getsource(base_server.BaseServer.generate_id)
    assert "secrets.token_bytes(12)" in source and "self.sequence_number.to_bytes(3, 'big')" in source
    stock = engineio.AsyncServer(async_mode="aiohttp")
    ours = ConnectingEngineIO(async_mode="aiohttp")
    theirs = [stock.generate_id() for _ in range(5)]
    mine = [ours.generate_id() for _ in range(2000)]
    assert {len(x) for x in theirs} == {len(x) for x in mine} == {20}
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{20}", x) for x in theirs + mine)
    randoms = {base64.urlsafe_b64decode(x)[:12] for x in mine}
    assert len(randoms) == len(mine), "the random part differs id to id"
    assert [int.from_bytes(base64.urlsafe_b64decode(x)[12:], "big") for x in mine[:3]] == [0, 1, 2]
