"""Upgrading a fair's SQLite database that holds data: this session's migrations keep every row.

A migration that copies a table on SQLite (a new constraint does) drops the old one; with foreign
keys on, that takes the rows that point at it along. 0010 and 0011 only add columns and an index.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from alembic import command

from rooms.migrate import alembic_config, upgrade


async def test_upgrading_from_0009_keeps_accounts_leads_and_their_notes(tmp_path: Path) -> None:
    path = tmp_path / "fair.db"
    url = f"sqlite+aiosqlite:///{path}"
    # alembic's env runs its own event loop: off this one.
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0009")
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("INSERT INTO booths (id, slug, name, supplier_name, lang, country, city, category, stream_key, "
                   "last_seq, created_at) VALUES (1, 'b', 'Booth', 'Supplier', 'zh', 'CN', 'Shenzhen', 'lighting', "
                   "'k', 0, '2026-11-29 09:00:00')")  # fmt: skip
        db.execute("INSERT INTO users (id, display_name, role, lang, created_at) "
                   "VALUES (7, 'Ana', 'buyer', 'es', '2026-11-29 10:00:00')")  # fmt: skip
        db.execute("INSERT INTO leads (id, booth_id, buyer_id, email, message, source_lang, target_lang, status, "
                   "consent_at, created_at, updated_at, message_uncertain) VALUES (3, 1, 7, 'a@b.es', 'Hola', "
                   "'es', 'zh', 'new', '2026-11-29 10:00:00', '2026-11-29 10:00:00', '2026-11-29 10:00:00', 0)")  # fmt: skip
        db.execute("INSERT INTO lead_notes (lead_id, author_id, text, created_at) "
                   "VALUES (3, 7, 'called back', '2026-11-29 11:00:00')")  # fmt: skip

    await upgrade(url)

    with sqlite3.connect(path) as db:
        assert db.execute("SELECT id, display_name, _sentinel FROM users").fetchall() == [(7, "Ana", None)]
        assert db.execute("SELECT id, client_id FROM leads").fetchall() == [(3, None)]
        assert db.execute("SELECT lead_id, text FROM lead_notes").fetchall() == [(3, "called back")]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        # Leads without a client_id never collide; a buyer's second lead with the same one does.
        db.execute("INSERT INTO leads (booth_id, buyer_id, email, message, source_lang, target_lang, status, "
                   "consent_at, created_at, updated_at, message_uncertain, client_id) VALUES (1, 7, 'a@b.es', "
                   "'Otra', 'es', 'zh', 'new', '2026-11-29', '2026-11-29', '2026-11-29', 0, 'c1')")  # fmt: skip
        try:
            db.execute("INSERT INTO leads (booth_id, buyer_id, email, message, source_lang, target_lang, status, "
                       "consent_at, created_at, updated_at, message_uncertain, client_id) VALUES (1, 7, 'a@b.es', "
                       "'Otra', 'es', 'zh', 'new', '2026-11-29', '2026-11-29', '2026-11-29', 0, 'c1')")  # fmt: skip
        except sqlite3.IntegrityError:
            pass
        else:
            raise AssertionError("a second lead with the same buyer, booth and client_id was stored")
