"""Live sessions as data: start/resume/end, offsets, pins, stream keys, retention, crash recovery."""

from __future__ import annotations

import argparse
import os
import shutil
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select

from media.storage.layout import MediaStore
from rooms import live, live_lookup
from rooms.auth import AuthUser
from rooms.db import Database
from rooms.errors import Conflict, Forbidden, NotFound
from rooms.migrate import upgrade
from rooms.models import Booth, LiveSession, PinEvent, Product
from rooms.seed import seed_demo
from server.app import create_app
from server.cli_media import add_media_commands, cmd_media_prune
from server.live.service import prune_recordings
from server.settings import Settings

pytestmark = pytest.mark.media


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'boothcast.db'}"
    await upgrade(url)
    database = Database(url)
    await seed_demo(database)
    yield database
    await database.aclose()


async def first_booth(db: Database) -> Booth:
    async with db.reader() as s:
        booth = (await s.execute(select(Booth).order_by(Booth.id))).scalars().first()
    assert booth is not None
    return booth


async def test_start_resume_conflict_end(db: Database) -> None:
    booth = await first_booth(db)
    async with db.session() as s:
        started = await live.do_start_or_resume(s, booth.id, "browser", started_by=None)
    assert not started.resumed
    sid = started.session.id
    async with db.session() as s:
        again = await live.do_start_or_resume(s, booth.id, "browser", started_by=None, session_id=sid)
        assert again.resumed and again.session.id == sid
        with pytest.raises(Conflict):
            await live.do_start_or_resume(s, booth.id, "rtmp", started_by=None)
        with pytest.raises(NotFound):
            await live.do_start_or_resume(s, booth.id, "browser", started_by=None, session_id=sid + 1)
    async with db.reader() as s:
        offset = await live_lookup.live_offset(s, booth.id)
    assert offset is not None and offset[0] == sid and 0 <= offset[1] < 60_000
    async with db.session() as s:
        ended = await live.do_end_session(s, sid, duration_ms=1234)
        assert ended is not None and ended.status == "ended" and ended.duration_ms == 1234
        assert await live.do_end_session(s, sid, duration_ms=1) is None
    async with db.reader() as s:
        assert await live_lookup.live_offset(s, booth.id) is None
        state = live.stream_state(booth.id, await s.get(LiveSession, sid))
    assert state == {
        "booth_id": booth.id,
        "live": False,
        "session_id": sid,
        "hls_url": None,
        "started_at": None,
    }


async def test_pinned_product_at_an_offset(db: Database) -> None:
    booth = await first_booth(db)
    t0 = datetime.now(UTC) - timedelta(minutes=10)
    async with db.session() as s:
        p1, p2 = (await s.execute(select(Product.id).where(Product.booth_id == booth.id).limit(2))).scalars()
        s.add(PinEvent(booth_id=booth.id, product_id=p1, at=t0 - timedelta(minutes=1)))
        s.add(PinEvent(booth_id=booth.id, product_id=p2, at=t0 + timedelta(seconds=30)))
        s.add(PinEvent(booth_id=booth.id, product_id=None, at=t0 + timedelta(seconds=90)))
        ls = LiveSession(booth_id=booth.id, source="browser", status="ended", started_at=t0,
                         ended_at=t0 + timedelta(minutes=5), duration_ms=300_000)  # fmt: skip
        s.add(ls)
        await s.flush()
        sid = ls.id
    async with db.reader() as s:
        assert await live_lookup.pinned_product_at(s, sid, 10_000) == p1
        assert await live_lookup.pinned_product_at(s, sid, 45_000) == p2
        assert await live_lookup.pinned_product_at(s, sid, 100_000) is None


async def test_stream_key_rotation_is_staff_only(db: Database) -> None:
    booth = await first_booth(db)
    staff = AuthUser(id=1, role="supplier", display_name="s", lang="en", booth_id=booth.id)
    other = AuthUser(id=2, role="supplier", display_name="o", lang="en", booth_id=booth.id + 1)
    async with db.session() as s:
        key = await live.do_rotate_stream_key(s, staff, booth.id)
        with pytest.raises(Forbidden):
            await live.do_rotate_stream_key(s, other, booth.id)
    async with db.reader() as s:
        found = await live.booth_by_stream_key(s, key)
        assert found is not None and found.id == booth.id
        assert await live.booth_by_stream_key(s, booth.stream_key) is None
        assert await live.booth_by_stream_key(s, "") is None


async def test_prune_old_recordings(db: Database, tmp_path: Path) -> None:
    booth = await first_booth(db)
    store = MediaStore(tmp_path / "media")
    now = datetime.now(UTC)
    async with db.session() as s:
        old = LiveSession(booth_id=booth.id, source="browser", status="ended",
                          started_at=now - timedelta(days=40), ended_at=now - timedelta(days=40))  # fmt: skip
        new = LiveSession(booth_id=booth.id, source="browser", status="ended",
                          started_at=now - timedelta(days=1), ended_at=now - timedelta(days=1))  # fmt: skip
        s.add_all([old, new])
        await s.flush()
        old_id, new_id = old.id, new.id
    for sid in (old_id, new_id):
        (store.create_session_dir(sid) / "r001_00000.ts").write_bytes(b"G" * 100)
    assert (await prune_recordings(db, store, 0)).sessions == 0
    result = await prune_recordings(db, store, 30)
    assert result.sessions == 1 and result.bytes_freed == 100
    assert not store.session_dir(old_id).exists() and store.session_dir(new_id).exists()
    async with db.reader() as s:
        assert (await s.get(LiveSession, old_id)).status == "pruned"  # type: ignore[union-attr]
        assert await live.servable_status(s, old_id) is None
        assert await live.servable_status(s, new_id) == "ended"


async def test_media_prune_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(data_dir=tmp_path, recording_retention_days=30)
    await upgrade(settings.effective_database_url)
    parser = argparse.ArgumentParser()
    add_media_commands(parser.add_subparsers())
    args = parser.parse_args(["media", "prune", "--days", "7"])
    assert args.func is cmd_media_prune
    await args.func(args, settings)
    assert "pruned 0 recordings older than 7 days" in capsys.readouterr().out


async def test_a_crashed_servers_live_session_is_finished_at_start(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", port=0, rtmp_port=0, secret_key="r" * 48)
    settings.data_dir.mkdir(parents=True)
    await upgrade(settings.effective_database_url)
    db = Database(settings.effective_database_url)
    await seed_demo(db)
    async with db.reader() as s:
        booths = list((await s.execute(select(Booth).order_by(Booth.id).limit(2))).scalars())
    async with db.session() as s:
        crashed, elsewhere = (LiveSession(booth_id=b.id, source="browser", status="live",
                              started_at=datetime.now(UTC) - timedelta(minutes=2)) for b in booths)  # fmt: skip
        s.add_all([crashed, elsewhere])
        await s.flush()
        sid, other = crashed.id, elsewhere.id
    await db.aclose()
    store = MediaStore(settings.effective_media_dir)
    d = store.create_session_dir(sid)
    (d / "r001.m3u8").write_text("#EXTM3U\n#EXTINF:1.0,\nr001_00000.ts\n#EXTINF:1.5,\nr001_00001.ts\n")
    for n in (0, 1):
        shutil.copyfile(__file__, d / f"r001_0000{n}.ts")
    for f in d.iterdir():  # nothing has written these for two minutes
        os.utime(f, (time.time() - 120, time.time() - 120))
    # Another node is still writing this one: it must stay live.
    (store.create_session_dir(other) / "r001.m3u8").write_text("#EXTM3U\n")
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    try:
        db = Database(settings.effective_database_url)
        async with db.reader() as s:
            recovered = await s.get(LiveSession, sid)
            still_live = await s.get(LiveSession, other)
        await db.aclose()
        assert recovered is not None and recovered.status == "ended" and recovered.duration_ms == 2500
        assert still_live is not None and still_live.status == "live"
        vod = (d / "index.m3u8").read_text()
        assert "#EXT-X-ENDLIST" in vod and "r001_00001.ts" in vod
    finally:
        await runner.cleanup()
