"""Bring a database's schema up to date (Alembic), from the CLI or the app's start-up."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import create_async_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


async def upgrade(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:

            def run(sync_conn: object) -> None:
                cfg = alembic_config(url)
                cfg.attributes["connection"] = sync_conn
                command.upgrade(cfg, "head")

            await conn.run_sync(run)
    finally:
        await engine.dispose()


def head_revisions() -> set[str]:
    """The revisions this code's migrations end at (one, unless two branches were not merged)."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config("")).get_heads())


async def current_revisions(url: str) -> set[str]:
    """The revisions a database is at; empty for one that was never migrated.

    Raises whatever the driver raises when the database cannot be reached.
    """
    from alembic.runtime.migration import MigrationContext

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:

            def read(sync_conn: Any) -> set[str]:
                # Reading is not migrating: keep alembic's "Context impl ..." lines out of the output.
                log = logging.getLogger("alembic.runtime.migration")
                level = log.level
                log.setLevel(logging.WARNING)
                try:
                    return set(MigrationContext.configure(sync_conn).get_current_heads())
                finally:
                    log.setLevel(level)

            return await conn.run_sync(read)
    finally:
        await engine.dispose()
