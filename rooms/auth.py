"""Passwords (argon2) and signed, expiring bearer tokens (HS256 JWT)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import NamedTuple

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rooms.errors import BadRequest, Unauthorized

_hasher = PasswordHasher()
ROLES = ("buyer", "supplier", "moderator", "admin")


MIN_PASSWORD_LENGTH = 8


def check_new_password(password: str) -> None:
    """The one rule for a password an account is given (create, reset, the CLI's prompt)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")


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
    # Bumped when the password changes: tokens issued before carry an older one and are refused.
    session_gen: int = 0

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    def is_staff_of(self, booth_id: int) -> bool:
        return self.role == "supplier" and self.booth_id == booth_id


# header.payload.signature, base64url without padding. An HS256 signature is 32 bytes: 43
# characters, the last carrying 4 bits and two zero bits (so one signature has one spelling only).
_JWT = re.compile(r"([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{42}[AEIMQUYcgkosw048])")


def _b64url(segment: str) -> bytes:
    return base64.b64decode(
        segment.replace("-", "+").replace("_", "/") + "=" * (-len(segment) % 4), validate=True
    )


class TokenClaims(NamedTuple):
    user_id: int
    session_gen: int  # the account's `session_gen` when the token was issued (0 in older tokens)


def session_actor(actor: AuthUser, claims: TokenClaims) -> AuthUser:
    """`actor`, if the token is of its current sessions; `Unauthorized` once the password changed."""
    if actor.session_gen != claims.session_gen:
        raise Unauthorized("this session has ended (the password was changed); sign in again")
    return actor


class Tokens:
    """Issued by PyJWT (standard JWTs any library reads); checked here, on every socket connect.

    The check is the standard library's HMAC: PyJWT 2.15 spends ~49 µs a decode (a Python
    generator over every character of every segment, key preparation, claim options), this
    ~9 µs, and a join storm pays it once per viewer. It accepts exactly what `issue` writes: our
    own header segment byte for byte (so no other algorithm, `none` included, ever reaches the
    signature check), a signature over the segments as sent, `exp` in the future, a numeric
    `sub`. tests/test_units.py checks it against PyJWT's own decode.
    """

    def __init__(self, secret: str, *, guest_hours: int, staff_hours: int) -> None:
        self._secret = secret
        self._key = secret.encode()
        self._guest_ttl = guest_hours * 3600
        self._staff_ttl = staff_hours * 3600
        # The header PyJWT writes for HS256 (`{"alg":"HS256","typ":"JWT"}`), as it writes it.
        self._header = jwt.encode({}, secret, algorithm="HS256").split(".", 1)[0]

    def issue(self, user: AuthUser, now: float | None = None) -> str:
        now = time.time() if now is None else now
        ttl = self._guest_ttl if user.role == "buyer" else self._staff_ttl
        claims = {
            "sub": str(user.id), "role": user.role, "gen": user.session_gen, "iat": int(now), "exp": int(now + ttl)
        }  # fmt: skip
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def read(self, token: object, now: float | None = None) -> TokenClaims:
        """Who a valid token names, and of which sessions; `Unauthorized` for anything else."""
        if not isinstance(token, str) or not token or len(token) > 2048:
            raise Unauthorized("a valid token is required")
        parts = _JWT.fullmatch(token)
        if parts is None or parts[1] != self._header:
            raise Unauthorized("the token is not valid")
        signed = token[: parts.end(2)].encode("ascii")
        expected = hmac.new(self._key, signed, hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(expected, _b64url(parts[3])):
                raise Unauthorized("the token is not valid")
            claims = json.loads(_b64url(parts[2]))  # only once the signature holds
        except (binascii.Error, ValueError) as exc:
            raise Unauthorized("the token is not valid") from exc
        if not isinstance(claims, dict):
            raise Unauthorized("the token is not valid")
        exp, sub, gen = claims.get("exp"), claims.get("sub"), claims.get("gen", 0)
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            raise Unauthorized("the token is not valid")
        if not isinstance(sub, str) or not sub.isascii() or not sub.isdigit():
            raise Unauthorized("the token is not valid")
        if not isinstance(gen, int) or isinstance(gen, bool):
            raise Unauthorized("the token is not valid")
        if exp <= (time.time() if now is None else now):
            raise Unauthorized("the token has expired; sign in again")
        return TokenClaims(int(sub), gen)
