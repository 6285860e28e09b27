"""Presence and rate limits over a Redis that dies and comes back empty (the test's own redis-server)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from rooms.chat import languages_present, moderator_languages
from rooms.errors import RateLimited
from rooms.presence import BoothPresence, RedisPresence
from rooms.ratelimit import RedisRateLimiter
from server.redis_link import open_redis
from tests.redis_server import OwnRedis

pytestmark = [pytest.mark.redis]

BOOTH = 7


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    await server.start()
    try:
        yield server
    finally:
        server.kill()


async def _node(url: str, prefix: str) -> RedisPresence:
    node = RedisPresence(open_redis(url), prefix=prefix)
    # Test pace: notice Redis coming back within 0.1 s, heartbeats expire after a second.
    node.CHECK_S, node.HEARTBEAT_S, node.SETTLE_S = 0.1, 0.4, 1
    await node.start()
    return node


async def _until(check: Callable[[], Awaitable[bool]], timeout: float = 15) -> None:
    """Presence changes in Redis have no event to wait on: look again until `check()` or the timeout."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def _settled(want: BoothPresence, *nodes: RedisPresence) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return all([await n.get(BOOTH) == want for n in nodes])

    return check


async def test_members_are_registered_again_after_redis_comes_back_empty(own_redis: OwnRedis) -> None:
    a = await _node(own_redis.url, "pt:")
    b = await _node(own_redis.url, "pt:")
    try:
        assert await a.join(BOOTH, "s1", "zh") is True
        assert await a.join(BOOTH, "s1", "zh") is False
        await b.join(BOOTH, "s2", "es")
        await b.join(BOOTH, "s3", "en")
        await _until(_settled(BoothPresence(3, {"zh": 1, "es": 1, "en": 1}), a, b))

        own_redis.kill()
        # Each node answers from its own members, marked stale, and keeps accepting changes.
        down = await a.get(BOOTH)
        assert down == BoothPresence(1, {"zh": 1}, stale=True)
        assert a.recent_languages(BOOTH) == {"zh", "es", "en"}  # seen before the outage
        assert await a.join(BOOTH, "s4", "en") is True
        assert await b.leave(BOOTH, "s3") is True
        assert (await a.get_many([BOOTH, 99])) == {
            BOOTH: BoothPresence(2, {"zh": 1, "en": 1}, stale=True),
            99: BoothPresence(0, {}, stale=True),
        }

        await own_redis.start()  # empty: everything the nodes had there is gone
        await _until(_settled(BoothPresence(3, {"zh": 1, "en": 1, "es": 1}), a, b))
        assert await a.leave(BOOTH, "s1") is True
        await _until(_settled(BoothPresence(2, {"en": 1, "es": 1}), a, b))
    finally:
        await a.aclose()
        await b.aclose()


async def test_changes_made_while_away_replace_what_a_persistent_redis_kept(tmp_path: Path) -> None:
    """Redis comes back with its data (append-only file): leaves it missed must not linger."""
    own_redis = OwnRedis(tmp_path, persist=True)
    await own_redis.start()
    a = await _node(own_redis.url, "pp:")
    b = await _node(own_redis.url, "pp:")
    try:
        await a.join(BOOTH, "s1", "zh")
        await b.join(BOOTH, "s2", "es")
        await _until(_settled(BoothPresence(2, {"zh": 1, "es": 1}), a, b))
        own_redis.kill()
        assert await b.leave(BOOTH, "s2") is True
        assert await a.join(BOOTH, "s3", "en") is True
        await own_redis.start()
        await _until(_settled(BoothPresence(2, {"zh": 1, "en": 1}), a, b))
    finally:
        await a.aclose()
        await b.aclose()
        own_redis.kill()


async def test_a_node_that_noticed_nothing_still_registers_again(own_redis: OwnRedis) -> None:
    """Redis lost its data between two checks (a fast restart): the epoch key tells."""
    a = await _node(own_redis.url, "pe:")
    try:
        await a.join(BOOTH, "s1", "es")
        await _until(_settled(BoothPresence(1, {"es": 1}), a))
        client = open_redis(own_redis.url)
        try:
            await client.flushall()
        finally:
            await client.aclose()
        assert (await a.get(BOOTH)).stale  # the epoch is gone: what Redis says now is not the truth
        await _until(_settled(BoothPresence(1, {"es": 1}), a))
    finally:
        await a.aclose()


async def test_a_dead_nodes_members_are_swept(own_redis: OwnRedis) -> None:
    a = await _node(own_redis.url, "ps:")
    dead = await _node(own_redis.url, "ps:")
    try:
        await a.join(BOOTH, "s1", "zh")
        await dead.join(BOOTH, "x1", "en")
        await dead.join(BOOTH, "x2", "en")
        await _until(_settled(BoothPresence(3, {"zh": 1, "en": 2}), a))
        # The node stops beating without cleaning up, as a killed process would.
        assert dead._task is not None
        dead._task.cancel()
        await _until(_settled(BoothPresence(1, {"zh": 1}), a))
    finally:
        await a.aclose()


async def test_a_node_swept_as_dead_while_stalled_registers_again(own_redis: OwnRedis) -> None:
    """A node whose heartbeat lapsed (an event loop stalled past the expiry, as a loaded machine
    does) is swept by the others though it lives: it notices at its next beat and registers its
    members again, instead of counting them in memory only, for ever."""
    a = await _node(own_redis.url, "pw:")
    b = await _node(own_redis.url, "pw:")
    try:
        await a.join(BOOTH, "s1", "zh")
        await b.join(BOOTH, "x1", "en")
        await _until(_settled(BoothPresence(2, {"zh": 1, "en": 1}), a, b))
        # a's heartbeat expires and b's sweep drops a, in one transaction (a beats every 0.4 s).
        pipe = b._redis.pipeline(transaction=True)
        pipe.delete(f"pw:alive:{a.node}")
        await b._drop_node(a.node, only_if_dead=True, client=pipe)
        await pipe.execute()
        assert await b.get(BOOTH) == BoothPresence(1, {"en": 1})
        await _until(_settled(BoothPresence(2, {"zh": 1, "en": 1}), a, b))
    finally:
        await a.aclose()
        await b.aclose()


async def test_a_node_that_cannot_leave_redis_on_shutdown_says_so(
    own_redis: OwnRedis, caplog: pytest.LogCaptureFixture
) -> None:
    node = RedisPresence(open_redis(own_redis.url), prefix="pq:")
    # No check or heartbeat runs during the test: the node still believes Redis is there at aclose.
    node.CHECK_S = node.HEARTBEAT_S = 3600
    await node.start()
    await node.join(BOOTH, "s1", "en")
    own_redis.kill()
    with caplog.at_level(logging.WARNING, logger="rooms.presence"):
        await node.aclose()
    assert any("could not remove this node from Redis on shutdown" in r.getMessage() for r in caplog.records)


class _StubPresence:
    def __init__(self, stale: bool) -> None:
        self.stale = stale

    async def get_many(self, booth_ids: list[int]) -> dict[int, BoothPresence]:
        return {b: BoothPresence(1, {"en": 1}, stale=self.stale) for b in booth_ids}

    def recent_languages(self, booth_id: int) -> set[str]:
        return {"zh", "es"} if booth_id == BOOTH else {"fr"}


async def test_stale_presence_translates_for_every_recent_language() -> None:
    fair: Any = SimpleNamespace(presence=_StubPresence(stale=False))
    assert await languages_present(fair, BOOTH) == {"en"}
    assert await moderator_languages(fair) == {"en"}
    fair.presence.stale = True
    # The booth's recent readers and the moderators' recent languages: nobody is dropped.
    assert await languages_present(fair, BOOTH) == {"en", "zh", "es", "fr"}
    assert await moderator_languages(fair) == {"en", "fr"}


async def test_rate_limits_fall_back_to_this_node_while_redis_is_away(own_redis: OwnRedis) -> None:
    now = [1000.0]
    redis = open_redis(own_redis.url)
    limiter = RedisRateLimiter(redis, prefix="rlt:", clock=lambda: now[0])
    try:

        async def hits(key: str) -> list[str]:
            out = []
            for _ in range(4):
                try:
                    await limiter.hit(key, per_minute=60, burst=3, message="slow down")
                    out.append("ok")
                except RateLimited as err:
                    assert err.retry_after > 0
                    out.append("limited")
            return out

        assert await hits("shared") == ["ok", "ok", "ok", "limited"]
        own_redis.kill()
        started = time.monotonic()
        assert await hits("local") == ["ok", "ok", "ok", "limited"]  # this node's own bucket
        assert time.monotonic() - started < 3, "an outage must not slow every hit down"
        await own_redis.start()
        now[0] += RedisRateLimiter.RETRY_S + 0.1
        assert await hits("shared") == ["ok", "ok", "ok", "limited"]  # Redis again (and empty)
    finally:
        await redis.aclose()


async def test_a_cancel_arriving_with_a_wake_up_stops_the_check_loop(own_redis: OwnRedis) -> None:
    # The loop waits for its wake-up event with a timeout. Python 3.11's `asyncio.wait_for` returns
    # the event's result instead of raising when a cancel arrives in the same tick as the event, so
    # a node told to stop just as Redis failed kept running, and `aclose` waited for it forever
    # (seen as a suite hung at this file's persistent-Redis test).
    node = RedisPresence(open_redis(own_redis.url), prefix="pw:")
    node.CHECK_S = node.HEARTBEAT_S = 3600  # parked in its wait until woken
    await node.start()
    await asyncio.sleep(0.1)
    task = node._task
    assert task is not None
    node._wake.set()  # as `_lost` does, in the same tick as the cancel
    task.cancel()
    await asyncio.wait([task], timeout=5)
    assert task.cancelled()
    await node.aclose()


async def test_a_node_registering_again_never_shows_half_its_members(own_redis: OwnRedis) -> None:
    # A node re-registers after any Redis error (a timeout under load will do): it replaces what
    # Redis has of it. Readers must see the count before or after, never members dropped and only
    # some back (seen as a presence push of 23 viewers with the wrong languages in a storm test).
    a = await _node(own_redis.url, "pr:")
    reader = open_redis(own_redis.url)
    try:
        for i in range(300):
            await a.join(BOOTH, f"s{i}", ("en", "zh", "es")[i % 3])
        await _until(_settled(BoothPresence(300, {"en": 100, "zh": 100, "es": 100}), a))
        seen: list[int] = []
        a._lost("made to re-register by the test")
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            seen.append(int(await reader.hlen(f"pr:{BOOTH}:m")))
            if not a._synced:
                continue
            if len(seen) > 20:
                break
        assert a._synced and set(seen) == {300}, sorted(set(seen))
    finally:
        await reader.aclose()
        await a.aclose()
