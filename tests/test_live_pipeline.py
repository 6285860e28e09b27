"""The media pipeline with real ffmpeg: chunks in, HLS out, processes always reaped."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from media.ingest.sniff import HeaderSniffer, sniff_webm
from media.manager import EndReason, LiveManager
from media.pipeline import LivePipeline
from media.playlist.hls import parse_run_playlist, render_live
from media.storage.layout import MediaStore
from media.testing import chunks, ffmpeg_children, make_webm, process_gone

pytestmark = pytest.mark.media


class Hooks:
    def __init__(self) -> None:
        self.live: list[int] = []
        self.ended: list[tuple[int, EndReason, int]] = []

    async def on_live(self, pipeline: LivePipeline) -> None:
        self.live.append(pipeline.session_id)

    async def on_ended(self, pipeline: LivePipeline, reason: EndReason) -> None:
        self.ended.append((pipeline.session_id, reason, pipeline.duration_ms))


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("samples")
    return {c: make_webm(d / f"{c}.webm", c).read_bytes() for c in ("h264", "vp8")}


@pytest.fixture
def store(tmp_path: Path) -> MediaStore:
    s = MediaStore(tmp_path / "media")
    s.ensure()
    return s


def test_sniff(samples: dict[str, bytes]) -> None:
    assert sniff_webm(samples["h264"][:4096]) == "h264"
    assert sniff_webm(samples["vp8"][:4096]) == "vp8"
    assert sniff_webm(b"GET / HTTP/1.1\r\n") is None
    assert sniff_webm(b"\x1a\x45\xdf\xa3" + b"\0" * 64, "video/webm;codecs=vp9") == "vp9"
    # Chromium can hand over the header a byte at a time.
    sniffer = HeaderSniffer("video/webm;codecs=h264")
    verdicts = [sniffer.feed(samples["h264"][i : i + 1]) for i in range(4096)]
    assert "h264" in verdicts and set(verdicts[: verdicts.index("h264")]) == {"more"}
    assert HeaderSniffer().feed(b"\x1a\x45") == "more"
    assert HeaderSniffer().feed(b"\x1a\x46") is None


@pytest.mark.parametrize("codec", ["h264", "vp8"])
async def test_chunks_become_hls_and_vod(store: MediaStore, samples: dict[str, bytes], codec: str) -> None:
    hooks = Hooks()
    mgr = LiveManager(store, hooks)
    data = samples[codec]
    assert sniff_webm(data[:8192]) == codec
    p, run = await mgr.start_browser(1, 7, "h264" if codec == "h264" else "vp8")
    for c in chunks(data):
        await p.feed(c)
    assert await p.wait_for_segments(2, within=30)
    assert hooks.live == [1]
    live = p.live_playlist.decode()
    assert "#EXT-X-MEDIA-SEQUENCE:0" in live and "r001_00000.ts" in live
    pid = run.proc.pid
    await mgr.end(1, "stopped")
    assert run.proc.returncode == 0, run.proc.stderr_tail
    assert process_gone(pid)
    assert hooks.ended and hooks.ended[0][:2] == (1, "stopped")
    vod = (store.session_dir(1) / "index.m3u8").read_text()
    assert vod.rstrip().endswith("#EXT-X-ENDLIST") and "#EXT-X-PLAYLIST-TYPE:VOD" in vod
    segments, _ = parse_run_playlist(vod, 0)
    assert len(segments) >= 3
    assert all(s.duration >= 0.9 for s in segments[:-1])
    assert 3500 <= hooks.ended[0][2] <= 4600, vod
    for s in segments:
        assert store.servable_file(1, s.uri) is not None


async def test_a_killed_ffmpegs_empty_playlist_keeps_the_segments_seen(
    store: MediaStore, samples: dict[str, bytes]
) -> None:
    """ffmpeg killed while it rewrites its playlist leaves it empty; the segments the pipeline had
    already seen are on disk and stay in the recording (a deploy try's OBS replay was lost so)."""
    hooks = Hooks()
    mgr = LiveManager(store, hooks)
    p, run = await mgr.start_browser(3, 7, "h264")
    for c in chunks(samples["h264"]):
        await p.feed(c)
    assert await p.wait_for_segments(2, within=30)
    seen = len(p.segments)
    await run.proc.kill()  # SIGTERM: no clean finish
    run.output.playlist.write_text("")  # what a kill during its rewrite leaves
    await mgr.end(3, "source_ended")
    vod = (store.session_dir(3) / "index.m3u8").read_text()
    segments, _ = parse_run_playlist(vod, 0)
    assert len(segments) >= seen >= 2, vod
    assert hooks.ended[0][2] > 0


async def test_resume_adds_a_discontinuous_run(store: MediaStore, samples: dict[str, bytes]) -> None:
    hooks = Hooks()
    mgr = LiveManager(store, hooks, grace_seconds=30)
    p, run1 = await mgr.start_browser(2, 7, "h264")
    for c in chunks(samples["h264"]):
        await p.feed(c)
    await mgr.detach(2, run1)
    assert run1.closed.is_set() and process_gone(run1.proc.pid)
    assert mgr.get(2) is p and p.state == "detached" and not hooks.ended
    p2, run2 = await mgr.start_browser(2, 7, "h264")
    assert p2 is p and run2.number == 2
    for c in chunks(samples["h264"]):
        await p.feed(c)
    await mgr.end(2, "stopped")
    vod = (store.session_dir(2) / "index.m3u8").read_text()
    assert vod.count("#EXT-X-DISCONTINUITY") == 1
    assert "r001_00000.ts" in vod and "r002_00000.ts" in vod
    assert hooks.live == [2]


async def test_grace_period_ends_a_dropped_session(store: MediaStore, samples: dict[str, bytes]) -> None:
    hooks = Hooks()
    mgr = LiveManager(store, hooks, grace_seconds=0.2)
    p, run = await mgr.start_browser(3, 7, "h264")
    await p.feed(samples["h264"])
    await mgr.detach(3, run)
    async with asyncio.timeout(10):
        while not hooks.ended:  # noqa: ASYNC110 - bounded by the timeout above
            await asyncio.sleep(0.05)
    assert hooks.ended[0][1] == "disconnected"
    assert mgr.get(3) is None


async def test_garbage_after_header_ends_session_and_reaps(
    store: MediaStore, samples: dict[str, bytes]
) -> None:
    hooks = Hooks()
    mgr = LiveManager(store, hooks)
    p, run = await mgr.start_browser(4, 7, "h264")
    try:
        await p.feed(b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 400)
    except Exception:
        pass
    async with asyncio.timeout(15):
        await run.closed.wait()
        while not hooks.ended:  # noqa: ASYNC110 - bounded by the timeout above
            await asyncio.sleep(0.05)
    assert hooks.ended[0][1] == "media_error"
    assert process_gone(run.proc.pid)
    assert ffmpeg_children() == []


async def test_shutdown_reaps_everything(store: MediaStore, samples: dict[str, bytes]) -> None:
    hooks = Hooks()
    mgr = LiveManager(store, hooks)
    runs = []
    for sid in (5, 6):
        p, run = await mgr.start_browser(sid, sid, "vp8")
        await p.feed(samples["vp8"][:50_000])
        runs.append(run)
    await mgr.aclose()
    assert sorted(s for s, r, _ in hooks.ended) == [5, 6]
    assert all(r.proc.returncode is not None for r in runs)
    assert ffmpeg_children() == []


def test_live_window_counts_globally() -> None:
    from media.playlist.hls import Segment

    segs = [Segment(f"r001_{i:05d}.ts", 1.0, 1) for i in range(5)] + [
        Segment(f"r002_{i:05d}.ts", 1.0, 2) for i in range(5)
    ]
    text = render_live(segs, ended=False, window=3)
    assert "#EXT-X-MEDIA-SEQUENCE:7" in text
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:1" in text
    assert "#EXT-X-DISCONTINUITY\n" not in text
    text = render_live(segs, ended=False, window=6)
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:0" in text and "#EXT-X-DISCONTINUITY\n" in text


def test_servable_names_only(store: MediaStore, tmp_path: Path) -> None:
    d = store.create_session_dir(9)
    (d / "r001_00000.ts").write_bytes(b"x")
    (tmp_path / "secret").write_text("s")
    (d / "r001_00001.ts").symlink_to(tmp_path / "secret")
    assert store.servable_file(9, "r001_00000.ts") is not None
    for bad in ("r001_00001.ts", "../9/r001_00000.ts", "/etc/passwd", "r001.m3u8", "..", "%2e%2e"):
        assert store.servable_file(9, bad) is None


def test_target_duration_rounds_to_nearest() -> None:
    from media.playlist.hls import Segment

    segs = [Segment("r001_00000.ts", 1.033, 1), Segment("r001_00001.ts", 1.4, 1)]
    assert "#EXT-X-TARGETDURATION:1\n" in render_live(segs, ended=False)
    segs.append(Segment("r001_00002.ts", 2.5, 1))
    assert "#EXT-X-TARGETDURATION:3\n" in render_live(segs, ended=False)
