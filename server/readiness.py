"""`GET /readyz`: may this node take traffic? Its database and its Redis answer.

`/healthz` says the process is alive (a restart would not help otherwise); `/readyz` says its
dependencies answer, for a balancer or an orchestrator that routes around a node that cannot
serve. A node without Redis (one node, in memory) reports Redis as `unused`.

The answer is kept for a second: a monitor polling every node often, or anyone reaching the
route, costs at most one `SELECT 1` and one `PING` per second per node.
"""

from __future__ import annotations

import asyncio
import time

import orjson
from aiohttp import web
from sqlalchemy import text

from server.keys import DB, REDIS

CHECK_TIMEOUT_S = 2.0
CACHE_S = 1.0


class Readiness:
    def __init__(self, app: web.Application) -> None:
        self._app = app
        self._lock = asyncio.Lock()
        self._at = -CACHE_S
        self._checks: dict[str, str] = {}

    async def checks(self) -> dict[str, str]:
        """Each dependency's state: `ok`, `unused`, or why it failed (a class name, no details)."""
        async with self._lock:  # concurrent probes share one round of checks
            if time.monotonic() - self._at >= CACHE_S:
                database, redis = await asyncio.gather(self._database(), self._redis())
                self._checks = {"database": database, "redis": redis}
                self._at = time.monotonic()
            return dict(self._checks)

    async def _database(self) -> str:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S), self._app[DB].reader() as s:
                await s.execute(text("SELECT 1"))
        except Exception as exc:  # any failure is "not ready", never a 500
            return _failed(exc)
        return "ok"

    async def _redis(self) -> str:
        if REDIS not in self._app:
            return "unused"
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                await self._app[REDIS].ping()
        except Exception as exc:
            return _failed(exc)
        return "ok"


def _failed(exc: BaseException) -> str:
    return "timed out" if isinstance(exc, TimeoutError) else f"failed ({type(exc).__name__})"


READINESS = web.AppKey("readiness", Readiness)


async def readyz(request: web.Request) -> web.Response:
    """Anyone. 200 `{status: "ready", checks}` or 503 `{status: "unready", checks}`."""
    checks = await request.app[READINESS].checks()
    ready = all(v in ("ok", "unused") for v in checks.values())
    body = {"status": "ready" if ready else "unready", "checks": checks}
    return web.Response(body=orjson.dumps(body), status=200 if ready else 503, content_type="application/json",
                        headers={"Cache-Control": "no-store"})  # fmt: skip


def setup_readiness(app: web.Application) -> None:
    app[READINESS] = Readiness(app)
    # A probe, not API: outside the OpenAPI registry (server/api_routes.py), which documents every
    # non-2xx answer as `{error}` while this one's 503 is `{status: "unready", checks}`.
    app.router.add_get("/readyz", readyz)
