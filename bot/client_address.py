"""Who is on the other end of a request: the client address the rate limits count, the
assistant's limits on handoffs and submissions see (bot/conversation.py passes it on),
and whether the caller is this host itself (/healthz's deep check).

X-Forwarded-For and X-Forwarded-Proto are believed only from the proxies named in
ENTRYWAY_TRUSTED_PROXIES (none by default), by uvicorn's own ProxyHeadersMiddleware,
which takes the address the last trusted proxy saw. It runs inside the app rather than
in uvicorn's server (`python -m bot` turns that off): every way of serving the app, the
tests' included, trusts the same proxies; uvicorn's own default (127.0.0.1) and its
FORWARDED_ALLOW_IPS variable play no part; and the address of the connection itself
stays known under PEER, which a header can never change."""

import ipaddress

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

PEER = "entryway.peer"  # the scope key of the connection's own address


class ForwardedClient:
    """Puts the client address a trusted proxy forwarded in the request's `client`, and
    the connection's own address under PEER."""

    def __init__(self, app: ASGIApp, trusted_proxies: list[str]) -> None:
        # An empty list trusts nobody (uvicorn's default, 127.0.0.1, needs a None).
        self.app = ProxyHeadersMiddleware(app, trusted_hosts=list(trusted_proxies))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            scope[PEER] = client[0] if client else ""
        await self.app(scope, receive, send)


def client_of(request: Request) -> str:
    """The address a client's requests are counted under (an IPv6 client per /64, the
    block one host is usually given)."""
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_this_host(request: Request) -> bool:
    """Whether the caller is a process on this host: the connection comes from loopback,
    and so does the client a trusted proxy on loopback may have named (a local HAProxy
    passes its public clients on from 127.0.0.1). A header can only make a caller
    public, never local."""
    peer = request.scope.get(PEER, "")
    client = request.client.host if request.client else ""
    return _loopback(peer) and _loopback(client)
