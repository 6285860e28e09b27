"""Who is calling an HTTP endpoint: the bearer token, checked against the database."""

from __future__ import annotations

from aiohttp import web

from rooms.auth import AuthUser, session_actor
from rooms.errors import Unauthorized
from rooms.users import load_actor
from server.keys import DB, TOKENS


async def optional_user(request: web.Request) -> AuthUser | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("use 'Authorization: Bearer <token>'")
    claims = request.app[TOKENS].read(token.strip())
    _, actor = await load_actor(request.app[DB], claims.user_id)
    return session_actor(actor, claims)


async def require_user(request: web.Request) -> AuthUser:
    user = await optional_user(request)
    if user is None:
        raise Unauthorized("sign in first (Authorization: Bearer <token>)")
    return user
