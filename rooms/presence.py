"""Who is in which booth: viewer counts and the languages present, per booth.

The languages present decide what the chat is translated into (once per language, never per
viewer), so presence is kept exact: in memory on one node, in Redis across nodes. When Redis is
away or has just come back, `stale` says the shared view may miss readers, and
`recent_languages` names every language the booth had lately, so fan-out can translate for
those instead of dropping readers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Protocol

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from lifecycle.stop import stop
from rooms.members import BoothPresence, Members

__all__ = ["BoothPresence", "MemoryPresence", "Presence", "RedisPresence"]

log = logging.getLogger(__name__)


class Presence(Protocol):
    async def join(self, booth_id: int, member: str, lang: str) -> bool:
        """Record `member` (a connection) in the booth; False if it was there already."""
        ...

    async def leave(self, booth_id: int, member: str) -> bool: ...

    async def get(self, booth_id: int) -> BoothPresence: ...

    async def get_many(self, booth_ids: list[int]) -> dict[int, BoothPresence]: ...

    def recent_languages(self, booth_id: int) -> set[str]:
        """Every language seen in the booth lately (for when `stale` says the present set may be short)."""
        ...

    def on_resync(self, listener: Callable[[list[int]], None]) -> None:
        """Call `listener(booth_ids)` after this node registered its members anew (Redis came back)."""
        ...

    async def aclose(self) -> None: ...


_NOBODY = Members()


class MemoryPresence:
    def __init__(self) -> None:
        self._members: dict[int, Members] = {}

    async def join(self, booth_id: int, member: str, lang: str) -> bool:
        members = self._members.get(booth_id)
        if members is None:
            members = self._members[booth_id] = Members()
        return members.add(member, lang)

    async def leave(self, booth_id: int, member: str) -> bool:
        members = self._members.get(booth_id)
        if members is None or not members.remove(member):
            return False
        if not members:
            del self._members[booth_id]
        return True

    async def get(self, booth_id: int) -> BoothPresence:
        return self._members.get(booth_id, _NOBODY).presence()

    async def get_many(self, booth_ids: list[int]) -> dict[int, BoothPresence]:
        return {b: await self.get(b) for b in booth_ids}

    def recent_languages(self, booth_id: int) -> set[str]:
        return set(self._members.get(booth_id, _NOBODY).counts)  # never stale: the present set is exact

    def on_resync(self, listener: Callable[[list[int]], None]) -> None:
        return None  # nothing to resync without Redis

    async def aclose(self) -> None:
        self._members.clear()


# A member joining again in another language moves between the counts, as in memory.
_JOIN_LUA = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
if old then
  if redis.call('HINCRBY', KEYS[2], old, -1) <= 0 then redis.call('HDEL', KEYS[2], old) end
  return 0
end
redis.call('SADD', KEYS[3], ARGV[3])
return 1
"""
_LEAVE_LUA = """
local lang = redis.call('HGET', KEYS[1], ARGV[1])
if not lang then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HINCRBY', KEYS[2], lang, -1) <= 0 then redis.call('HDEL', KEYS[2], lang) end
redis.call('SREM', KEYS[3], ARGV[2])
return 1
"""

# Drops a node's members in one step. With ARGV[3] == 'if-dead', only while its heartbeat key is
# missing: a check and a drop in two round trips could remove members the node registered in
# between (it re-registers after a Redis restart while the others sweep).
_DROP_NODE_LUA = """
if ARGV[3] == 'if-dead' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for _, entry in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local sep = string.find(entry, '|', 1, true)
  local booth = string.sub(entry, 1, sep - 1)
  local member = string.sub(entry, sep + 1)
  local mkey = ARGV[1] .. booth .. ':m'
  local lkey = ARGV[1] .. booth .. ':l'
  local lang = redis.call('HGET', mkey, member)
  if lang then
    redis.call('HDEL', mkey, member)
    if redis.call('HINCRBY', lkey, lang, -1) <= 0 then redis.call('HDEL', lkey, lang) end
  end
end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[2])
return 1
"""


class RedisPresence:
    """Presence shared by every node, rebuilt by each node when Redis comes back.

    Members are `node:sid`; each node keeps a heartbeat key and the list of its members, so when a
    node dies, any surviving node removes its members once the heartbeat expires.

    Each node also holds its own members in memory: the record its part of Redis is rebuilt from.
    After a Redis error the node stops writing through and answers from memory (its own members,
    `stale`); once Redis answers again it drops whatever Redis had of it and registers every
    member anew. A restart that lost Redis's data shows as the `epoch` key gone or changed, and
    every node re-registers then. While any node is re-registering (the `unsettled` key, with a
    short expiry) every answer is `stale`, so fan-out also translates for the languages the booth
    had lately (`recent_languages`), instead of dropping readers whose node has not re-registered.
    """

    HEARTBEAT_S = 10.0
    CHECK_S = 1.0  # how soon a node notices that Redis came back or lost its data
    SETTLE_S = 5  # > CHECK_S plus a re-registration: every node has registered again by then
    RECENT_S = 900.0

    def __init__(
        self,
        redis: Redis,
        prefix: str = "boothcast:presence:",
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = redis
        self._p = prefix
        self.node = uuid.uuid4().hex[:12]
        self._join = redis.register_script(_JOIN_LUA)
        self._leave = redis.register_script(_LEAVE_LUA)
        self._drop = redis.register_script(_DROP_NODE_LUA)
        self._task: asyncio.Task[None] | None = None
        self._clock = clock
        self._local: dict[int, Members] = {}  # this node's members: booth → members
        self._version = 0  # bumped by every change of `_local`
        self._recent: dict[int, dict[str, float]] = {}  # booth → {lang → when last seen}
        self._synced = False  # Redis holds exactly our members, under `_epoch`
        self._epoch: bytes | str | None = None
        # Serialises this node's presence writes, so a join or leave that races a
        # re-registration reaches Redis after it, never interleaved with it.
        self._writes = asyncio.Lock()
        self._wake = asyncio.Event()
        self._listeners: list[Callable[[list[int]], None]] = []

    def _keys(self, booth_id: int, node: str | None = None) -> list[str]:
        return [f"{self._p}{booth_id}:m", f"{self._p}{booth_id}:l", f"{self._p}node:{node or self.node}"]

    async def start(self) -> None:
        """Register this node; raises when Redis is unreachable (a node starts with Redis or not at all)."""
        await self._register()
        self._task = asyncio.create_task(self._loop())

    def on_resync(self, listener: Callable[[list[int]], None]) -> None:
        self._listeners.append(listener)

    # --- keeping Redis in step ----------------------------------------------------------------

    async def _beat(self, client: Redis | Pipeline | None = None) -> bool:
        """Renew this node's heartbeat; whether it was still there (on a pipeline: True)."""
        client = self._redis if client is None else client  # not `or`: an empty pipeline is falsy
        was = await client.set(f"{self._p}alive:{self.node}", "1", px=int(self.HEARTBEAT_S * 3000), get=True)
        await client.sadd(f"{self._p}nodes", self.node)
        return isinstance(client, Pipeline) or was is not None

    async def _register(self) -> None:
        """Replace whatever Redis has of this node by the members it holds now.

        Each pass is one MULTI/EXEC transaction: no reader sees this node half registered (its
        members dropped and only some back, a count that dips and recovers under the viewers' eyes).
        """
        async with self._writes:
            created = await self._redis.set(f"{self._p}epoch", uuid.uuid4().hex, nx=True)
            if created or self._local:
                # Other nodes' members (a new epoch: Redis lost them all) or ours are missing
                # until re-registered: every node's answers are stale meanwhile.
                await self._redis.set(f"{self._p}unsettled", self.node, ex=self.SETTLE_S)
            epoch = await self._redis.get(f"{self._p}epoch")
            # Joins and leaves go on meanwhile (in memory only): pass again over what changed
            # until a pass saw no change, then write through from there on.
            registered: dict[tuple[int, str], str] | None = None
            while True:
                version = self._version
                want = {
                    (b, sid): lang for b, members in self._local.items() for sid, lang in members.by_member.items()
                }
                pipe = self._redis.pipeline(transaction=True)
                if registered is None:  # the first pass replaces whatever Redis had of this node
                    await self._drop_node(self.node, client=pipe)
                    await self._beat(pipe)
                    registered = {}
                for b, sid in registered.keys() - want.keys():
                    m = f"{self.node}:{sid}"
                    await self._leave(keys=self._keys(b), args=[m, f"{b}|{m}"], client=pipe)
                for (b, sid), lang in want.items() - registered.items():
                    m = f"{self.node}:{sid}"
                    await self._join(keys=self._keys(b), args=[m, lang, f"{b}|{m}"], client=pipe)
                await pipe.execute()
                registered = want
                if version == self._version:
                    break
            self._epoch = epoch
            self._synced = True

    def _lost(self, why: object) -> None:
        if self._synced:
            log.warning("presence: Redis %s; serving this node's members from memory until it is back", why)
        self._synced = False
        self._wake.set()

    async def _loop(self) -> None:
        last_beat = self._clock()
        while True:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a cancel that arrives
            # in the same tick as the event, and the loop would outlive `aclose` (which then hangs).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.CHECK_S):
                    await self._wake.wait()
            self._wake.clear()
            try:
                if not self._synced:
                    await self._register()
                    log.warning("presence: Redis is back; this node's members are registered again")
                    booths = sorted(b for b, members in self._local.items() if members)
                    for listener in self._listeners:
                        listener(booths)
                elif await self._redis.get(f"{self._p}epoch") != self._epoch:
                    self._lost("lost its data (restarted?)")
                    continue
                if self._clock() - last_beat >= self.HEARTBEAT_S:
                    last_beat = self._clock()
                    if not await self._beat():
                        # Our heartbeat had lapsed (this process stalled past its expiry), so
                        # another node may have swept our members: they are only in memory now.
                        self._lost("had let this node's heartbeat lapse (a stall?)")
                        continue
                    await self._sweep_dead_nodes()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._lost(f"failed ({exc.__class__.__name__}: {exc})")
                self._wake.clear()  # retry at the next check, not in a tight loop

    async def _sweep_dead_nodes(self) -> None:
        for node in await self._redis.smembers(f"{self._p}nodes"):
            node = node.decode() if isinstance(node, bytes) else node
            if node != self.node:
                await self._drop_node(node, only_if_dead=True)

    async def _drop_node(self, node: str, *, only_if_dead: bool = False, client: Pipeline | None = None) -> None:
        keys = [f"{self._p}alive:{node}", f"{self._p}node:{node}", f"{self._p}nodes"]
        await self._drop(keys=keys, args=[self._p, node, "if-dead" if only_if_dead else "always"], client=client)

    # --- members ------------------------------------------------------------------------------

    async def join(self, booth_id: int, member: str, lang: str) -> bool:
        members = self._local.get(booth_id)
        if members is None:
            members = self._local[booth_id] = Members()
        new = members.add(member, lang)
        self._version += 1
        self._seen(booth_id, [lang])
        if self._synced:
            m = f"{self.node}:{member}"
            try:
                async with self._writes:
                    await self._join(keys=self._keys(booth_id), args=[m, lang, f"{booth_id}|{m}"])
            except Exception as exc:
                self._lost(f"failed ({exc.__class__.__name__})")
        return new

    async def leave(self, booth_id: int, member: str) -> bool:
        members = self._local.get(booth_id, _NOBODY)
        was = members.remove(member)
        self._version += 1
        if was and not members:
            del self._local[booth_id]
        if self._synced:
            m = f"{self.node}:{member}"
            try:
                async with self._writes:
                    await self._leave(keys=self._keys(booth_id), args=[m, f"{booth_id}|{m}"])
            except Exception as exc:
                self._lost(f"failed ({exc.__class__.__name__})")
        return was

    # --- reading ------------------------------------------------------------------------------

    async def get(self, booth_id: int) -> BoothPresence:
        return (await self.get_many([booth_id]))[booth_id]

    async def get_many(self, booth_ids: list[int]) -> dict[int, BoothPresence]:
        if self._synced:
            try:
                return await self._shared(booth_ids)
            except Exception as exc:
                self._lost(f"failed ({exc.__class__.__name__})")
        return {b: self._mine(b) for b in booth_ids}

    async def _shared(self, booth_ids: list[int]) -> dict[int, BoothPresence]:
        pipe = self._redis.pipeline(transaction=False)
        for b in booth_ids:
            keys = self._keys(b)
            pipe.hlen(keys[0])
            pipe.hgetall(keys[1])
        pipe.get(f"{self._p}epoch")
        pipe.exists(f"{self._p}unsettled")
        raw = await pipe.execute()
        if raw[-2] != self._epoch:
            self._lost("lost its data (restarted?)")
            return {b: self._mine(b) for b in booth_ids}
        stale = bool(raw[-1])
        out = {}
        for i, b in enumerate(booth_ids):
            langs = {
                (k.decode() if isinstance(k, bytes) else k): int(v)
                for k, v in raw[2 * i + 1].items()
                if int(v) > 0
            }
            out[b] = BoothPresence(int(raw[2 * i]), langs, stale)
            self._seen(b, langs)
        return out

    def _mine(self, booth_id: int) -> BoothPresence:
        return self._local.get(booth_id, _NOBODY).presence(stale=True)

    def _seen(self, booth_id: int, langs: Iterable[str]) -> None:
        now = self._clock()
        seen = self._recent.setdefault(booth_id, {})
        for lang in langs:
            seen[lang] = now

    def recent_languages(self, booth_id: int) -> set[str]:
        cutoff = self._clock() - self.RECENT_S
        seen = self._recent.get(booth_id, {})
        for lang in [lang for lang, at in seen.items() if at < cutoff]:
            del seen[lang]
        return set(seen) | set(self._local.get(booth_id, _NOBODY).counts)

    async def aclose(self) -> None:
        await stop(self._task, "the presence keeper")
        if self._synced:
            try:
                await self._drop_node(self.node)
                await self._redis.delete(f"{self._p}alive:{self.node}")
            except Exception as exc:
                # Not fatal (the other nodes sweep this one once its heartbeat key expires), but
                # until then its members count as present: an operator should see why.
                log.warning(
                    "presence: could not remove this node from Redis on shutdown (%s: %s); "
                    "other nodes drop its members when its heartbeat expires",
                    exc.__class__.__name__,
                    exc,
                )
