"""What one analytics tick costs the event loop after a join storm, and after everyone leaves.

    .venv/bin/python -m bench.visits_tick [--buyers 5000] [--rounds 3] [--backend sqlite|postgres]

`VisitLog` (rooms/visits.py) keeps joins and leaves in memory and writes them once per tick. After
a storm of N buyers, one tick writes N visits; when the stream ends they all leave, and the next
tick closes N visits. The tick runs on the server's event loop, so its CPU is time every socket of
the node waits. Prints the process CPU and wall time of each of the two ticks, per round, on a
fresh migrated database (SQLite in a temporary directory, or a fresh PostgreSQL database made and
dropped through postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bench.fanout.run import create_pg_database, drop_pg_database
from rooms.db import Database
from rooms.migrate import upgrade
from rooms.models import Booth, User
from rooms.visits import VisitLog

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


async def _tick(log: VisitLog) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    await log.flush()
    return time.process_time() - cpu, time.perf_counter() - wall


async def _round(url: str, buyers: int) -> tuple[tuple[float, float], tuple[float, float]]:
    await upgrade(url)
    db = Database(url)
    try:
        async with db.session() as s:
            booth = Booth(slug="bench", name="Bench", supplier_name="Bench", lang="en", country="CN",
                          stream_key=uuid.uuid4().hex)  # fmt: skip
            people = [User(display_name=f"buyer {i}", role="buyer", lang="es", country="ES") for i in range(buyers)]
            s.add_all([booth, *people])
        log = VisitLog(db, interval=3600)
        for i, p in enumerate(people):
            log.started(f"sid-{i}", booth.id, p.id, "es")
        joins = await _tick(log)
        for i in range(buyers):
            log.ended(f"sid-{i}", booth.id)
        leaves = await _tick(log)
        return joins, leaves
    finally:
        await db.aclose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--buyers", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = ap.parse_args()
    rows: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for _ in range(args.rounds):
        if args.backend == "sqlite":
            with tempfile.TemporaryDirectory() as d:
                rows.append(asyncio.run(_round(f"sqlite+aiosqlite:///{Path(d) / 'visits.db'}", args.buyers)))
        else:
            url = create_pg_database(PG_ADMIN)
            try:
                rows.append(asyncio.run(_round(url, args.buyers)))
            finally:
                drop_pg_database(PG_ADMIN, url)
    print(f"{args.buyers} buyers, {args.backend}: one tick's CPU / wall, ms")
    print("| round | joins tick | leaves tick |")
    print("|---:|---|---|")
    for n, ((jc, jw), (lc, lw)) in enumerate(rows, 1):
        print(f"| {n} | {jc * 1000:.0f} / {jw * 1000:.0f} | {lc * 1000:.0f} / {lw * 1000:.0f} |")
    print(f"| median | {statistics.median(r[0][0] for r in rows) * 1000:.0f} | "
          f"{statistics.median(r[1][0] for r in rows) * 1000:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
