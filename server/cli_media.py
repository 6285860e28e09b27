"""`boothcast media prune [--days N]` and `boothcast media usage`: recordings on disk."""

from __future__ import annotations

import argparse

from media.storage.layout import MediaStore
from rooms.db import Database
from server.live.service import prune_recordings
from server.settings import Settings


def add_media_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    media = subparsers.add_parser(
        "media",
        help="livestream recordings: prune old ones, show disk usage",
        description="Recorded livestreams (HLS) in the media directory (BOOTHCAST_MEDIA_DIR).",
    )
    sub = media.add_subparsers(dest="media_command", metavar="ACTION", required=True)
    p = sub.add_parser(
        "prune", help="remove recordings older than the retention (BOOTHCAST_RECORDING_RETENTION_DAYS)"
    )
    p.add_argument("--days", type=int, help="override the retention in days (0 keeps everything)")
    p.set_defaults(func=cmd_media_prune)
    p = sub.add_parser("usage", help="bytes used by recordings")
    p.set_defaults(func=cmd_media_usage)


async def cmd_media_prune(args: argparse.Namespace, settings: Settings) -> None:
    days = settings.recording_retention_days if args.days is None else args.days
    db = Database(settings.effective_database_url)
    try:
        result = await prune_recordings(db, MediaStore(settings.effective_media_dir), days)
    finally:
        await db.aclose()
    if days <= 0:
        print("retention is 0: recordings are kept forever; nothing pruned")
    else:
        print(f"pruned {result.sessions} recordings older than {days} days, {human_bytes(result.bytes_freed)} freed")


def cmd_media_usage(args: argparse.Namespace, settings: Settings) -> None:
    store = MediaStore(settings.effective_media_dir)
    total, count = 0, 0
    if store.sessions_dir.is_dir():
        for d in store.sessions_dir.iterdir():
            if d.is_dir() and not d.is_symlink():
                count += 1
                total += sum(p.stat().st_size for p in d.iterdir() if p.is_file() and not p.is_symlink())
    print(f"{count} session directories, {human_bytes(total)} in {store.sessions_dir}")


def human_bytes(n: int) -> str:
    """"25.3 MB (25276501 bytes)": readable, and still exact for a script."""
    size, unit = float(n), "B"
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            break
        size /= 1000
    return f"{n} bytes" if unit == "B" else f"{size:.1f} {unit} ({n} bytes)"
