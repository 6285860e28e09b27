"""Follow one Redis pub/sub channel for as long as the node runs, resubscribing after any loss.

Bans and slow mode each keep a per-node copy of shared state and hear of changes on their own
channel; what they do on (re)subscribing, on a message and on losing the channel differs, the
loop around it does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis

log = logging.getLogger(__name__)


async def follow(
    redis: Redis,
    channel: str,
    what: str,
    *,
    subscribed: Callable[[], Awaitable[None]],
    message: Callable[[dict[str, Any]], Awaitable[None]],
    resubscribed: str,
    lost: Callable[[], None] = lambda: None,
) -> None:
    """Run until cancelled: `subscribed` after every (re)subscription, `message` per JSON message
    (a malformed one is logged and skipped), `lost` when the subscription fails."""
    gone = False
    while True:
        pubsub = redis.pubsub()
        try:
            await pubsub.subscribe(channel)
            await subscribed()
            if gone:
                log.warning("%s channel resubscribed; %s", what, resubscribed)
                gone = False
            async for msg in pubsub.listen():
                if msg.get("type") != "message":
                    continue
                try:
                    await message(json.loads(msg["data"]))
                except (ValueError, KeyError, TypeError):
                    log.warning("ignoring a malformed %s message: %r", what, msg.get("data"))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            lost()
            if not gone:  # once per outage, not every second of it
                log.warning("%s channel lost (%s); resubscribing", what, exc)
            gone = True
            await asyncio.sleep(1)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
