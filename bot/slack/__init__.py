"""The Slack front end (slack-bolt). On only when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET
are set; bolt verifies every request's signature and timestamp (401 otherwise)."""

import logging

from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings

logger = logging.getLogger(__name__)


def create_slack_handler(settings: Settings) -> AsyncSlackRequestHandler | None:
    if not settings.slack_enabled:
        logger.info("Slack: off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to turn it on)")
        return None
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    app = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret,
        # Slack retries an event it thinks timed out; bolt acks first, so drop retries.
        ignoring_self_events_enabled=True,
    )
    logger.info("Slack: on (triage channel %s)", settings.slack_triage_channel or "not set")
    return AsyncSlackRequestHandler(app)
