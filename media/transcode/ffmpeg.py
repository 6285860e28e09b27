"""ffmpeg command lines and the child process that runs one of them.

One process per ingest *run*: a session that resumes after a dropped connection gets a new run
(a new WebM header cannot be appended to the old ffmpeg's input), written next to the previous
runs and joined by the playlist layer with `#EXT-X-DISCONTINUITY`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

FFMPEG = os.environ.get("BOOTHCAST_FFMPEG") or shutil.which("ffmpeg") or "ffmpeg"

SEGMENT_SECONDS = 1
Mode = Literal["remux", "transcode"]


@dataclass(frozen=True)
class RunOutput:
    """Where one run writes: `r007_00000.ts ...` and its own `r007.m3u8` in the session dir."""

    directory: Path
    run: int

    @property
    def playlist(self) -> Path:
        return self.directory / f"r{self.run:03d}.m3u8"

    @property
    def segment_pattern(self) -> Path:
        return self.directory / f"r{self.run:03d}_%05d.ts"


def _hls_output(out: RunOutput) -> list[str]:
    return [
        "-f", "hls",
        "-hls_time", str(SEGMENT_SECONDS),
        # Keep every segment: the live window and the recording are rendered by the server.
        "-hls_list_size", "0",
        # temp_file: a segment's name appears only once it is complete, so a viewer never
        # fetches half a file; program_date_time lets the replay map playback to wall clock.
        "-hls_flags", "program_date_time+independent_segments+temp_file",
        "-hls_segment_type", "mpegts",
        "-hls_segment_filename", str(out.segment_pattern),
        str(out.playlist),
    ]  # fmt: skip


def _video_transcode() -> list[str]:
    return [
        "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
        "-fps_mode", "cfr", "-r", "30", "-pix_fmt", "yuv420p",
        # A keyframe every second so every segment is ~1 s and starts independently.
        "-g", "30", "-keyint_min", "30", "-sc_threshold", "0",
        "-b:v", "2500k", "-maxrate", "3000k", "-bufsize", "3000k",
        "-vf", "scale='min(1280,iw)':-2",
    ]  # fmt: skip


def browser_command(out: RunOutput, mode: Mode) -> list[str]:
    """ffmpeg reading a MediaRecorder WebM stream on stdin."""
    video = ["-c:v", "copy"] if mode == "remux" else _video_transcode()
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "warning",
        # The header chunk carries the codec parameters; a long probe only adds latency.
        # (Not `-fflags nobuffer`: it discards the probed packets, the first second.)
        "-probesize", "256k", "-analyzeduration", "0",
        "-f", "matroska", "-i", "pipe:0",
        "-map", "0:v:0", "-map", "0:a:0?",
        *video,
        "-c:a", "aac", "-b:a", "128k", "-ar", "48000",
        *_hls_output(out),
    ]  # fmt: skip


def rtmp_command(out: RunOutput, url: str) -> list[str]:
    """ffmpeg pulling a published stream from the local nginx-rtmp.

    `-rw_timeout` makes it exit when the publisher vanishes without nginx noticing; it is also
    stopped from `on_publish_done`. OBS sends H.264 + AAC, so nothing is re-encoded.
    """
    return [
        FFMPEG, "-hide_banner", "-loglevel", "warning",
        "-rw_timeout", "10000000",
        "-i", url,
        "-map", "0:v:0", "-map", "0:a:0?",
        "-c:v", "copy", "-c:a", "aac", "-b:a", "128k",
        *_hls_output(out),
    ]  # fmt: skip


class FfmpegError(RuntimeError):
    pass


class FfmpegProcess:
    """One ffmpeg child: feed it, finish it, and always reap it."""

    def __init__(self, argv: Sequence[str], *, stdin: bool) -> None:
        self.argv = list(argv)
        self._want_stdin = stdin
        self._proc: asyncio.subprocess.Process | None = None
        self._stderr_tail: deque[str] = deque(maxlen=20)
        self._stderr_task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode if self._proc else None

    @property
    def stderr_tail(self) -> str:
        return "\n".join(self._stderr_tail)

    async def start(self) -> None:
        self._proc = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE if self._want_stdin else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            # Its own process group: a Ctrl-C in the server's terminal must not kill ffmpeg
            # before the server has finished its playlists.
            start_new_session=True,
        )
        self._stderr_task = asyncio.create_task(self._drain_stderr())

    async def _drain_stderr(self) -> None:
        # Always read stderr: a full pipe would block ffmpeg mid-stream.
        assert self._proc is not None and self._proc.stderr is not None
        async for line in self._proc.stderr:
            text = line.decode(errors="replace").rstrip()
            if text:
                self._stderr_tail.append(text)
                log.debug("ffmpeg[%s]: %s", self._proc.pid, text)

    async def feed(self, chunk: bytes, stall_limit: float = 10.0) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None:
            raise FfmpegError("not started with stdin")
        if proc.returncode is not None or proc.stdin.is_closing():
            raise FfmpegError(f"ffmpeg exited ({proc.returncode}): {self.stderr_tail}")
        try:
            proc.stdin.write(chunk)
            await asyncio.wait_for(proc.stdin.drain(), stall_limit)
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise FfmpegError(f"ffmpeg closed its input: {self.stderr_tail}") from exc
        except TimeoutError as exc:
            raise FfmpegError("ffmpeg stopped reading its input") from exc

    async def wait(self) -> int:
        assert self._proc is not None
        code = await self._proc.wait()
        if self._stderr_task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._stderr_task, 2)
        return code

    async def finish(self, flush_limit: float = 5.0) -> int:
        """End of input: let ffmpeg flush its last segment, then stop it by force if it hangs."""
        proc = self._proc
        if proc is None:
            return 0
        if proc.stdin is not None and not proc.stdin.is_closing():
            with contextlib.suppress(Exception):
                proc.stdin.close()
        elif proc.stdin is None and proc.returncode is None:
            # No stdin to close (RTMP pull): SIGINT is ffmpeg's "finish cleanly".
            self._signal(signal.SIGINT)
        try:
            return await asyncio.wait_for(self.wait(), flush_limit)
        except TimeoutError:
            return await self.kill()

    async def kill(self, grace: float = 2.0) -> int:
        proc = self._proc
        if proc is None:
            return 0
        if proc.returncode is None:
            self._signal(signal.SIGTERM)
            try:
                return await asyncio.wait_for(self.wait(), grace)
            except TimeoutError:
                self._signal(signal.SIGKILL)
        return await self.wait()

    def _signal(self, sig: signal.Signals) -> None:
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.send_signal(sig)
