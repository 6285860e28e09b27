"""The one task per node that delivers the outbox's due webhook deliveries (rooms/outbox.py).

A fixed pool, not a task per lead: each round claims at most `concurrency` due rows and posts
them together, every request bounded by the timeout, so a slow or dead receiver costs one
round's time and nothing else. Between rounds the task sleeps for the poll interval (or until
`wake()`); other nodes find what this one wrote on their own next poll.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import time
from contextlib import suppress
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import ResolveResult
from aiohttp.resolver import ThreadedResolver

from lifecycle.stop import stop
from rooms import outbox
from rooms.db import Database
from rooms.outbox import Attempt, RetryPolicy
from rooms.webhook_errors import error_kind
from rooms.webhooks import is_ip_literal, is_public_address

log = logging.getLogger(__name__)
USER_AGENT = "Boothcast-Webhooks/1"


def request_headers(attempt: Attempt, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Boothcast-Event": attempt.event_type,
        "Boothcast-Event-Id": attempt.event_uid,
        # The same on every attempt and redelivery of an event: receivers drop what they have seen.
        "Idempotency-Key": attempt.event_uid,
        "Boothcast-Delivery": str(attempt.delivery_id),
        "Boothcast-Attempt": str(attempt.attempt),
        "Boothcast-Timestamp": str(timestamp),
        "Boothcast-Signature": outbox.signature(attempt.secret, timestamp, attempt.body),
    }


class PublicOnlyResolver(ThreadedResolver):
    """Resolves host names to global addresses only, checked at every connection.

    Checking the name once when the URL is saved is not enough: its DNS answer may change later
    (DNS rebinding) to this server's own network.
    """

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        public = [r for r in await super().resolve(host, port, family) if is_public_address(r["host"])]
        if not public:
            # With an errno, so that aiohttp's connection error carries this text as its reason.
            raise OSError(errno.EACCES, f"{host} resolves only to loopback, private or link-local addresses")
        return public


class WebhookSender:
    def __init__(self, db: Database, *, timeout: float, policy: RetryPolicy, poll_interval: float,
                 allow_private: bool = False, concurrency: int = 8) -> None:  # fmt: skip
        self._db = db
        self._timeout = timeout
        self._policy = policy
        self._poll = poll_interval
        self._concurrency = concurrency
        self._allow_private = allow_private
        self._db_down = False
        # A claim outlives its request by a margin: only a node that died mid-request lets it lapse.
        self._lease = timeout * 2 + 5
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None

    def start(self) -> None:
        # trust_env=False: no proxy from the environment; only the operator's URLs are contacted.
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self._timeout),
            connector=aiohttp.TCPConnector(
                limit=self._concurrency, resolver=None if self._allow_private else PublicOnlyResolver()
            ),
            trust_env=False,
        )
        self._task = asyncio.create_task(self._loop())

    def wake(self) -> None:
        """Look for due deliveries now rather than at the next poll."""
        self._wake.set()

    async def aclose(self) -> None:
        await stop(self._task, "the webhook sender")
        if self._http is not None:
            await self._http.close()

    async def _loop(self) -> None:
        while True:
            try:
                batch = await outbox.claim_due(self._db, limit=self._concurrency, lease=self._lease)
                self._db_down = False
            except Exception:
                # The database is away: nothing is lost (the rows wait), try again next poll. Logged
                # once per outage, not once a second.
                if not self._db_down:
                    log.exception("claiming webhook deliveries failed")
                self._db_down = True
                batch = []
            if batch:
                await asyncio.gather(*(self._deliver(a) for a in batch))
                if len(batch) == self._concurrency:
                    continue  # a backlog: take the next round at once
            with suppress(TimeoutError):  # not wait_for: it can swallow a cancel (rooms/presence.py)
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()
            self._wake.clear()

    async def _deliver(self, attempt: Attempt) -> None:
        assert self._http is not None
        status: int | None = None
        error: str | None = None
        host = (urlsplit(attempt.url).hostname or "").rstrip(".")
        try:
            # An address literal never reaches the resolver: it is checked here instead.
            if not self._allow_private and is_ip_literal(host) and not is_public_address(host):
                raise aiohttp.ClientConnectionError(f"{host} is a loopback, private or link-local address")
            # Redirects are not followed: the signature was made for the URL the operator set.
            async with self._http.post(attempt.url, data=attempt.body, allow_redirects=False,
                                       headers=request_headers(attempt, int(time.time()))) as r:  # fmt: skip
                status = r.status
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except TimeoutError:
            error = f"no answer within {self._timeout:g} s"
        except aiohttp.ClientError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        except Exception as exc:  # never let one receiver's oddity stop the task
            log.exception("webhook delivery %s failed", attempt.delivery_id)
            error = type(exc).__name__
        try:
            # An address this server refuses stays refused: failed now, not retried for hours.
            final = error_kind(error, status) == "private"
            outcome = await outbox.record_result(
                self._db, attempt, self._policy, status_code=status, error=error, final=final
            )
        except Exception:
            # Unrecorded: the lease runs out and the row is tried again (at least once, not lost).
            log.exception("recording webhook delivery %s failed", attempt.delivery_id)
            return
        if outcome == "failed":
            log.warning(
                "webhook delivery %s failed after %s attempts: %s",
                attempt.delivery_id,
                attempt.attempt,
                error,
            )
