"""Which errors mean "the database is away" (`unavailable`) and which are bugs (`internal`)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from rooms.db import Database
from rooms.db_outage import unavailable_from
from tests.support import PG_ADMIN_DSN, free_port, pg_url


async def _error_of(db: Database, sql: str) -> BaseException:
    try:
        async with db.reader() as s:
            await s.execute(text(sql))
    except Exception as exc:
        return exc
    raise AssertionError("the query succeeded")


async def test_a_refused_connection_is_unavailable() -> None:
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing")  # nobody listens
    try:
        err = unavailable_from(await _error_of(db, "SELECT 1"))
    finally:
        await db.aclose()
    assert err is not None and err.code == "unavailable" and err.status == 503
    assert err.as_dict()["retry_after"] > 0


@pytest.mark.postgres
async def test_a_bad_query_on_a_live_database_is_a_bug_not_an_outage() -> None:
    db = Database(pg_url(PG_ADMIN_DSN.rsplit("/", 1)[1]))
    try:
        assert unavailable_from(await _error_of(db, "SELECT * FROM no_such_table")) is None
        assert unavailable_from(await _error_of(db, "SELECT 1/0")) is None
    finally:
        await db.aclose()


def test_a_client_hanging_up_is_not_a_database_outage() -> None:
    try:
        raise ConnectionResetError(104, "Connection reset by peer")  # raised here, not in a driver
    except ConnectionResetError as exc:
        assert unavailable_from(exc) is None
    assert unavailable_from(OSError(2, "No such file or directory")) is None
    assert unavailable_from(RuntimeError("a bug")) is None
