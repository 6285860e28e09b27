"""Every live pipeline of this server: start, resume within a grace period, end, shut down.

The manager knows nothing of the database or of viewers; the server passes `LiveHooks` that
record the session's end and tell the booth. A session is keyed by its database id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from media.ingest.sniff import Codec
from media.pipeline import LivePipeline, Run, Source
from media.playlist.hls import render_recording
from media.storage.layout import MediaStore
from media.transcode.ffmpeg import browser_command, rtmp_command

log = logging.getLogger(__name__)

EndReason = Literal["stopped", "disconnected", "media_error", "source_ended", "shutdown", "closed"]


class LiveHooks(Protocol):
    async def on_live(self, pipeline: LivePipeline) -> None:
        """The session's first segment exists: viewers can start playing."""

    async def on_ended(self, pipeline: LivePipeline, reason: EndReason) -> None:
        """The session's processes are reaped and its VOD playlist written."""


@dataclass(frozen=True)
class RecoveredSession:
    session_id: int
    duration_ms: int


class LiveManager:
    def __init__(self, store: MediaStore, hooks: LiveHooks, *, grace_seconds: float = 15.0) -> None:
        self.store = store
        self.hooks = hooks
        self.grace_seconds = grace_seconds
        self._pipelines: dict[int, LivePipeline] = {}
        self._grace: dict[int, asyncio.Task[None]] = {}
        self._closing = False
        # Plain counts for the server's metrics.
        self.runs_started = 0  # ffmpeg processes started
        self.restarts = 0  # of those, for a session that had a run before (resume, takeover, OBS reconnect)
        self.run_failures = 0  # runs that exited on their own

    def get(self, session_id: int) -> LivePipeline | None:
        return self._pipelines.get(session_id)

    def for_booth(self, booth_id: int) -> LivePipeline | None:
        return next((p for p in self._pipelines.values() if p.booth_id == booth_id), None)

    def all(self) -> list[LivePipeline]:
        return list(self._pipelines.values())

    def _pipeline(self, session_id: int, booth_id: int, source: Source) -> LivePipeline:
        p = self._pipelines.get(session_id)
        if p is None:
            p = LivePipeline(
                session_id=session_id,
                booth_id=booth_id,
                source=source,
                store=self.store,
                on_first_segment=self.hooks.on_live,
                on_run_failed=self._run_failed,
            )
            self._pipelines[session_id] = p
        return p

    async def start_browser(self, session_id: int, booth_id: int, codec: Codec) -> tuple[LivePipeline, Run]:
        """A new run for a browser ingest; replaces the session's current run (resume/takeover)."""
        if self._closing:
            raise RuntimeError("shutting down")
        self._cancel_grace(session_id)
        p = self._pipeline(session_id, booth_id, "browser")
        mode: Literal["remux", "transcode"] = "remux" if codec == "h264" else "transcode"
        async with p.lock:
            if p.run is not None:
                p.run.superseded = True
            await p.stop_run()
            run = await p.start_run(lambda out: browser_command(out, mode), stdin=True)
        self._count_run(p)
        return p, run

    async def start_rtmp(self, session_id: int, booth_id: int, url: str) -> LivePipeline:
        if self._closing:
            raise RuntimeError("shutting down")
        self._cancel_grace(session_id)
        p = self._pipeline(session_id, booth_id, "rtmp")
        async with p.lock:
            await p.stop_run()
            await p.start_run(lambda out: rtmp_command(out, url), stdin=False)
        self._count_run(p)
        return p

    def _count_run(self, p: LivePipeline) -> None:
        self.runs_started += 1
        if p.runs_started > 1:
            self.restarts += 1

    async def detach(self, session_id: int, run: Run | None = None) -> None:
        """The source went away without ending: stop its run and end the session after the grace.

        `run` guards against a late disconnect of a connection that was already replaced.
        """
        p = self._pipelines.get(session_id)
        if p is None or p.state == "ended":
            return
        async with p.lock:
            if run is not None and p.run is not run:
                return
            await p.stop_run()
            p.state = "detached"
        self._cancel_grace(session_id)
        self._grace[session_id] = asyncio.create_task(self._end_after_grace(session_id))

    async def _end_after_grace(self, session_id: int) -> None:
        await asyncio.sleep(self.grace_seconds)
        self._grace.pop(session_id, None)
        await self.end(session_id, "disconnected")

    def _cancel_grace(self, session_id: int) -> None:
        task = self._grace.pop(session_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _run_failed(self, p: LivePipeline, run: Run) -> None:
        # An ffmpeg that dies on its own means the input was unusable (browser) or the publisher
        # is gone (RTMP): the session ends now rather than after a grace period.
        self.run_failures += 1
        reason: EndReason = "media_error" if p.source == "browser" else "source_ended"
        await self.end(p.session_id, reason, only_run=run)

    async def end(
        self, session_id: int, reason: EndReason, *, only_run: Run | None = None
    ) -> LivePipeline | None:
        self._cancel_grace(session_id)
        p = self._pipelines.get(session_id)
        if p is None:
            return None
        async with p.lock:
            if only_run is not None and p.run is not only_run:
                return None
            if p.state == "ended":
                return None
            p.end_reason = reason
            await p.close()
        self._pipelines.pop(session_id, None)
        await p.reaped()
        log.info("session %s ended (%s), %s ms recorded", session_id, reason, p.duration_ms)
        try:
            await self.hooks.on_ended(p, reason)
        except Exception:
            log.exception("on_ended hook failed for session %s", session_id)
        return p

    async def aclose(self) -> None:
        """End every session; no ffmpeg survives the server."""
        self._closing = True
        grace = list(self._grace.values())
        self._grace.clear()
        for task in grace:
            task.cancel()
        await asyncio.gather(*grace, return_exceptions=True)
        await asyncio.gather(
            *(self.end(sid, "shutdown") for sid in list(self._pipelines)), return_exceptions=True
        )

    def recover(self, session_id: int) -> RecoveredSession:
        """Finish the files of a session left live by a crashed server: write its VOD playlist."""
        segments = self.store.read_segments(session_id)
        if segments:
            self.store.write_recording(session_id, render_recording(segments, ended=True))
        p_ms = round(sum(s.duration for s in segments) * 1000)
        return RecoveredSession(session_id, p_ms)


async def wait_closed(run: Run, then: Callable[[], Awaitable[None]]) -> None:
    """Run `then` once the run's ffmpeg has exited (close the ingest connection that fed it)."""
    await run.closed.wait()
    with contextlib.suppress(Exception):
        await then()
