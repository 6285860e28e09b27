"""A live session's thumbnail: one frame of its newest segment, grabbed by ffmpeg every few seconds.

Owned by the session's `LivePipeline`: started with its first run, stopped in `close()`. Each
grab reads a *finished* segment (its name appears only once ffmpeg has written it whole), never
the ingest, so a slow or failing grab cannot stall the stream; a grab that fails is logged and
retried at the next tick. The file is replaced atomically (`thumb.jpg`), so the lobby never
reads half a JPEG, and it stays after the stream as the replay's poster.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from lifecycle.stop import stop as stop_task
from media.storage.layout import THUMBNAIL
from media.transcode.ffmpeg import FFMPEG

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 5.0
GRAB_TIMEOUT = 10.0
WIDTH = 480


def grab_command(segment: Path, out: Path) -> list[str]:
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error",
        "-i", str(segment),
        "-frames:v", "1", "-vf", f"scale='min({WIDTH},iw)':-2", "-q:v", "5",
        "-f", "image2", "-y", str(out),
    ]  # fmt: skip


async def grab(segment: Path, directory: Path) -> bool:
    """Write `directory/thumb.jpg` from one frame of `segment`; False if ffmpeg could not."""
    tmp = directory / f".{THUMBNAIL}.tmp"
    proc = await asyncio.create_subprocess_exec(
        *grab_command(segment, tmp), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        _, err = await asyncio.wait_for(proc.communicate(), GRAB_TIMEOUT)
    except (TimeoutError, asyncio.CancelledError):
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()  # reaped on every path: no zombie outlives a cancelled grab
        raise
    if proc.returncode != 0 or not tmp.exists():
        log.warning("thumbnail of %s failed: %s", segment.name, err.decode(errors="replace")[-300:])
        return False
    os.replace(tmp, directory / THUMBNAIL)
    return True


class ThumbnailGrabber:
    """The loop of one session; `newest` names its newest finished segment (or None yet)."""

    def __init__(self, directory: Path, newest: Callable[[], str | None], *,
                 interval: float = INTERVAL_SECONDS) -> None:  # fmt: skip
        self.directory = directory
        self._newest = newest
        self.interval = interval
        self.grabs = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        task, self._task = self._task, None
        await stop_task(task, "the thumbnail loop")

    async def _loop(self) -> None:
        last: str | None = None
        while True:
            name = self._newest()
            if name is not None and name != last:
                try:
                    if await grab(self.directory / name, self.directory):
                        self.grabs += 1
                        last = name
                except TimeoutError:
                    log.warning("thumbnail of %s timed out", name)
                except OSError as exc:  # no ffmpeg, a segment pruned meanwhile
                    log.warning("thumbnail of %s failed: %s", name, exc)
            # Quick until the first frame exists, so a lobby card has one seconds after going live.
            await asyncio.sleep(self.interval if self.grabs else min(self.interval, 0.5))
