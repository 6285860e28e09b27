"""Mapping domain errors onto HTTP answers and socket acks, identically."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from rooms.db_outage import unavailable_from
from rooms.errors import BadRequest, DomainError, Unavailable
from server.log_budget import LogBudget, budgeted_logger

# During an outage every request fails the same way: a few lines say so, not one per request.
outage_log = budgeted_logger("server.outage", LogBudget(per_minute=6, burst=3))


def from_validation(exc: ValidationError) -> BadRequest:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "payload"
    return BadRequest(f"{where}: {first.get('msg', 'invalid')}")


def internal() -> DomainError:
    """What a client is told of a bug, on every transport: nothing of it (the log has the trace)."""
    return DomainError("something went wrong on our side")  # code "internal", status 500


def error_ack(err: DomainError) -> dict[str, Any]:
    return {"ok": False, "error": err.as_dict()}


def json_error(err: DomainError) -> web.Response:
    headers = {}
    retry = err.extra.get("retry_after")
    if retry is not None:
        headers["Retry-After"] = str(max(1, int(retry + 0.999)))
    return web.json_response({"error": err.as_dict()}, status=err.status, headers=headers)


def as_unavailable(exc: BaseException) -> Unavailable | None:
    """`Unavailable` (logged on a budget, one line) when `exc` is a database outage, else None:
    the caller then treats `exc` as the bug it is."""
    err = unavailable_from(exc)
    if err is not None:
        outage_log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
    return err
