"""Booth analytics: buyers join, chat and inquire over real sockets; the figures come out exact."""

from __future__ import annotations

import asyncio
import csv
import io
import statistics
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from rooms.analytics_figures import BoothEvents, Period, Visit, day_periods, figures
from rooms.db import Database
from rooms.models import BoothVisit, Lead, LiveSession, PresenceSample, User
from rooms.visits import VisitLog
from server.keys import FAIR
from tests.support import Client, Server, database_from_template, pg_node_pair

FAST = [{"analytics_sample_seconds": 0.2}]


def _t(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


async def _until(
    server: Server, path: str, token: str, ok: Callable[[dict[str, Any]], bool], timeout: float = 15
) -> dict[str, Any]:
    """The report once `ok` holds: visits and samples are written on the recorder's next tick."""

    async def poll() -> dict[str, Any]:
        while True:
            status, body = await server.get(path, token)
            if status == 429:  # polling faster than a dashboard would: wait as told
                await asyncio.sleep(body["error"]["retry_after"])
                continue
            assert status == 200, body
            if ok(body):
                return body  # type: ignore[no-any-return]
            await asyncio.sleep(0.2)

    try:
        return await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        _, last = await server.get(path, token)
        raise AssertionError(f"the report never got there: {last}") from None


async def _buyers(server: Server, booth_id: int) -> list[tuple[str, Client]]:
    out = []
    for name, lang, country in (("Ana", "es", "ES"), ("Li", "zh", "CN"), ("Eve", "en", "=HYPERLINK(1)")):
        tok, _ = await server.guest(name, lang, country=country)
        client = await server.client(tok)
        assert (await client.call("booth:join", {"booth_id": booth_id}))["ok"]
        out.append((tok, client))
    return out


def test_figures_from_known_timestamps() -> None:
    t0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    s = timedelta(seconds=1)
    ev = BoothEvents(
        visits=[Visit(1, t0, t0 + 600 * s, "ES", "es"), Visit(1, t0 + 700 * s, None, "ES", "es"),
                Visit(2, t0, t0 + 60 * s, None, "zh"), Visit(3, t0 - 3600 * s, t0 - 1800 * s, "DE", "de")],
        samples=[(t0, 2), (t0 + 30 * s, 5), (t0 + 60 * s, 1)],
        buyer_messages=[(t0 + 10 * s, 1), (t0 + 20 * s, 1), (t0 + 50 * s, 2)],
        other_messages=[t0 + 40 * s, t0 + 900 * s],
        staff_messages=[t0 + 40 * s, t0 + 900 * s],
        leads=[(t0 + 100 * s, 4, t0 + 400 * s)],
    )  # fmt: skip
    f = figures(ev, Period("p", t0, t0 + 3600 * s))
    assert f["peak_viewers"] == 5 and [v["viewers"] for v in f["viewers"]] == [2, 5, 1]
    assert (
        f["unique_buyers"] == 2
        and f["countries"] == {"": 1, "ES": 1}
        and f["languages"] == {"es": 1, "zh": 1}
    )
    assert f["messages"] == 5 and f["buyer_messages"] == 3 and f["inquiries"] == 1
    assert f["inquiries_per_100_viewers"] == 50.0
    # Buyer 1 waited 30 s (10 → 40), buyer 2 850 s (50 → 900), buyer 4 300 s (lead 100 → its first response 400).
    assert f["median_first_response_s"] == 300.0 and f["answered"] == 3 and f["awaiting"] == 0
    days = day_periods(t0 - 3600 * s, t0 + 24 * 3600 * s)
    assert [d.key for d in days] == ["2026-11-28", "2026-11-29"] and days[0].start == t0 - 3600 * s


@pytest.mark.parametrize("fair_server", FAST, indirect=True)
async def test_figures_of_a_stream_from_real_sockets(fair_server: Server) -> None:
    s = fair_server
    stok, sup = await s.supplier()
    booth_id = sup["booth_id"]
    assert s.app is not None
    async with s.app[FAIR].db.session() as db:
        stream = LiveSession(
            booth_id=booth_id, source="browser", started_at=datetime.now(UTC) - timedelta(seconds=5)
        )
        db.add(stream)
    staff = await s.client(stok)
    assert (await staff.call("booth:join", {"booth_id": booth_id}))["ok"]
    (ana_tok, ana), (_, li), (_, eve) = await _buyers(s, booth_id)
    ana_again = await s.client(ana_tok)  # a second tab is still one buyer
    assert (await ana_again.call("booth:join", {"booth_id": booth_id}))["ok"]
    path = f"/api/booths/{booth_id}/analytics?granularity=stream"
    report = await _until(
        s, path, stok, lambda r: r["total"]["peak_viewers"] == 3 and r["total"]["unique_buyers"] == 3
    )

    asked = (await ana.call("chat:send", {"booth_id": booth_id, "text": "¿Cuál es el MOQ?"}))["message"]
    asked = await staff.wait_message(lambda m: m["id"] == asked["id"])
    lead = (await li.call("inquiry:submit", {"booth_id": booth_id, "message": "请报价", "email": "li@example.cn",
                                             "consent": True}))["lead"]  # fmt: skip
    lead = await staff.events.wait_for("lead:new", lambda d: d["id"] == lead["id"])
    # Li's lead is answered by its first status change; Ana's question by the chat reply after it.
    assert (await staff.call("lead:update", {"lead_id": lead["id"], "status": "contacted"}))["ok"]
    assert (await staff.call("lead:note", {"lead_id": lead["id"], "text": "called"}))[
        "ok"
    ]  # later: not the first
    async with s.app[FAIR].db.reader() as db:
        stored = await db.get(Lead, lead["id"])
        assert stored is not None and stored.first_response_at is not None
        contacted = stored.first_response_at
    reply = (await staff.call("chat:send", {"booth_id": booth_id, "text": "MOQ is 500 m"}))["message"]
    reply = await staff.wait_message(lambda m: m["id"] == reply["id"])
    late = await eve.call("chat:send", {"booth_id": booth_id, "text": "Hello?"})
    assert late["ok"]
    await eve.close()
    report = await _until(s, path, stok, lambda r: r["total"]["viewers"][-1]["viewers"] == 2)

    waits = [(_t(reply["created_at"]) - _t(asked["created_at"])).total_seconds(),
             (contacted - _t(lead["created_at"])).total_seconds()]  # fmt: skip
    assert contacted < _t(reply["created_at"])
    [stream_figures] = report["periods"]
    assert stream_figures["period"] == f"stream-{stream.id}" and stream_figures["session_id"] == stream.id
    for f in (stream_figures, report["total"]):
        assert f["peak_viewers"] == 3 and max(v["viewers"] for v in f["viewers"]) == 3  # staff never counted
        assert f["unique_buyers"] == 3
        assert f["countries"] == {"=HYPERLINK(1)": 1, "CN": 1, "ES": 1}
        assert f["languages"] == {"en": 1, "es": 1, "zh": 1}
        assert f["messages"] == 3 and f["buyer_messages"] == 2
        assert f["inquiries"] == 1 and f["inquiries_per_100_viewers"] == 33.3
        assert f["median_first_response_s"] == round(statistics.median(waits), 1)
        assert f["answered"] == 2 and f["awaiting"] == 1  # Eve wrote after the only answer

    # Per day: today holds the same figures.
    status, by_day = await s.get(f"/api/booths/{booth_id}/analytics?granularity=day", stok)
    assert (
        status == 200
        and by_day["periods"][-1]["unique_buyers"] == 3
        and by_day["periods"][-1]["inquiries"] == 1
    )

    status, text = await s.get(f"/api/booths/{booth_id}/analytics?granularity=stream&format=csv", stok)
    assert status == 200 and text.startswith("\ufeff")  # for Excel: see test_leads
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [r["period"] for r in rows] == [f"stream-{stream.id}", "total"]
    assert rows[0]["unique_buyers"] == "3" and rows[0]["inquiries"] == "1" and rows[0]["peak_viewers"] == "3"
    assert rows[0]["countries"].startswith("'=HYPERLINK(1):1")  # formula defused

    mod_tok, _ = await s.moderator()
    status, fair = await s.get("/api/analytics", mod_tok)
    assert status == 200
    mine = next(b["figures"] for b in fair["booths"] if b["booth"]["id"] == booth_id)
    assert mine["unique_buyers"] == 3 and mine["inquiries"] == 1 and fair["total"]["unique_buyers"] == 3
    assert fair["total"]["peak_viewers"] == 3 and fair["total"]["median_first_response_s"] == round(
        statistics.median(waits), 1
    )
    status, text = await s.get("/api/analytics?format=csv", mod_tok)
    assert status == 200 and text.splitlines()[-1].startswith("0,(fair),total,")


async def test_who_may_read_analytics(fair_server: Server) -> None:
    s = fair_server
    stok, sup = await s.supplier()
    booth_id = sup["booth_id"]
    buyer_tok, _ = await s.guest("Ana", "es")
    other_tok, _ = await s.supplier("valencia-ceramica")
    mod_tok, _ = await s.moderator()
    path = f"/api/booths/{booth_id}/analytics"
    for tok in (buyer_tok, other_tok):
        status, body = await s.get(path, tok)
        assert status == 403 and body["error"]["code"] == "forbidden"
        status, body = await s.get("/api/analytics", tok)
        assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = await s.get(path, None)
    assert status == 401
    assert (await s.get(path, mod_tok))[0] == 200 and (await s.get(path, stok))[0] == 200
    assert (await s.get("/api/booths/999999/analytics", mod_tok))[0] == 404
    for bad in ("granularity=week", "from=yesterday", "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
                "from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z", "format=xls", "to=0001-01-01T00:00:00",
                "from=9999-12-31T00:00:00Z"):  # fmt: skip
        status, body = await s.get(f"{path}?{bad}", stok)
        assert status == 400 and body["error"]["code"] == "bad_request", (bad, body)
    # Reports read whole windows: a burst of 30, then one a second. On a slow machine the bucket
    # refills while the burst is read, so stop at the first refusal rather than at a fixed count.
    statuses: list[int] = []
    while len(statuses) < 200 and 429 not in statuses:
        statuses.append((await s.get(path, mod_tok))[0])
    # (two of the 30 were spent above)
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200} and len(statuses) > 28


@pytest.fixture
async def two_nodes(
    templates: Callable[[str], str], tmp_path: Path, models_dir: Path
) -> AsyncIterator[tuple[Server, Server]]:
    template = await asyncio.to_thread(templates, "postgres")
    async with pg_node_pair(template, tmp_path, models_dir, env={"BOOTHCAST_ANALYTICS_SAMPLE_SECONDS": "0.3"}) as pair:
        yield pair


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_nodes_sum_their_viewers_and_agree(two_nodes: tuple[Server, Server]) -> None:
    a, b = two_nodes
    stok, sup = await a.supplier()
    booth_id = sup["booth_id"]
    for server, name, lang, country in (
        (a, "Ana", "es", "ES"),
        (a, "Li", "zh", "CN"),
        (b, "Eve", "en", "GB"),
    ):
        tok, _ = await server.guest(name, lang, country=country)
        client = await server.client(tok)
        assert (await client.call("booth:join", {"booth_id": booth_id}))["ok"]
    staff = await b.client(stok)
    assert (await staff.call("booth:join", {"booth_id": booth_id}))["ok"]
    path = f"/api/booths/{booth_id}/analytics"
    # Two buyers on a, one on b: only the sum over nodes reaches 3.
    first = await _until(
        a, path, stok, lambda r: r["total"]["peak_viewers"] == 3 and r["total"]["unique_buyers"] == 3
    )
    assert max(v["viewers"] for v in first["total"]["viewers"]) == 3
    on_a, on_b = (await a.get(path, stok))[1], (await b.get(path, stok))[1]
    assert on_a["total"]["viewers"][: len(first["total"]["viewers"])] == first["total"]["viewers"]
    for key in ("unique_buyers", "countries", "languages", "peak_viewers"):
        assert on_a["total"][key] == on_b["total"][key], key
    assert on_a["total"]["countries"] == {"CN": 1, "ES": 1, "GB": 1}


async def test_visit_log_retries_a_failed_write_without_duplicates(
    templates: Callable[[str], str], tmp_path: Path
) -> None:
    url, drop = await database_from_template("sqlite", await asyncio.to_thread(templates, "sqlite"), tmp_path)
    db = Database(url)
    try:
        async with db.session() as s:
            buyer = User(display_name="Ana", role="buyer", lang="es", country="ES")
            s.add(buyer)
        log = VisitLog(db, interval=3600)
        log.started("sid-1", 1, buyer.id, "es")
        log.started("sid-2", 1, buyer.id, "es")  # a second tab: one viewer
        async with db.session() as s:
            await s.execute(text("ALTER TABLE booth_visits RENAME TO booth_visits_away"))
        with pytest.raises(Exception, match="booth_visits"):
            await log.flush()
        log.ended("sid-2", 1)
        async with db.session() as s:
            await s.execute(text("ALTER TABLE booth_visits_away RENAME TO booth_visits"))
        await log.flush()
        await log.aclose()  # the node stops: sid-1's visit ends too
        async with db.reader() as s:
            visits = (await s.execute(select(BoothVisit).order_by(BoothVisit.id))).scalars().all()
            samples = (
                (await s.execute(select(PresenceSample.viewers).order_by(PresenceSample.id))).scalars().all()
            )
            assert await s.scalar(select(func.count()).select_from(BoothVisit)) == 2
        assert [(v.user_id, v.country, v.left_at is not None) for v in visits] == [(buyer.id, "ES", True)] * 2
        # One instant, sampled once (a 0 follows only if the hour turned meanwhile).
        assert samples in ([1], [1, 0])
    finally:
        await db.aclose()
        await drop()


async def test_a_storm_of_visits_is_written_in_batches_and_each_leave_finds_its_row(db: Database) -> None:
    """A tick after a join storm writes its visits in a few statements, not one per buyer (SQLite
    cannot order a multi-row RETURNING without the insert sentinel), and the leaves that follow are
    one executemany; each leave still closes its own visit."""
    async with db.session() as s:
        buyers = [User(display_name=f"B{i}", role="buyer", lang="es", country=f"C{i % 3}") for i in range(300)]
        s.add_all(buyers)
    statements: list[tuple[str, bool]] = []

    def seen(_c: Any, _cur: Any, statement: str, _p: Any, _ctx: Any, executemany: bool) -> None:
        statements.append((statement.split("(")[0].strip(), executemany))

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    log = VisitLog(db, interval=3600)
    for i, b in enumerate(buyers):
        log.started(f"sid-{i}", 1, b.id, "es")
    await log.flush()
    inserts = [s for s in statements if s[0].startswith("INSERT INTO booth_visits")]
    assert 1 <= len(inserts) <= 3, inserts

    statements.clear()
    leaving = buyers[::2]
    for i in range(0, len(buyers), 2):
        log.ended(f"sid-{i}", 1)
    await log.flush()
    updates = [s for s in statements if s[0].startswith("UPDATE booth_visits")]
    assert len(updates) == 1 and updates[0][1], updates
    event.remove(db.engine.sync_engine, "before_cursor_execute", seen)

    async with db.reader() as s:
        rows = (await s.execute(select(BoothVisit.user_id, BoothVisit.left_at, BoothVisit.country))).all()
    assert len(rows) == len(buyers)
    closed = {user_id for user_id, left_at, _ in rows if left_at is not None}
    assert closed == {b.id for b in leaving}
    assert {user_id: country for user_id, _, country in rows} == {b.id: b.country for b in buyers}
    await log.aclose()
