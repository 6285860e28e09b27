"""Who is in which booth: viewer counts and the languages present, per booth.

The languages present decide what the chat is translated into (once per language, never per
viewer), so presence is kept exact: in memory on one node, in Redis across nodes.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from redis.asyncio import Redis


@dataclass(frozen=True, slots=True)
class BoothPresence:
    viewers: int
    languages: dict[str, int] = field(default_factory=dict)


class Presence(Protocol):
    async def join(self, booth_id: int, member: str, lang: str) -> bool:
        """Record `member` (a connection) in the booth; False if it was there already."""
        ...

    async def leave(self, booth_id: int, member: str) -> bool: ...

    async def get(self, booth_id: int) -> BoothPresence: ...

    async def get_many(self, booth_ids: list[int]) -> dict[int, BoothPresence]: ...

    async def aclose(self) -> None: ...


class MemoryPresence:
    def __init__(self) -> None:
        self._members: dict[int, dict[str, str]] = {}

    async def join(self, booth_id: int, member: str, lang: str) -> bool:
        members = self._members.setdefault(booth_id, {})
        new = member not in members
        members[member] = lang
        return new

    async def leave(self, booth_id: int, member: str) -> bool:
        return self._members.get(booth_id, {}).pop(member, None) is not None

    async def get(self, booth_id: int) -> BoothPresence:
        members = self._members.get(booth_id, {})
        return BoothPresence(len(members), dict(Counter(members.values())))

    async def get_many(self, booth_ids: list[int]) -> dict[int, BoothPresence]:
        return {b: await self.get(b) for b in booth_ids}

    async def aclose(self) -> None:
        self._members.clear()


_JOIN_LUA = """
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  redis.call('SADD', KEYS[3], ARGV[3])
  return 1
end
return 0
"""
_LEAVE_LUA = """
local lang = redis.call('HGET', KEYS[1], ARGV[1])
if not lang then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HINCRBY', KEYS[2], lang, -1) <= 0 then redis.call('HDEL', KEYS[2], lang) end
redis.call('SREM', KEYS[3], ARGV[2])
return 1
"""


class RedisPresence:
    """Presence shared by every node.

    Members are `node:sid`; each node keeps a heartbeat key and the list of its members, so when a
    node dies, any surviving node removes its members once the heartbeat expires.
    """

    HEARTBEAT_S = 10

    def __init__(self, redis: Redis, prefix: str = "boothcast:presence:") -> None:
        self._redis = redis
        self._p = prefix
        self.node = uuid.uuid4().hex[:12]
        self._join = redis.register_script(_JOIN_LUA)
        self._leave = redis.register_script(_LEAVE_LUA)
        self._task: asyncio.Task[None] | None = None

    def _keys(self, booth_id: int, node: str | None = None) -> list[str]:
        return [f"{self._p}{booth_id}:m", f"{self._p}{booth_id}:l", f"{self._p}node:{node or self.node}"]

    async def start(self) -> None:
        await self._beat()
        self._task = asyncio.create_task(self._loop())

    async def _beat(self) -> None:
        await self._redis.set(f"{self._p}alive:{self.node}", "1", ex=self.HEARTBEAT_S * 3)
        await self._redis.sadd(f"{self._p}nodes", self.node)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.HEARTBEAT_S)
            with contextlib.suppress(Exception):
                await self._beat()
                await self._sweep_dead_nodes()

    async def _sweep_dead_nodes(self) -> None:
        for node in await self._redis.smembers(f"{self._p}nodes"):
            node = node.decode() if isinstance(node, bytes) else node
            if node == self.node or await self._redis.exists(f"{self._p}alive:{node}"):
                continue
            await self._drop_node(node)

    async def _drop_node(self, node: str) -> None:
        for entry in await self._redis.smembers(f"{self._p}node:{node}"):
            entry = entry.decode() if isinstance(entry, bytes) else entry
            booth, member = entry.split("|", 1)
            await self._leave(keys=self._keys(int(booth), node), args=[member, entry])
        await self._redis.delete(f"{self._p}node:{node}")
        await self._redis.srem(f"{self._p}nodes", node)

    async def join(self, booth_id: int, member: str, lang: str) -> bool:
        m = f"{self.node}:{member}"
        return bool(await self._join(keys=self._keys(booth_id), args=[m, lang, f"{booth_id}|{m}"]))

    async def leave(self, booth_id: int, member: str) -> bool:
        m = f"{self.node}:{member}"
        return bool(await self._leave(keys=self._keys(booth_id), args=[m, f"{booth_id}|{m}"]))

    async def get(self, booth_id: int) -> BoothPresence:
        return (await self.get_many([booth_id]))[booth_id]

    async def get_many(self, booth_ids: list[int]) -> dict[int, BoothPresence]:
        pipe = self._redis.pipeline(transaction=False)
        for b in booth_ids:
            keys = self._keys(b)
            pipe.hlen(keys[0])
            pipe.hgetall(keys[1])
        raw = await pipe.execute()
        out = {}
        for i, b in enumerate(booth_ids):
            langs = {
                (k.decode() if isinstance(k, bytes) else k): int(v)
                for k, v in raw[2 * i + 1].items()
                if int(v) > 0
            }
            out[b] = BoothPresence(int(raw[2 * i]), langs)
        return out

    async def aclose(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self._drop_node(self.node)
            await self._redis.delete(f"{self._p}alive:{self.node}")
