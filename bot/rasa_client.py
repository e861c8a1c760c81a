"""The app's connections to the Rasa servers: one aiohttp session, keep-alive
connections to each server.

Each conversation has a home server, chosen by a hash of its sender id, so a
conversation's messages are handled in order by one process. Conversations live in the
shared tracker store, so when the home server is down (restarting, say) another serves
the message instead; with REDIS_URL set, Rasa's Redis lock store keeps them in order
across servers too.

aiohttp rather than httpx: a message's hop to Rasa cost the app 0.5-0.6 ms of CPU
through httpx and 0.05 ms through aiohttp (same server, same body, sequential), and at
one user that hop is on every answer's path."""

import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp.http_exceptions import HttpProcessingError

from storage.settings import Settings

# Below `rasa run`'s keep-alive (120 s), so the app never sends on a connection Rasa is
# closing, and long enough that someone typing at a person's pace reuses one.
KEEPALIVE_SECONDS = 60.0
CONNECT_SECONDS = 2.0

# What a failed hop raises: the connection, the HTTP exchange (a streamed line over
# aiohttp's limit included), or a timeout.
HopFailed = (aiohttp.ClientError, HttpProcessingError, TimeoutError)


def home_server(sender: str, servers: int) -> int:
    """The index of the conversation's home server among `servers`. crc32 is stable
    across processes and restarts, unlike hash()."""
    return zlib.crc32(sender.encode()) % servers


class RasaWorkers:
    def __init__(self, settings: Settings) -> None:
        self.urls = [url.rstrip("/") for url in settings.rasa_urls]
        self.params = {"token": settings.rasa_token} if settings.rasa_token else {}
        # As httpx counted: the wait for a free connection and each read are bounded by
        # the Rasa timeout, opening a connection by 2 s; a streamed answer may take
        # longer in all.
        waits = settings.rasa_timeout_seconds
        self.timeout = aiohttp.ClientTimeout(
            total=None, connect=waits, sock_connect=CONNECT_SECONDS, sock_read=waits
        )
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        """Opens the connection pool; it needs the running event loop."""
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=0, limit_per_host=100, keepalive_timeout=KEEPALIVE_SECONDS
            ),
            timeout=self.timeout,
        )

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("RasaWorkers.open() was not awaited (the app's lifespan does)")
        return self._session

    def for_sender(self, sender: str) -> list[str]:
        """The servers to try for this conversation: its home server first."""
        home = home_server(sender, len(self.urls))
        return self.urls[home:] + self.urls[:home]

    async def post(self, sender: str, path: str, payload: dict) -> tuple[int, bytes]:
        """POSTs for this conversation to its home server, or to the next one that
        accepts the connection; returns the status and the body. Only a refused
        connection moves on: a server that accepted the message may still be working on
        it. Raises one of HopFailed."""
        servers = self.for_sender(sender)
        for server in servers[:-1]:
            try:
                return await self._post(server + path, payload)
            except aiohttp.ClientConnectorError:
                continue
        return await self._post(servers[-1] + path, payload)

    async def _post(self, url: str, payload: dict) -> tuple[int, bytes]:
        async with self.session.post(url, json=payload, params=self.params) as response:
            return response.status, await response.read()

    @asynccontextmanager
    async def stream(
        self, sender: str, path: str, payload: dict, params: dict
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Like `post`, for a streamed answer: the first server to accept the connection."""
        servers = self.for_sender(sender)
        for server in servers:
            try:
                async with self.session.post(
                    server + path, json=payload, params={**self.params, **params}
                ) as response:
                    yield response
                    return
            except aiohttp.ClientConnectorError:
                if server is servers[-1]:
                    raise

    async def get(self, url: str, seconds: float, params: dict | None = None) -> tuple[int, bytes]:
        """A GET on this session, for the health probes (Rasa's and the action server's)."""
        timeout = aiohttp.ClientTimeout(total=seconds)
        async with self.session.get(url, params=params, timeout=timeout) as response:
            return response.status, await response.read()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
