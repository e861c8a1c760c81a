"""The app's Slack front end: bolt's app, its listeners, the HTTP endpoint and Socket
Mode, started and stopped with the app."""

import asyncio
import contextlib
import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.rasa_client import RasaWorkers
from bot.slack import listeners
from bot.slack.endpoint import SlackEndpoint
from storage.settings import Settings

logger = logging.getLogger(__name__)


class SlackFrontEnd:
    def __init__(self, settings: Settings, rasa: RasaWorkers) -> None:
        client = AsyncWebClient(
            token=settings.slack_bot_token,
            base_url=settings.slack_api_url,
            timeout=int(settings.send_timeout_seconds),
        )
        self.app = AsyncApp(
            client=client,
            signing_secret=settings.slack_signing_secret,
            # Signatures are checked by SlackEndpoint (HTTP); Socket Mode is not signed.
            request_verification_enabled=False,
        )
        listeners.register(self.app, settings, rasa)
        self.endpoint = SlackEndpoint(settings, self.app)
        self.socket_mode = (
            AsyncSocketModeHandler(self.app, settings.slack_app_token)
            if settings.slack_app_token
            else None
        )
        self._connecting: asyncio.Task | None = None

    async def _connect(self) -> None:
        """Connects Socket Mode, retrying while Slack cannot be reached, so the app starts
        (and serves the web chat) whatever Slack's state; the client reconnects by itself
        once connected."""
        assert self.socket_mode is not None
        delay = 1.0
        while True:
            try:
                await self.socket_mode.connect_async()
                logger.info("Slack: Socket Mode connected")
                return
            except Exception as problem:  # any failure to connect is retried, whatever it is
                logger.warning("Slack: Socket Mode not connected (%s); retrying", problem)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)

    async def start(self) -> None:
        if self.socket_mode is not None:
            self._connecting = asyncio.create_task(self._connect())

    async def stop(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
        if self.socket_mode is not None:
            await self.socket_mode.close_async()


def create_slack(settings: Settings, rasa: RasaWorkers) -> SlackFrontEnd | None:
    if not settings.slack_enabled:
        logger.info("Slack: off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to turn it on)")
        return None
    logger.info(
        "Slack: on (%s; triage channel %s)",
        "Socket Mode and HTTP" if settings.slack_app_token else "HTTP events at /slack/events",
        settings.slack_triage_channel or "not set",
    )
    return SlackFrontEnd(settings, rasa)
