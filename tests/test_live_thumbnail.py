"""The live thumbnail: real ffmpeg grabs a frame of the newest segment while live, and stops with the session."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image

from media.manager import EndReason, LiveManager
from media.pipeline import LivePipeline
from media.storage.layout import MediaStore
from media.testing import chunks, ffmpeg_children, make_webm

pytestmark = pytest.mark.media


class Hooks:
    async def on_live(self, pipeline: LivePipeline) -> None:
        return None

    async def on_ended(self, pipeline: LivePipeline, reason: EndReason) -> None:
        return None


async def test_a_live_session_gets_a_thumbnail_that_stops_with_it(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media")
    store.ensure()
    sample = make_webm(tmp_path / "in.webm", "h264", seconds=4.0).read_bytes()
    mgr = LiveManager(store, Hooks())
    p, _run = await mgr.start_browser(11, 7, "h264")
    thumb = store.session_dir(11) / "thumb.jpg"
    try:
        for c in chunks(sample):
            await p.feed(c)
        assert await p.wait_for_segments(2, within=30)
        # The grabber polls every half second until its first frame: wait on its own counter.
        for _ in range(200):
            if p.thumbnail.grabs:
                break
            await asyncio.sleep(0.1)
        assert p.thumbnail.grabs >= 1
        img = Image.open(io.BytesIO(thumb.read_bytes()))
        assert img.format == "JPEG" and img.width <= 480 and img.height > 0
        assert store.servable_file(11, "thumb.jpg") == thumb
    finally:
        await mgr.end(11, "stopped")
    # Stopped with the session: its task is gone, no grab ffmpeg is left, the poster stays.
    assert not p.thumbnail.running
    assert ffmpeg_children() == []
    assert thumb.exists()
    assert not any(f.name.endswith(".tmp") for f in store.session_dir(11).iterdir())
