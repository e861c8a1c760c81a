"""The app's one connection pool to the Rasa server (keep-alive, bounded)."""

import httpx

from bot.settings import Settings


def create_rasa_client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=settings.rasa_url,
        timeout=httpx.Timeout(30.0, connect=2.0),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
    )
