"""Log lines an operator can use: plain text by default, one JSON object per line on request.

`BOOTHCAST_LOG_FORMAT=json` suits a log shipper: every line is `{"ts", "level", "logger", "msg"}`,
plus `request_id` for what an HTTP request logged and `socket_id` for what a socket event logged,
plus `exc` for a traceback (inside the object, so one event stays one line). The ids live in
context variables: aiohttp runs each request, and python-socketio each event, in a task of its
own, so a value set there belongs to that request or event only.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from contextvars import ContextVar
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.typedefs import Handler

from server.random_ids import token_hex

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REQUEST_ID_HEADER = "X-Request-Id"
# A proxy's id is kept (so its logs and ours line up) only when it cannot forge a log line.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

REQUEST_ID: ContextVar[str | None] = ContextVar("boothcast_request_id", default=None)
SOCKET_ID: ContextVar[str | None] = ContextVar("boothcast_socket_id", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id, socket_id = REQUEST_ID.get(), SOCKET_ID.get()
        if request_id:
            out["request_id"] = request_id
        if socket_id:
            out["socket_id"] = socket_id
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(fmt: str) -> None:
    """The root logger's one handler, on stderr; `fmt` is one of FORMATS (checked by the caller)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


def start_request_id(request: web.Request) -> str:
    """The request's id (its proxy's when valid, else a new one), set for its log lines."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = incoming if _VALID_ID.match(incoming) else token_hex(8)
    REQUEST_ID.set(request_id)
    return request_id


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Tag the request's log lines with an id, and answer it in `X-Request-Id` to match them up."""
    request_id = start_request_id(request)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[REQUEST_ID_HEADER] = request_id
        raise
    if not response.prepared:  # a WebSocket or a stream has sent its headers already
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


ACCESS = logging.getLogger("boothcast.access")


@web.middleware
async def access_log_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """One line per request: the client (the real one behind a trusted proxy: the forwarded
    middleware runs first), method, path, status and duration. The query is left out: hooks and
    media links carry secrets there."""
    started = time.monotonic()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        log_access(request, status, started)


def log_access(request: web.Request, status: int, started: float) -> None:
    """The access log line of a request answered with `status`, `started` at that monotonic time."""
    ms = (time.monotonic() - started) * 1000
    ACCESS.info('%s "%s %s" %d %.0fms', request.remote or "-", request.method, request.path, status, ms)
