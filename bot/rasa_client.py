"""The app's connections to the Rasa servers: one keep-alive pool per server.

Each conversation has a home server, chosen by a hash of its sender id, so a
conversation's messages are handled in order by one process. Conversations live in the
shared tracker store, so when the home server is down (restarting, say) another serves
the message instead; with REDIS_URL set, Rasa's Redis lock store keeps them in order
across servers too."""

import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from storage.settings import Settings


def home_server(sender: str, servers: int) -> int:
    """The index of the conversation's home server among `servers`. crc32 is stable
    across processes and restarts, unlike hash()."""
    return zlib.crc32(sender.encode()) % servers


class RasaWorkers:
    def __init__(self, settings: Settings) -> None:
        params = {"token": settings.rasa_token} if settings.rasa_token else None
        self.clients = [
            httpx.AsyncClient(
                base_url=url,
                params=params,
                timeout=httpx.Timeout(settings.rasa_timeout_seconds, connect=2.0),
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
            )
            for url in settings.rasa_urls
        ]

    def for_sender(self, sender: str) -> list[httpx.AsyncClient]:
        """The servers to try for this conversation: its home server first."""
        home = home_server(sender, len(self.clients))
        return self.clients[home:] + self.clients[:home]

    async def post(self, sender: str, path: str, payload: dict) -> httpx.Response:
        """POSTs for this conversation to its home server, or to the next one that
        accepts the connection. Only a refused connection moves on: a server that
        accepted the message may still be working on it."""
        servers = self.for_sender(sender)
        for server in servers[:-1]:
            try:
                return await server.post(path, json=payload)
            except httpx.ConnectError:
                continue
        return await servers[-1].post(path, json=payload)

    @asynccontextmanager
    async def stream(
        self, sender: str, path: str, payload: dict, params: dict
    ) -> AsyncIterator[httpx.Response]:
        """Like `post`, for a streamed answer: the first server to accept the connection."""
        servers = self.for_sender(sender)
        for server in servers:
            try:
                async with server.stream("POST", path, json=payload, params=params) as response:
                    yield response
                    return
            except httpx.ConnectError:
                if server is servers[-1]:
                    raise

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()
