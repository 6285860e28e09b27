"""HLS playlists for a session, rendered from the per-run playlists ffmpeg writes.

The server renders them instead of serving ffmpeg's files because one session may span several
ffmpeg runs (resume after a dropped connection), viewers need a short live window while the
recording keeps every segment, and the rendered bytes are cached in memory so a thousand
viewers polling every second cost no disk reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

LIVE_WINDOW = 6  # segments; hls.js with liveSyncDurationCount 2 needs at least 3


@dataclass(frozen=True)
class Segment:
    uri: str
    duration: float
    run: int
    program_date_time: str | None = None


def parse_run_playlist(text: str, run: int) -> tuple[list[Segment], bool]:
    """The segments of one ffmpeg playlist, and whether ffmpeg finished it (`#EXT-X-ENDLIST`)."""
    segments: list[Segment] = []
    duration: float | None = None
    pdt: str | None = None
    ended = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXTINF:"):
            try:
                duration = float(line[len("#EXTINF:") :].split(",", 1)[0])
            except ValueError:
                duration = None
        elif line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            pdt = line.split(":", 1)[1]
        elif line == "#EXT-X-ENDLIST":
            ended = True
        elif line and not line.startswith("#") and duration is not None:
            if "/" not in line:
                segments.append(Segment(line, duration, run, pdt))
            duration, pdt = None, None
    return segments, ended


def read_run_playlist(path: Path, run: int) -> tuple[list[Segment], bool]:
    try:
        return parse_run_playlist(path.read_text(errors="replace"), run)
    except FileNotFoundError:
        return [], False


def _target_duration(segments: Sequence[Segment]) -> int:
    # The spec bounds each EXTINF *rounded to the nearest integer*; a ceil would turn a 1.03 s
    # segment (keyframe a frame late) into TARGETDURATION 2 and double hls.js's reload pacing.
    return max(1, max((math.floor(s.duration + 0.5) for s in segments), default=1))


def _body(segments: Sequence[Segment], first_index: int, all_segments: Sequence[Segment]) -> list[str]:
    lines: list[str] = []
    for i, seg in enumerate(segments):
        index = first_index + i
        if index > 0 and all_segments[index - 1].run != seg.run:
            lines.append("#EXT-X-DISCONTINUITY")
        if seg.program_date_time:
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{seg.program_date_time}")
        lines.append(f"#EXTINF:{seg.duration:.3f},")
        lines.append(seg.uri)
    return lines


def render_live(
    segments: Sequence[Segment], *, ended: bool, window: int = LIVE_WINDOW, can_block: bool = False
) -> str:
    """The sliding live window; MEDIA-SEQUENCE and DISCONTINUITY-SEQUENCE keep counting globally.

    `can_block` advertises blocking playlist reload (`_HLS_msn`): players ask for the next segment
    and get the playlist the moment it exists, instead of polling once per target duration.
    """
    start = max(0, len(segments) - window)
    shown = segments[start:]
    discontinuities = sum(1 for i in range(1, start + 1) if segments[i].run != segments[i - 1].run)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:6",
        f"#EXT-X-TARGETDURATION:{_target_duration(segments)}",
        f"#EXT-X-MEDIA-SEQUENCE:{start}",
        f"#EXT-X-DISCONTINUITY-SEQUENCE:{discontinuities}",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        *(["#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES"] if can_block and not ended else []),
        *_body(shown, start, segments),
    ]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def render_recording(segments: Sequence[Segment], *, ended: bool) -> str:
    """Every segment: an EVENT playlist while live, the VOD with `#EXT-X-ENDLIST` once ended."""
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:6",
        f"#EXT-X-TARGETDURATION:{_target_duration(segments)}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        f"#EXT-X-PLAYLIST-TYPE:{'VOD' if ended else 'EVENT'}",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        *_body(segments, 0, segments),
    ]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def total_duration_ms(segments: Sequence[Segment]) -> int:
    return round(sum(s.duration for s in segments) * 1000)
