"""Helpers for the livestream tests and benchmarks: sample WebM streams, ffmpeg process checks."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from media.transcode.ffmpeg import FFMPEG


def make_webm(path: Path, codec: str, seconds: float = 4.0) -> Path:
    """A test-pattern stream like MediaRecorder's: 1 s keyframes, Opus audio, live Matroska."""
    video = (
        ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "30"]
        if codec == "h264"
        else ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", "30", "-b:v", "800k"]
    )
    subprocess.run(
        [
            FFMPEG, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc=size=640x360:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", str(seconds), *video, "-c:a", "libopus",
            # ffmpeg's webm muxer refuses H.264; Chromium's does not. The demuxer is the same.
            "-f", "matroska" if codec == "h264" else "webm", "-live", "1", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


def chunks(data: bytes, size: int = 16 * 1024) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def process_gone(pid: int | None) -> bool:
    """True when the pid no longer exists or is not an ffmpeg (reaped; pids may be reused)."""
    if pid is None:
        return True
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "ffmpeg" not in status.split("\n", 1)[0] or "\nState:\tZ" in status


def child_processes(parent: int, name: str) -> list[int]:
    """Pids of the processes called `name` whose parent is `parent`, read from /proc."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if comm == name and ppid == parent:
            found.append(int(d.name))
    return found


def ffmpeg_children() -> list[int]:
    """ffmpeg processes whose parent is this test process."""
    return child_processes(os.getpid(), "ffmpeg")
