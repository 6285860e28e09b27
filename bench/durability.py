"""What `PRAGMA synchronous=FULL` costs the chat commit path on SQLite, against NORMAL.

    .venv/bin/python -m bench.durability [--senders 50] [--messages 20] [--serial 200] [--dir DIR]

For each level, on a fresh migrated demo database (in --dir: put it on the disk the server uses,
not tmpfs, or the fsync costs nothing): `--serial` messages from one sender one after another
(each pays a commit of its own: the worst case), then a burst of `--senders` senders sending
`--messages` each at once through the real `ChatWriter` (group commit shares the fsync). Prints
messages per second and the serial ack latency p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from rooms.chat_writer import ChatWriter
from rooms.db import Database
from rooms.migrate import upgrade
from rooms.seed import seed_demo
from rooms.users import actor_of, do_guest_sign_in


async def _level(level: str, workdir: Path, senders: int, messages: int, serial: int) -> dict[str, float]:
    path = workdir / f"bench-{level}.db"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    db = Database(url, sqlite_synchronous=level)
    try:
        await seed_demo(db)
        writer = ChatWriter(db)
        booth_id = 1
        one = actor_of(await do_guest_sign_in(db, display_name="solo", lang="en", company=None, country=None))
        lat = []
        t0 = time.perf_counter()
        for i in range(serial):
            t = time.perf_counter()
            await writer.write(one, booth_id, f"serial {i}", f"s{i}", "en")
            lat.append(time.perf_counter() - t)
        serial_s = time.perf_counter() - t0
        actors = [actor_of(await do_guest_sign_in(db, display_name=f"b{i}", lang="en", company=None, country=None))
                  for i in range(senders)]  # fmt: skip

        async def send(k: int) -> None:
            for i in range(messages):
                await writer.write(actors[k], booth_id, f"burst {k} {i}", f"b{k}-{i}", "en")

        t0 = time.perf_counter()
        await asyncio.gather(*(send(k) for k in range(senders)))
        burst_s = time.perf_counter() - t0
        await writer.aclose()
    finally:
        await db.aclose()
    lat.sort()
    return {
        "serial_per_s": serial / serial_s,
        "serial_p50_ms": statistics.median(lat) * 1000,
        "serial_p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
        "burst_per_s": senders * messages / burst_s,
    }


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--senders", type=int, default=50)
    ap.add_argument("--messages", type=int, default=20)
    ap.add_argument("--serial", type=int, default=200)
    ap.add_argument("--dir", type=Path, default=None, help="where the databases go (default: a temp dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        print("| synchronous | serial msg/s | serial ack p50 | serial ack p99 | burst msg/s |")
        print("|---|---|---|---|---|")
        for level in ("NORMAL", "FULL"):
            r = await _level(level, Path(tmp), args.senders, args.messages, args.serial)
            print(f"| {level} | {r['serial_per_s']:.0f} | {r['serial_p50_ms']:.2f} ms | {r['serial_p99_ms']:.2f} ms"
                  f" | {r['burst_per_s']:.0f} |")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
