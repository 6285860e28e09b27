"""Domain errors with stable codes; every transport maps them the same way."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "internal"
    status = 500

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


class BadRequest(DomainError):
    code, status = "bad_request", 400


class Unauthorized(DomainError):
    code, status = "unauthorized", 401


class InvalidCredentials(DomainError):
    code, status = "invalid_credentials", 401


class Forbidden(DomainError):
    code, status = "forbidden", 403


class NotFound(DomainError):
    code, status = "not_found", 404


class Conflict(DomainError):
    code, status = "conflict", 409


class TooLong(DomainError):
    code, status = "too_long", 413


class RateLimited(DomainError):
    code, status = "rate_limited", 429

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, retry_after=round(max(retry_after, 0.001), 3))
        self.retry_after = retry_after


class Unavailable(DomainError):
    """The database cannot be reached right now (an outage, a restart); `retry_after` says when to
    try again. The request may or may not have been stored (a commit cut off): a resend with the
    same `client_id` is safe."""

    code, status = "unavailable", 503

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, retry_after=round(max(retry_after, 0.001), 3))
        self.retry_after = retry_after


class TooManyConnections(DomainError):
    """A socket connect past the per-account or per-address cap (refused at connect)."""

    code, status = "too_many_connections", 429


class Muted(DomainError):
    code, status = "muted", 403


class Banned(DomainError):
    code, status = "banned", 403


class SlowMode(DomainError):
    """A buyer's message within the booth's slow-mode interval; `retry_after` says how long to wait."""

    code, status = "slow_mode", 429

    def __init__(self, message: str, retry_after: float, seconds: int) -> None:
        super().__init__(message, retry_after=round(max(retry_after, 0.001), 3), seconds=seconds)


class Blocked(DomainError):
    """A message the fair's word or link filter refuses (`reason`: `word` or `link`)."""

    code, status = "blocked", 422
