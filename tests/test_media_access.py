"""Walking `/media/{id}` reaches only what the public session list shows: live or recorded sessions
of booths that exist. Pruned sessions, deleted booths and ids never used are 404, whatever is left
on disk (see `server/live/api.py: media_file` for why the ids stay sequential)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from rooms.models import Booth, LiveSession, utcnow
from server.keys import DB
from server.live.service import LIVE
from tests.support import Server

PLAYLIST = b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-ENDLIST\n"


async def test_media_is_served_only_for_listed_sessions_of_existing_booths(fair_server: Server) -> None:
    s = fair_server
    assert s.app is not None
    db, store = s.app[DB], s.app[LIVE].store
    kept, gone = await s.booth_id("alcoy-textiles"), await s.booth_id("yiwu-caseworks")
    now = utcnow()
    ended = dict(source="browser", started_at=now - timedelta(hours=1), ended_at=now, duration_ms=1000)
    async with db.session() as ses:
        rows = {
            "recorded": LiveSession(booth_id=kept, status="ended", **ended),
            "pruned": LiveSession(booth_id=kept, status="pruned", **ended),
            "live elsewhere": LiveSession(booth_id=kept, status="live", source="rtmp", started_at=now),
            "deleted booth": LiveSession(booth_id=gone, status="ended", **ended),
        }
        ses.add_all(rows.values())
        await ses.flush()
        ids = {name: ls.id for name, ls in rows.items()}
    for sid in ids.values():  # every one has files on disk, as if the pruner or a delete lagged
        d = store.create_session_dir(sid)
        (d / "index.m3u8").write_bytes(PLAYLIST)
        (d / "r001_00001.ts").write_bytes(b"\x47" * 188)
    async with db.session() as ses:
        await ses.execute(delete(Booth).where(Booth.id == gone))

    served = set()
    for sid in range(1, max(ids.values()) + 4):
        status, _ = await s.get(f"/media/{sid}/index.m3u8")
        seg_status, _ = await s.get(f"/media/{sid}/r001_00001.ts")
        assert status in (200, 404) and seg_status in (200, 404), (sid, status, seg_status)
        if status == 200 or seg_status == 200:
            served.add(sid)
    assert served == {ids["recorded"], ids["live elsewhere"]}  # live on another node: its segments
    _, listing = await s.get(f"/api/booths/{kept}/sessions")
    listed = {x["id"] for x in listing["sessions"]}
    assert served <= listed and ids["pruned"] not in listed
