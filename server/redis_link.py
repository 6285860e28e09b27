"""How a node talks to Redis: fail fast, so an outage never hangs a request.

redis-py's default retries a failed command ten times with backoff (about 2.5 s on average)
before it gives up. Every caller here has a better answer than waiting: presence and rate limits
fall back to this node's memory, a publish only costs the other nodes' clients (who catch up by
seq), and the socket.io listener resubscribes on its own schedule. So one quick retry absorbs a
dropped connection, and anything longer is an outage the caller handles at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

OnError = Callable[[], None]

CONNECT_TIMEOUT_S = 1.0
COMMAND_TIMEOUT_S = 3.0
# One connection per command in flight, as redis-py before 8 allowed (2**31). redis-py 8 caps the
# asyncio pool at 100 and fails the 101st command at once ("Too many connections"): a starved node
# in a join storm has more in flight, so presence fell back to memory and every publish failed,
# pausing the other nodes' emits for 0.5-5 s (bench/cluster/lb.py, 2 nodes x 2,500 viewers).
MAX_CONNECTIONS = 2**31


class _CountingPipeline(Pipeline):
    on_error: OnError | None = None

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        try:
            return await super().execute(raise_on_error)
        except (RedisConnectionError, RedisTimeoutError):
            if self.on_error is not None:
                self.on_error()
            raise


class CountingRedis(Redis):
    """Reports each command or pipeline that fails for want of Redis (the node's metrics)."""

    on_error: OnError | None = None

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        try:
            return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        except (RedisConnectionError, RedisTimeoutError):
            if self.on_error is not None:
                self.on_error()
            raise

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        pipe = _CountingPipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)
        pipe.on_error = self.on_error
        return pipe


def open_redis(url: str, *, retries: int = 1, on_error: OnError | None = None) -> Redis:
    """A client that answers within seconds even when Redis is gone.

    `retries=0` for a pub/sub listener: a reconnect redis-py made silently would resubscribe
    without the listener knowing, and it must know, because messages published meanwhile were lost.
    `on_error` is called for each command that fails on the connection (metrics).
    """
    client = CountingRedis.from_url(
        url,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), retries),
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        socket_timeout=COMMAND_TIMEOUT_S,
        health_check_interval=0,
        max_connections=MAX_CONNECTIONS,
    )
    assert isinstance(client, CountingRedis)  # from_url builds `cls`
    client.on_error = on_error
    return client
