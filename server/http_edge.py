"""Limits at the HTTP edge: what a connection may send before the app sees a request.

- `server_options(settings)`: aiohttp's per-connection options, for `web.run_app` and
  `web.AppRunner` alike. aiohttp starts its keep-alive timer when a connection opens (and again
  after each response) and closes the connection if no complete request head has arrived by
  then, so `keepalive_timeout` is the header-read timeout too: 300 slowloris requests that once
  held their connections for good now last `BOOTHCAST_HEADER_TIMEOUT` seconds. Request lines,
  header fields and the number of headers are capped; requests aiohttp cannot parse get its
  plain `400` and are logged on a `LogBudget`, one line each, never a traceback per request.
  Request bodies are not decompressed (`Content-Encoding` is refused by `body()`).
- `size_middleware`: a body declared larger than the app's `client_max_size` is refused with
  `413` before any handler runs, on every route, including those that never read a body.
- `address_key`: who "one address" is for the per-address caps (an IPv6 client owns a whole /64).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Handler

from media.image_names import MAX_BYTES as UPLOAD_BODY_LIMIT
from server.log_budget import LogBudget, budgeted_logger
from server.settings import Settings

MAX_REQUEST_BODY = 64 * 1024  # far above any JSON body a route takes (a lead note, a glossary term)
MAX_LINE_SIZE = 8190  # request line and each header line
MAX_FIELD_SIZE = 8190  # one header value: a 2,048-character token fits with room to spare
MAX_HEADERS = 64

http_log = budgeted_logger("server.http", LogBudget(per_minute=12, burst=20, one_line=(HttpProcessingError,)))


def server_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `web.run_app` / `web.AppRunner` (see the module doc)."""
    return {
        "keepalive_timeout": float(max(1, settings.header_timeout)),
        "max_line_size": MAX_LINE_SIZE,
        "max_field_size": MAX_FIELD_SIZE,
        "max_headers": MAX_HEADERS,
        # Request bodies are taken as sent: no client of ours compresses them, and a broken
        # compressed body would otherwise fail inside aiohttp's parser, beyond any JSON answer.
        "auto_decompress": False,
        "logger": http_log,
    }


# engine.io's polling transport reads its own bodies, up to its own limit (`max_http_buffer_size`,
# 1 MB: an oversized chat message gets a `too_long` ack, not a refused request).
OWN_BODY_LIMIT = ("/socket.io/",)
# Image uploads (server/http_images.py) read their own body, up to `UPLOAD_BODY_LIMIT`.
UPLOAD_PATH = re.compile(r"/api/(booths/\d{1,10}/images/(logo|cover)|products/\d{1,10}/image)")


@web.middleware
async def size_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    length = request.content_length
    limit = UPLOAD_BODY_LIMIT if request.method == "POST" and UPLOAD_PATH.fullmatch(request.path) else request.client_max_size
    if length is not None and length > limit and not request.path.startswith(OWN_BODY_LIMIT):
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=length)
    return await handler(request)


def address_key(remote: str | None) -> str:
    """The address a client is counted under: its IPv4 address, or its IPv6 /64 network."""
    if not remote:
        return "unknown"
    try:
        ip = ipaddress.ip_address(remote)
    except ValueError:
        return remote
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
