"""How a node talks to Redis: fail fast, so an outage never hangs a request.

redis-py's default retries a failed command ten times with backoff (about 2.5 s on average)
before it gives up. Every caller here has a better answer than waiting: presence and rate limits
fall back to this node's memory, a publish only costs the other nodes' clients (who catch up by
seq), and the socket.io listener resubscribes on its own schedule. So one quick retry absorbs a
dropped connection, and anything longer is an outage the caller handles at once.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

CONNECT_TIMEOUT_S = 1.0
COMMAND_TIMEOUT_S = 3.0


def open_redis(url: str, *, retries: int = 1) -> Redis:
    """A client that answers within seconds even when Redis is gone.

    `retries=0` for a pub/sub listener: a reconnect redis-py made silently would resubscribe
    without the listener knowing, and it must know, because messages published meanwhile were lost.
    """
    return Redis.from_url(
        url,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), retries),
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        socket_timeout=COMMAND_TIMEOUT_S,
        health_check_interval=0,
    )
