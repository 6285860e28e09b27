"""Passwords (argon2) and signed, expiring bearer tokens (HS256 JWT)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rooms.errors import Unauthorized

_hasher = PasswordHasher()
ROLES = ("buyer", "supplier", "moderator", "admin")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Hash anyway so a missing account costs as long as a wrong password.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class AuthUser:
    """Who is acting: what the token says, refreshed from the database at connect/login."""

    id: int
    role: str
    display_name: str
    lang: str
    booth_id: int | None = None

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    def is_staff_of(self, booth_id: int) -> bool:
        return self.role == "supplier" and self.booth_id == booth_id


class Tokens:
    def __init__(self, secret: str, *, guest_hours: int, staff_hours: int) -> None:
        self._secret = secret
        self._guest_ttl = guest_hours * 3600
        self._staff_ttl = staff_hours * 3600

    def issue(self, user: AuthUser, now: float | None = None) -> str:
        now = time.time() if now is None else now
        ttl = self._guest_ttl if user.role == "buyer" else self._staff_ttl
        claims = {"sub": str(user.id), "role": user.role, "iat": int(now), "exp": int(now + ttl)}
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def user_id(self, token: object) -> int:
        """The user id a valid token names; `Unauthorized` for anything else."""
        if not isinstance(token, str) or not token or len(token) > 2048:
            raise Unauthorized("a valid token is required")
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
            )
            return int(claims["sub"])
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the token has expired; sign in again") from exc
        except (jwt.InvalidTokenError, ValueError, KeyError) as exc:
            raise Unauthorized("the token is not valid") from exc
