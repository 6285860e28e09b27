"""`serve` and `demo`'s server: preflight, bind, start, announce the URL only once it listens.

Not `web.run_app`: it starts the app before binding (a busy port surfaced as a traceback after
models were loaded and nginx started), and a start-up that fails half-way leaves the cleanup
contexts that did start to the event loop's async-generator finaliser (`RuntimeError: athrow()`).
Here the port is bound first, and `runner.cleanup()` closes exactly what started.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import socket

from aiohttp import web

from server.preflight import LISTEN_BACKLOG, Problem, bind_http, hold_data_dir, preflight
from server.settings import Settings


def serve(settings: Settings, announce: str) -> None:
    """Serve until SIGINT/SIGTERM; `Problem` if something stops it from starting."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux/macOS
        pass
    lock = hold_data_dir(settings.data_dir)
    try:
        asyncio.run(preflight(settings))
        sock = bind_http(settings.host, settings.port)
        try:
            asyncio.run(_run(settings, sock, announce))
        finally:
            sock.close()
    finally:
        os.close(lock)


async def _run(settings: Settings, sock: socket.socket, announce: str) -> None:
    from server.app import create_app
    from server.collector import CollectorPolicy
    from server.http_edge import server_options
    from server.keys import CONNECTIONS

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(create_app(settings), access_log=None, **server_options(settings))
    collector: CollectorPolicy | None = None
    try:
        await runner.setup()
        _check_started(runner.app, settings)
        # What startup built (modules, models, the app) lives as long as the process: moved out of
        # the collector's generations; from here on the policy freezes what each full collection
        # leaves, so the next walks only what is newer (server/collector.py).
        gc.collect()
        gc.freeze()
        conns = runner.app[CONNECTIONS]
        collector = CollectorPolicy(departures=lambda: conns.departed, live=lambda: len(conns.by_sid))
        collector.start()
        # asyncio listens again with the site's backlog, so it is passed here too.
        await web.SockSite(runner, sock, backlog=LISTEN_BACKLOG).start()
        print(announce, flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()
        if collector is not None:
            collector.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(sig)


def _check_started(app: web.Application, settings: Settings) -> None:
    """What only the running app can tell: did our nginx-rtmp come up on its port?"""
    from server.live.service import LIVE

    service = app.get(LIVE)
    if service is None or not settings.rtmp_port or service.rtmp is not None:
        return
    reason = _first_reason(service.rtmp_error)
    if reason.startswith("RTMP port"):  # already the whole sentence (RtmpPortTaken)
        raise Problem(reason)
    raise Problem(f"RTMP ingest could not start on port {settings.rtmp_port}: {reason}")


def _first_reason(error: str | None) -> str:
    """nginx's own complaint (its `[emerg]` line) rather than its whole log."""
    lines = [line.strip() for line in (error or "unknown error").splitlines() if line.strip()]
    for line in lines:
        if "[emerg]" in line:
            return line.split("[emerg]", 1)[1].split(":", 1)[-1].strip()
    return lines[0] if lines else "unknown error"
