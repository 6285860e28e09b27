"""Mapping domain errors onto HTTP answers and socket acks, identically."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from rooms.errors import BadRequest, DomainError


def from_validation(exc: ValidationError) -> BadRequest:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "payload"
    return BadRequest(f"{where}: {first.get('msg', 'invalid')}")


def error_ack(err: DomainError) -> dict[str, Any]:
    return {"ok": False, "error": err.as_dict()}


def json_error(err: DomainError) -> web.Response:
    headers = {}
    retry = err.extra.get("retry_after")
    if retry is not None:
        headers["Retry-After"] = str(max(1, int(retry + 0.999)))
    return web.json_response({"error": err.as_dict()}, status=err.status, headers=headers)
