"""Why a webhook delivery failed, as a code a page words in its reader's language.

The sender (server/webhook_sender.py) records what aiohttp said ("ClientConnectorDNSError: Cannot
connect to host crm.example.cn:443 ssl:default [Name or service not known]"), which a supplier's
Chinese console showed as it was. The text stays for the curious and for API users; `error_kind`
says the same in one word, read from the text the sender wrote (its own formats, below).
"""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal["http", "timeout", "dns", "tls", "refused", "private", "connect", "other"]

# In the order they are tried: a DNS error is also a connector error, a certificate one too.
_SIGNS: tuple[tuple[ErrorKind, tuple[str, ...]], ...] = (
    ("timeout", ("no answer within", "TimeoutError", "ServerTimeoutError")),
    ("private", ("loopback, private or link-local",)),
    ("dns", ("DNSError", "Name or service not known", "nodename nor servname", "No address associated")),
    ("tls", ("Certificate", "SSLError", "SSL:", "ssl.SSL", "certificate")),
    ("refused", ("Connection refused", "Connect call failed")),
    ("connect", ("ClientConnector", "ClientConnection", "ServerDisconnected", "ClientOSError")),
)


def error_kind(last_error: str | None, last_status_code: int | None) -> ErrorKind | None:
    """What went wrong with the last attempt; None when it went through (or was never made)."""
    if last_status_code is not None and not 200 <= last_status_code < 300:
        return "http"
    if not last_error:
        return None
    if last_error.startswith("HTTP "):
        return "http"
    for kind, signs in _SIGNS:
        if any(sign in last_error for sign in signs):
            return kind
    return "other"
