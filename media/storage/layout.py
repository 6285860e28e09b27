"""A session's files: `{media_dir}/sessions/{session_id}/` holding `rNNN_NNNNN.ts` segments,
ffmpeg's per-run `rNNN.m3u8`, and the final `index.m3u8`.

Only names matching `SERVABLE` are ever served, resolved inside the session directory and checked
not to be symlinks: no path a request carries reaches the filesystem unvalidated.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

from media.playlist.hls import Segment, read_run_playlist

SEGMENT_RE = re.compile(r"r(\d{3})_\d{5,7}\.ts")
RUN_PLAYLIST_RE = re.compile(r"r(\d{3})\.m3u8")
PLAYLIST_NAMES = ("live.m3u8", "index.m3u8")
RECORDING = "index.m3u8"

THUMBNAIL = "thumb.jpg"  # media/thumbnail.py: the newest frame while live, the replay's poster after
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".jpg": "image/jpeg"}


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.sessions_dir = root / "sessions"

    def ensure(self) -> None:
        self.sessions_dir.mkdir(parents=True, exist_ok=True)

    def session_dir(self, session_id: int) -> Path:
        return self.sessions_dir / str(int(session_id))

    def create_session_dir(self, session_id: int) -> Path:
        d = self.session_dir(session_id)
        d.mkdir(parents=True, exist_ok=True)
        return d

    def runs(self, session_id: int) -> list[int]:
        d = self.session_dir(session_id)
        if not d.is_dir():
            return []
        found = [int(m.group(1)) for p in d.iterdir() if (m := RUN_PLAYLIST_RE.fullmatch(p.name))]
        return sorted(found)

    def next_run(self, session_id: int) -> int:
        runs = self.runs(session_id)
        return (runs[-1] + 1) if runs else 1

    def read_segments(self, session_id: int) -> list[Segment]:
        """Every complete segment of a session, in run order, from ffmpeg's playlists on disk."""
        d = self.session_dir(session_id)
        segments: list[Segment] = []
        for run in self.runs(session_id):
            segs, _ = read_run_playlist(d / f"r{run:03d}.m3u8", run)
            segments.extend(segs)
        return segments

    def last_write(self, session_id: int) -> float | None:
        """The newest mtime in the session's directory (is some ffmpeg still writing it?)."""
        d = self.session_dir(session_id)
        try:
            return max((p.stat().st_mtime for p in d.iterdir()), default=d.stat().st_mtime)
        except FileNotFoundError:
            return None

    def write_recording(self, session_id: int, text: str) -> None:
        d = self.session_dir(session_id)
        tmp = d / f".{RECORDING}.tmp"
        tmp.write_text(text)
        os.replace(tmp, d / RECORDING)

    def servable_file(self, session_id: int, name: str) -> Path | None:
        """The file a `/media/{session_id}/{name}` request may read, or None."""
        if not SEGMENT_RE.fullmatch(name) and name not in (RECORDING, THUMBNAIL):
            return None
        path = self.session_dir(session_id) / name
        try:
            st = path.lstat()
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):  # a symlink or anything else is refused
            return None
        return path

    def remove_session(self, session_id: int) -> int:
        """Delete a session's files; the number of bytes freed."""
        d = self.session_dir(session_id)
        if not d.is_dir() or d.is_symlink():
            return 0
        freed = sum(p.stat().st_size for p in d.iterdir() if p.is_file() and not p.is_symlink())
        shutil.rmtree(d, ignore_errors=True)
        return freed
