"""Token-bucket rate limits, in memory (one node) or in Redis (shared by every node)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from redis import exceptions as redis_errors
from redis.asyncio import Redis

from rooms.errors import RateLimited

log = logging.getLogger(__name__)


class RateLimiter(Protocol):
    async def hit(self, key: str, *, per_minute: float, burst: int, message: str) -> None:
        """Take one token for `key`; `RateLimited` with the wait when the bucket is empty."""
        ...


def _retry_after(tokens: float, per_second: float) -> float:
    return (1.0 - tokens) / per_second


class MemoryRateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    async def hit(self, key: str, *, per_minute: float, burst: int, message: str) -> None:
        if per_minute <= 0:
            return
        rate = per_minute / 60.0
        now = self._clock()
        tokens, last = self._buckets.get(key, (float(burst), now))
        tokens = min(float(burst), tokens + (now - last) * rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            raise RateLimited(message, _retry_after(tokens, rate))
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > 100_000:
            self._buckets.clear()  # bounded memory; a reset only ever loosens a limit for a moment


# One round trip, atomic across nodes: refill by elapsed time, take a token or say how long to wait.
_BUCKET_LUA = """
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', key, 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - ts) * rate)
local ok = 0
if tokens >= 1 then tokens = tokens - 1; ok = 1 end
redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', key, math.ceil(burst / rate) + 5)
return {ok, tostring(tokens)}
"""


class RedisRateLimiter:
    """Buckets shared by every node; this node's own buckets while Redis is unreachable.

    A limit kept per node during an outage is looser than a shared one, but refusing every
    sign-in and message because the limiter's store is away would be worse. After a failure the
    node stays on its own buckets for `RETRY_S` rather than waiting on a dead Redis for every hit.
    """

    RETRY_S = 1.0

    def __init__(
        self, redis: Redis, prefix: str = "boothcast:rl:", *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(_BUCKET_LUA)
        self._clock = clock
        self._local = MemoryRateLimiter(clock)
        self._local_until: float | None = None  # set while Redis is away: use `_local` until then

    async def hit(self, key: str, *, per_minute: float, burst: int, message: str) -> None:
        if per_minute <= 0:
            return
        if self._local_until is not None and self._clock() < self._local_until:
            await self._local.hit(key, per_minute=per_minute, burst=burst, message=message)
            return
        rate = per_minute / 60.0
        try:
            ok, tokens = await self._script(keys=[self._prefix + key], args=[rate, burst])
        except (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError) as exc:
            if self._local_until is None:
                log.warning("rate limits: Redis unreachable (%s); this node counts on its own", exc)
            self._local_until = self._clock() + self.RETRY_S
            await self._local.hit(key, per_minute=per_minute, burst=burst, message=message)
            return
        if self._local_until is not None:
            log.warning("rate limits: Redis is back; limits are shared again")
            self._local_until = None
        if int(ok) != 1:
            raise RateLimited(message, _retry_after(float(tokens), rate))
