"""The app's connections to the Rasa workers: one keep-alive pool per worker, and every
conversation pinned to one worker by its sender id (each worker keeps its own
conversations in memory)."""

import zlib

import httpx

from storage.settings import Settings


class RasaWorkers:
    def __init__(self, settings: Settings) -> None:
        self.clients = [
            httpx.AsyncClient(
                base_url=url,
                timeout=httpx.Timeout(settings.rasa_timeout_seconds, connect=2.0),
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
            )
            for url in settings.rasa_urls
        ]

    def for_sender(self, sender: str) -> httpx.AsyncClient:
        # crc32 is stable across processes and restarts, unlike hash().
        return self.clients[zlib.crc32(sender.encode()) % len(self.clients)]

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()
