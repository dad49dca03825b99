"""Who is on the other end of a web request: the client's address, and whether the request may
act as a cadre of the grid.

The bot never takes a proxy's word for the client unless the proxy is listed in TRUSTED_PROXIES
(uvicorn's own X-Forwarded-For rewriting is turned off in `python -m bot` for that reason).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable

from fastapi import Request

log = logging.getLogger(__name__)

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

PROXY_HEADERS = frozenset(
    {
        "forwarded",
        "via",
        "x-real-ip",
        "x-client-ip",
        "client-ip",
        "true-client-ip",
        "cf-connecting-ip",
        "fastly-client-ip",
        "x-cluster-client-ip",
        "x-original-forwarded-for",
        "x-proxyuser-ip",
        "x-original-host",
        "x-host",
    }
)
"""Headers a proxy adds (besides every X-Forwarded-*): their presence means a proxy is in between."""

LOOPBACK_NAMES = frozenset({"localhost"})


def _ip(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: str | None, trusted: Iterable[IpNetwork]) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip in network for network in trusted)


def peer_address(request: Request) -> str | None:
    """The TCP peer's address, as the server socket saw it (None over a unix socket)."""
    return request.client.host if request.client else None


def proxy_headers(request: Request) -> list[str]:
    """Names of the proxy headers the request carries."""
    return sorted(
        {
            name
            for name in request.headers
            if name in PROXY_HEADERS or name.startswith("x-forwarded-")
        }
    )


def client_address(request: Request, trusted: Iterable[IpNetwork] = ()) -> str:
    """The client's address: the TCP peer, unless the peer is a trusted proxy, whose
    X-Forwarded-For (the right-most address it did not add itself) or X-Real-IP then counts."""
    trusted = tuple(trusted)
    peer = peer_address(request)
    if not _trusted(peer, trusted):
        return peer or "unknown"
    hops = [h.strip() for v in request.headers.getlist("x-forwarded-for") for h in v.split(",")]
    hops = [h for h in hops if h]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            ip = _ip(hop)
            return str(ip) if ip is not None else hop[:64]
    real = _ip(request.headers.get("x-real-ip"))
    if real is not None and not hops:
        return str(real)
    return hops[0][:64] if hops else peer or "unknown"


def rate_key(address: str) -> str:
    """What the per-address limit counts: the address, or for IPv6 its /64 (one subscriber
    commonly has a whole /64, and could otherwise change address per request)."""
    ip = _ip(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip) if ip is not None else address


def is_https(request: Request, trusted: Iterable[IpNetwork] = ()) -> bool:
    """Whether the client reached us over HTTPS (directly, or as a trusted proxy says)."""
    if request.url.scheme == "https":
        return True
    if _trusted(peer_address(request), tuple(trusted)):
        return request.headers.get("x-forwarded-proto", "").strip().lower() == "https"
    return False


def _loopback(address: str | None) -> bool:
    ip = _ip(address)
    return ip is not None and ip.is_loopback


def _split_host(host: str) -> tuple[str, str | None] | None:
    """A Host header as (name, port or None); None when it is malformed."""
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return None
        name, rest = host[1:end], host[end + 1 :]
        if not rest:
            return name, None
        return (name, rest[1:]) if rest.startswith(":") else None
    if host.count(":") > 1:  # an IPv6 address must be in brackets
        return None
    name, sep, port = host.partition(":")
    return name, port if sep else None


def _loopback_host_header(host: str | None, port: int) -> bool:
    """Host is a loopback name or address with the port we listen on (80: may be left out)."""
    split = _split_host(host.strip().lower()) if host else None
    if split is None:
        return False
    name, given = split
    if given != str(port) and not (given is None and port == 80):
        return False
    return name in LOOPBACK_NAMES or _loopback(name)


def loopback_host(request: Request) -> bool:
    """The Host header names this machine's loopback with the port the request came in on, so
    no DNS-rebinding page and no proxy that passes the client's Host reached us."""
    server = request.scope.get("server")
    port = server[1] if server and server[1] is not None else 80
    return _loopback_host_header(request.headers.get("host"), port)


def cadre_refusal(request: Request, *, enabled: bool, bind_host: str, bind_port: int) -> str | None:
    """Why this request may not act as a cadre on the try page, or None when it may.

    The one place that decides it: today only a trial on the machine itself (the server listens
    on loopback only, the TCP peer is loopback, the Host header names loopback with our port, so
    no DNS rebinding, and no proxy header at all, so no same-host proxy relays the internet).
    A real login will take its place.
    """
    if not enabled:
        return "WEB_CHAT_CADRES is off"
    if not _loopback(bind_host):
        return f"the server listens on {bind_host}, not on loopback only"
    if not _loopback(peer_address(request)):
        return f"the peer {peer_address(request)} is not loopback"
    if not _loopback_host_header(request.headers.get("host"), bind_port):
        return f"Host {request.headers.get('host')!r} is not this machine's loopback address"
    headers = proxy_headers(request)
    if headers:
        return f"proxy headers present: {', '.join(headers)}"
    return None
