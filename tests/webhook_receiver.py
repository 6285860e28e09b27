"""A CRM's webhook receiver for tests: a real aiohttp server on an ephemeral port, with helpers.

It records every request and answers as its `mode` says: properly, too slowly, or with a 500.
`verify` checks a request's signature the way docs/protocol.md tells a CRM to.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support import Client, Server, free_port

# Short timeouts and retries so that a whole outage plays out in seconds.
FAST = {
    "webhook_timeout": 0.5,
    "webhook_retry_base": 0.05,
    "webhook_retry_cap": 0.3,
    "webhook_max_attempts": 1000,
    "webhook_poll_interval": 0.05,
    "webhook_allow_private": True,  # the receiver is on 127.0.0.1
}
FAST_ENV = {
    "BOOTHCAST_WEBHOOK_TIMEOUT": "0.5",
    "BOOTHCAST_WEBHOOK_RETRY_BASE": "0.05",
    "BOOTHCAST_WEBHOOK_RETRY_CAP": "0.3",
    "BOOTHCAST_WEBHOOK_MAX_ATTEMPTS": "1000",
    "BOOTHCAST_WEBHOOK_POLL_INTERVAL": "0.05",
    "BOOTHCAST_WEBHOOK_ALLOW_PRIVATE": "1",
}


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    mode: str

    @property
    def doc(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """A CRM's endpoint: records every request, and answers as its `mode` says."""

    port: int = field(default_factory=free_port)
    mode: str = "up"  # up | slow | fail
    requests: list[Received] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/crm/hook?source=boothcast"

    async def handle(self, request: web.Request) -> web.Response:
        mode = self.mode
        self.requests.append(Received(dict(request.headers), await request.read(), mode))
        self.changed.set()
        if mode == "slow":
            # Far past the sender's timeout; released when the receiver stops.
            with suppress(TimeoutError):
                await asyncio.wait_for(self.release.wait(), 30)
        if mode == "fail":
            return web.json_response({"error": "database locked"}, status=500)
        return web.json_response({"ok": True})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/crm/hook", self.handle)
        self.runner = web.AppRunner(app, shutdown_timeout=1)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        self.release.set()
        if self.runner is not None:
            await self.runner.cleanup()

    async def wait_for(self, pred: Callable[[list[Received]], bool], timeout: float = 20) -> None:
        async def find() -> None:
            while not pred(self.requests):
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(find(), timeout)


def verify(secret: str, r: Received, tolerance: int = 300) -> bool:
    """What a receiver does (docs/protocol.md): HMAC over "timestamp.body", and a fresh timestamp."""
    ts = r.headers["Boothcast-Timestamp"]
    expected = "v1=" + hmac.new(secret.encode(), f"{ts}.".encode() + r.body, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(ts)) <= tolerance
    return fresh and hmac.compare_digest(expected, r.headers["Boothcast-Signature"])


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 20) -> None:
    """Poll `check` until it holds; fails after `timeout` seconds."""

    async def loop() -> None:
        while True:
            if await check():
                return
            await asyncio.sleep(0.05)

    await asyncio.wait_for(loop(), timeout)


async def buyer_in_booth(s: Server, booth_id: int, name: str = "Ana") -> Client:
    tok, _ = await s.guest(name, "es", company="Ferreterías Ana", country="ES")
    buyer = await s.client(tok)
    assert (await buyer.call("booth:join", {"booth_id": booth_id}))["ok"]
    return buyer


async def inquire(buyer: Client, booth_id: int, message: str) -> int:
    ack = await buyer.call("inquiry:submit", {"booth_id": booth_id, "message": message, "email": "ana@example.es",
                                              "consent": True, "quantity": 500})  # fmt: skip
    assert ack["ok"], ack
    return int(ack["lead"]["id"])


async def deliveries(s: Server, token: str, webhook_id: int) -> list[dict[str, Any]]:
    status, data = await s.get(f"/api/webhooks/{webhook_id}/deliveries", token)
    assert status == 200, data
    return list(data["deliveries"])
