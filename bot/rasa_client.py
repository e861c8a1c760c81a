"""The app's connections to the Rasa servers: one aiohttp session, keep-alive
connections to each server.

Each conversation has a home server, so that its messages find the tracker that
server kept (rasa_env/tracker_store.py). A new conversation's home is the server with
the fewest messages in flight, its sender id's hash breaking ties, and is remembered
while the server may still keep the tracker. By the hash alone, a few users' homes fall
unevenly on the servers, and the busier one sets the tail latency
(docs/performance/2026-11-28-1638.md). A forgotten home (the app restarted) costs one
read of the conversation from the database.
Conversations live in the shared tracker store, so when the home server is down
(restarting, say) another serves the message instead; with REDIS_URL set, Rasa's Redis
lock store keeps them in order across servers too.

aiohttp rather than httpx: the hop to Rasa is on every answer's path, and it cost the
app a tenth of the CPU through aiohttp (docs/performance/2026-11-28-1638.md)."""

import re
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import aiohttp
from aiohttp.http_exceptions import HttpProcessingError

from storage.settings import Settings

# Below `rasa run`'s keep-alive (120 s), so the app never sends on a connection Rasa is
# closing, and long enough that someone typing at a person's pace reuses one.
KEEPALIVE_SECONDS = 60.0
CONNECT_SECONDS = 2.0
# Homes remembered per server: a Rasa server keeps at most 500 trackers (15 minutes).
HOMES_PER_SERVER = 1000

# What a failed hop raises: the connection, the HTTP exchange (a streamed line over
# aiohttp's limit included), or a timeout.
HopFailed = (aiohttp.ClientError, HttpProcessingError, TimeoutError)


# Sender ids Rasa's HTTP API finds verbatim in its path (`/conversations/<id>/...`): its
# router does not unquote, so a percent-encoded id would name another conversation, and
# "." or ".." would be folded away. Every web chat and Slack identity is one; a REST
# client's own id usually is.
ADDRESSABLE = re.compile(r"[A-Za-z0-9_~@:+-][A-Za-z0-9._~@:+-]*")


def addressable(sender: str) -> bool:
    return ADDRESSABLE.fullmatch(sender) is not None


def home_server(sender: str, servers: int) -> int:
    """The index of the server the sender id's hash gives among `servers`: a new
    conversation's home when no server is busier than it. crc32 is stable across
    processes and restarts, unlike hash()."""
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
        self.in_flight = [0] * len(self.urls)
        self._homes: OrderedDict[str, int] = OrderedDict()

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

    def for_sender(self, sender: str) -> list[int]:
        """The servers to try for this conversation, by index: its home first."""
        home = self._homes.pop(sender, None)
        if home is None:
            home = home_server(sender, len(self.urls))
            fewest = min(self.in_flight)
            if self.in_flight[home] > fewest:
                home = self.in_flight.index(fewest)
        self._homes[sender] = home
        if len(self._homes) > HOMES_PER_SERVER * len(self.urls):
            self._homes.popitem(last=False)
        order = list(range(len(self.urls)))
        return order[home:] + order[:home]

    async def post(
        self, sender: str, path: str, payload: dict | list, params: dict | None = None
    ) -> tuple[int, bytes]:
        """POSTs for this conversation to its home server, or to the next one that
        accepts the connection; returns the status and the body. Only a refused
        connection moves on: a server that accepted the message may still be working on
        it. Raises one of HopFailed."""
        servers = self.for_sender(sender)
        for server in servers[:-1]:
            try:
                return await self._post(server, path, payload, params)
            except aiohttp.ClientConnectorError:
                continue
        return await self._post(servers[-1], path, payload, params)

    async def append_events(self, sender: str, events: list[dict]) -> tuple[int, bytes]:
        """Appends events to the conversation (Rasa's HTTP API), on the server its next
        message goes to; returns the status and the body, as `post` does. The sender id
        must be one Rasa's route takes verbatim (`addressable`). Raises one of HopFailed."""
        return await self.post(
            sender, f"/conversations/{sender}/tracker/events", events, {"include_events": "NONE"}
        )

    async def _post(
        self, server: int, path: str, payload: dict | list, params: dict | None = None
    ) -> tuple[int, bytes]:
        with self._in_flight(server):
            async with self.session.post(
                self.urls[server] + path, json=payload, params={**self.params, **(params or {})}
            ) as response:
                return response.status, await response.read()

    @contextmanager
    def _in_flight(self, server: int) -> Iterator[None]:
        """Counts a message as in flight on `server` until it is answered."""
        self.in_flight[server] += 1
        try:
            yield
        finally:
            self.in_flight[server] -= 1

    @asynccontextmanager
    async def stream(
        self, sender: str, path: str, payload: dict, params: dict
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Like `post`, for a streamed answer: the first server to accept the connection."""
        servers = self.for_sender(sender)
        for server in servers:
            try:
                with self._in_flight(server):
                    async with self.session.post(
                        self.urls[server] + path, json=payload, params={**self.params, **params}
                    ) as response:
                        yield response
                        return
            except aiohttp.ClientConnectorError:
                if server == servers[-1]:
                    raise

    async def get(self, url: str, seconds: float, params: dict | None = None) -> tuple[int, bytes]:
        """A GET on this session, for the health probes (Rasa's and the action server's)."""
        timeout = aiohttp.ClientTimeout(total=seconds)
        async with self.session.get(url, params=params, timeout=timeout) as response:
            return response.status, await response.read()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
