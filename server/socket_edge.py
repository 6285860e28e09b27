"""The socket.io endpoint's edge: what the middleware chain does for it, in one frame.

A websocket's request handler lasts as long as the connection, and so does every middleware
coroutine around it: the chain (forwarded client, request id, access log, errors, body size)
kept four suspended frames per connection, five behind trusted proxies (~720 bytes a connection
in tracemalloc), and each cost CPU at every handshake of a join storm. `socket_edge` is first in
the app's list: for the socket.io route it does, in its one frame, what the chain does for that
route, and calls the route's handler itself; every other request goes down the chain unchanged.
(aiohttp's own current-app middleware still wraps it: aiohttp adds that one outside the list.)

What the chain does for `/socket.io/`, done here alike:
- the real client behind trusted proxies (server/forwarded.py) becomes `request.remote`, the
  request engine.io hands to the socket layer (`environ["aiohttp.request"]`): caps, limits, bans
  and log lines use it;
- the request id, set for the request's log lines and answered in `X-Request-Id`;
- the access log line, written when the request ends (a websocket's when it closes);
- errors answered as `error_middleware` answers a path outside `/api/`.
Not needed there: the body size limit (engine.io reads its own bodies, to its own limit). A
middleware added to the app later does not see socket.io requests: tests/test_socket_edge.py
lists the chain this stands for, and fails until it is looked at.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from server.forwarded import real_client
from server.http_api import error_answer
from server.log_format import REQUEST_ID_HEADER, log_access, start_request_id
from server.settings import Settings


def socket_edge(settings: Settings, socket_handler: Handler) -> Middleware:
    """The outermost middleware; `socket_handler` is the socket.io route's handler (engine.io's)."""
    real: Callable[[web.Request], web.Request] | None = None
    if settings.trusted_proxies:
        real = real_client(settings.trusted_proxies, settings.forwarded_header)
    access_log = settings.access_log

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.match_info.handler != socket_handler:
            return await handler(request)
        if real is not None:
            request = real(request)
        request_id = start_request_id(request)
        started = time.monotonic()
        status = 500
        try:
            try:
                response = await socket_handler(request)
            except Exception as exc:
                response = error_answer(request, exc, api=False)
            status = response.status
        except web.HTTPException as exc:
            status = exc.status
            exc.headers[REQUEST_ID_HEADER] = request_id
            raise
        finally:
            if access_log:
                log_access(request, status, started)
        if not response.prepared:  # a websocket has sent its headers already
            response.headers[REQUEST_ID_HEADER] = request_id
        return response

    return middleware
