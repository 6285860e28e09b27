"""The real client address behind trusted proxies.

Behind a load balancer every TCP peer is the balancer, so the per-address sign-in limits and
socket caps would put the whole fair in one bucket. The balancer says who the client is in
`X-Forwarded-For` (or RFC 7239 `Forwarded`), but anyone can send those headers, so they count
only when the TCP peer is in `BOOTHCAST_TRUSTED_PROXIES`. Each proxy appends the address it saw
at the right; the client is the first address, read from the right, that is not itself a trusted
proxy. Everything left of it was written by the client and is ignored: a client cannot pick its
own bucket by sending a header.

aiohttp-remotes was the first choice, and does not fit: its strict middlewares answer `400` to any
request that does not come through the configured number of proxies (a healthcheck straight to a
node, a client whose own office proxy adds a hop), and its filtered one trusts the header from any
peer. The walk below is the strict rule without the refusals.

Only one header is read (`BOOTHCAST_FORWARDED_HEADER`): the one the proxy sets. Reading both would
let a client add the other one, which the proxy passes on untouched.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

HEADERS = ("x-forwarded-for", "forwarded")


def parse_trusted(raw: str) -> tuple[str, ...]:
    """`BOOTHCAST_TRUSTED_PROXIES` (addresses or CIDRs, comma or space separated), normalised.

    Raises ValueError naming the first entry that is neither.
    """
    out: list[str] = []
    for item in raw.replace(",", " ").split():
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network") from None
    return tuple(out)


def _networks(trusted: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(t, strict=False) for t in trusted)


def _node(value: str) -> Address | None:
    """One hop as proxies write it: `1.2.3.4`, `1.2.3.4:80`, `[2001:db8::1]:80`, `2001:db8::1`."""
    v = value.strip().strip('"')
    if v.startswith("["):
        v = v[1:].split("]", 1)[0]
    elif v.count(":") == 1:
        v = v.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(v)
    except ValueError:
        return None  # `unknown`, an obfuscated `_name`, or garbage
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _trusted(ip: Address, networks: Sequence[Network]) -> bool:
    return any(ip in n for n in networks)


def client_address(peer: str | None, hops: Sequence[str], networks: Sequence[Network]) -> str | None:
    """The client behind `peer`: `hops` are the forwarded addresses, farthest first."""
    if not peer:
        return peer
    current = _node(peer)
    if current is None or not _trusted(current, networks):
        return peer
    for hop in reversed(hops):
        ip = _node(hop)
        if ip is None:
            # A trusted proxy did not know (or hid) its client: the proxy is as far as we can see.
            break
        current = ip
        if not _trusted(ip, networks):
            break
    return str(current)


def forwarded_hops(request: web.BaseRequest, header: str) -> list[str]:
    """The addresses `header` lists, farthest first; several header lines read as one list."""
    if header == "forwarded":
        return [str(element["for"]) for element in request.forwarded if "for" in element]
    return [part for line in request.headers.getall("X-Forwarded-For", ()) for part in line.split(",")]


def forwarded_scheme(request: web.BaseRequest, header: str) -> str | None:
    """The scheme the nearest proxy says the client used (`X-Forwarded-Proto`, or `proto=` of
    `Forwarded`): `https` behind a TLS terminator, so that links the app writes (a calendar
    file's page) say https too. None when absent or neither http nor https."""
    if header == "forwarded":
        protos = [str(element["proto"]) for element in request.forwarded if "proto" in element]
    else:
        protos = [part for line in request.headers.getall("X-Forwarded-Proto", ()) for part in line.split(",")]
    proto = protos[-1].strip().lower() if protos else None
    return proto if proto in ("http", "https") else None


def real_client(trusted: Iterable[str], header: str = "x-forwarded-for") -> Callable[[web.Request], web.Request]:
    """A function giving the request as the client behind the trusted proxies made it: the same
    request, or a clone whose `remote` is that client and whose `scheme` is the one the client
    used (`forwarded_middleware`, server/socket_edge.py)."""
    if header not in HEADERS:
        raise ValueError(f"the forwarded header must be one of {', '.join(HEADERS)}")
    networks = _networks(trusted)

    def real(request: web.Request) -> web.Request:
        peer = request.remote
        ip = _node(peer) if peer else None
        if peer is None or ip is None or not _trusted(ip, networks):
            return request  # the peer is the client: whatever it sent about itself is its own word
        client = client_address(peer, forwarded_hops(request, header), networks) or peer
        scheme = forwarded_scheme(request, header) or request.scheme
        if client == peer and scheme == request.scheme:
            return request
        return request.clone(remote=client, scheme=scheme)

    return real


def forwarded_middleware(trusted: Iterable[str], header: str = "x-forwarded-for") -> Middleware:
    """A middleware that sets `request.remote` to the client behind the trusted proxies.

    It must run before anything reads `request.remote`, so the app factory puts it first; the
    socket.io handler sees the same request (`environ["aiohttp.request"]`).
    """
    real = real_client(trusted, header)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        return await handler(real(request))

    return middleware
