"""One live session's pipeline: its ffmpeg runs, its segments, its cached playlists."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Literal

from lifecycle.stop import stop
from media.playlist.hls import Segment, read_run_playlist, render_live, render_recording, total_duration_ms
from media.storage.layout import MediaStore
from media.thumbnail import ThumbnailGrabber
from media.transcode.ffmpeg import FfmpegError, FfmpegProcess, RunOutput

log = logging.getLogger(__name__)

Source = Literal["browser", "rtmp"]
State = Literal["live", "detached", "ended"]
POLL_SECONDS = 0.05


class Run:
    """One ffmpeg process of a session; `closed` is set once it has exited and been reaped."""

    def __init__(self, number: int, output: RunOutput, proc: FfmpegProcess) -> None:
        self.number = number
        self.output = output
        self.proc = proc
        self.closed = asyncio.Event()
        self.stopping = False  # set when the server stops it, so an exit is not a failure
        # Set when another connection's run takes the session over (a second tab went live): its
        # sender is told so, and must not take it back (server/live/ingest.py).
        self.superseded = False


class LivePipeline:
    def __init__(
        self,
        *,
        session_id: int,
        booth_id: int,
        source: Source,
        store: MediaStore,
        on_first_segment: Callable[[LivePipeline], Awaitable[None]],
        on_run_failed: Callable[[LivePipeline, Run], Awaitable[None]],
    ) -> None:
        self.session_id = session_id
        self.booth_id = booth_id
        self.source = source
        self.store = store
        self.directory = store.create_session_dir(session_id)
        self.state: State = "live"
        self.end_reason: str | None = None
        self.started_monotonic = time.monotonic()
        self.lock = asyncio.Lock()
        self._on_first_segment = on_first_segment
        self._on_run_failed = on_run_failed
        self._done: list[Segment] = store.read_segments(session_id)  # earlier runs (resume/restart)
        self._current: list[Segment] = []
        self._run: Run | None = None
        self._watch: asyncio.Task[None] | None = None
        self._reapers: set[asyncio.Task[None]] = set()  # one per run; `reaped` awaits them
        self._stamp: tuple[float, int] | None = None
        self._announced = bool(self._done)
        self.thumbnail = ThumbnailGrabber(self.directory, self._newest_segment)
        # Set and replaced on every render: waiters wake without a task per change (a task per
        # playlist refresh would be one nobody owns).
        self._changed = asyncio.Event()
        self.runs_started = 0
        self.version = 0
        self.live_playlist = b""
        self.recording_playlist = b""
        self._render()

    # -- runs ---------------------------------------------------------------------------------
    @property
    def run(self) -> Run | None:
        return self._run

    @property
    def segments(self) -> list[Segment]:
        return self._done + self._current

    @property
    def duration_ms(self) -> int:
        return total_duration_ms(self.segments)

    async def start_run(self, argv_for: Callable[[RunOutput], list[str]], *, stdin: bool) -> Run:
        if self._run is not None:
            raise RuntimeError("a run is already active")
        number = self.store.next_run(self.session_id)
        output = RunOutput(self.directory, number)
        proc = FfmpegProcess(argv_for(output), stdin=stdin)
        await proc.start()
        run = Run(number, output, proc)
        self._run = run
        self.runs_started += 1
        self._current = []
        self._stamp = None
        self.state = "live"
        reaper = asyncio.create_task(self._reap(run))
        self._reapers.add(reaper)
        reaper.add_done_callback(self._reapers.discard)
        if self._watch is None:
            self._watch = asyncio.create_task(self._watch_loop())
        self.thumbnail.start()
        log.info("session %s: run %s started (pid %s)", self.session_id, number, proc.pid)
        return run

    async def feed(self, chunk: bytes) -> None:
        run = self._run
        if run is None or run.closed.is_set():
            raise FfmpegError("no active run")
        await run.proc.feed(chunk)

    async def stop_run(self) -> None:
        """Finish the active run: ffmpeg flushes its last segment, exits and is reaped."""
        run = self._run
        if run is None:
            return
        run.stopping = True
        await run.proc.finish()
        await run.closed.wait()
        self._refresh(force=True)
        self._done.extend(self._current)
        self._current = []
        self._run = None
        self._render()
        # A short run may end between two polls of the watcher: announce from here too.
        await self._announce()

    def _newest_segment(self) -> str | None:
        segments = self.segments
        return segments[-1].uri if segments else None

    async def _announce(self) -> None:
        if not self._announced and self.segments:
            self._announced = True
            await self._on_first_segment(self)

    async def _reap(self, run: Run) -> None:
        code = await run.proc.wait()
        run.closed.set()
        if not run.stopping:
            log.warning(
                "session %s: ffmpeg run %s exited with %s: %s",
                self.session_id, run.number, code, run.proc.stderr_tail,
            )  # fmt: skip
            await self._on_run_failed(self, run)

    # -- segments and playlists ----------------------------------------------------------------
    async def _watch_loop(self) -> None:
        # Polling a stat() twenty times a second is cheaper than it sounds and needs no inotify;
        # it bounds the added latency to 50 ms.
        while self.state != "ended":
            if self._run is not None and self._refresh():
                await self._announce()
            await asyncio.sleep(POLL_SECONDS)

    def _refresh(self, force: bool = False) -> bool:
        run = self._run
        if run is None:
            return False
        try:
            st = run.output.playlist.stat()
        except FileNotFoundError:
            return False
        stamp = (st.st_mtime, st.st_size)
        if stamp == self._stamp and not force:
            return False
        self._stamp = stamp
        segments, _ = read_run_playlist(run.output.playlist, run.number)
        if len(segments) < len(self._current):
            # The list only grows (hls_list_size 0): fewer means it is being rewritten, or an
            # ffmpeg killed mid-write left it empty. The segments already seen are on disk; keep them.
            return False
        if len(segments) == len(self._current) and not force:
            return False
        self._current = segments
        self._render()
        return True

    def _render(self) -> None:
        segments = self.segments
        ended = self.state == "ended"
        self.live_playlist = render_live(segments, ended=ended, can_block=True).encode()
        self.recording_playlist = render_recording(segments, ended=ended).encode()
        self.version += 1
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_for_segments(self, count: int, within: float) -> bool:
        """True once at least `count` segments exist (tests, blocking playlist reload)."""

        async def has() -> None:
            while len(self.segments) < count and self.state != "ended":
                await self._changed.wait()

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(has(), within)
        return len(self.segments) >= count

    async def reaped(self) -> None:
        """Wait for the reapers of every run (outside `lock`: a failed run's reaper ends the session
        and so waits for the lock itself). Once closed, each one returns at once."""
        me = asyncio.current_task()
        others = [t for t in self._reapers if t is not me]
        if others:
            await asyncio.gather(*others, return_exceptions=True)

    async def close(self) -> None:
        """Stop everything and write the VOD playlist; idempotent."""
        if self.state == "ended":
            return
        await self.stop_run()
        self.state = "ended"
        await self.thumbnail.stop()
        await stop(self._watch, "the pipeline's watch")
        self._render()
        if self.segments:
            self.store.write_recording(self.session_id, self.recording_playlist.decode())
