"""One message from a person to the assistant, whatever the channel (web chat, any Rasa
REST client, Slack): checked, then passed to the Rasa worker that holds the conversation."""

import logging

import httpx

from bot.rasa_client import RasaWorkers
from storage.catalogue import text
from storage.settings import get_settings

logger = logging.getLogger(__name__)


class AssistantUnavailable(Exception):
    """Rasa did not answer (starting, restarting, overloaded); nothing was lost."""


def refusal(message: str) -> str | None:
    """A polite answer for a message the assistant should not receive, else None."""
    limit = get_settings().max_message_chars
    if not message.strip():
        return text("chat.empty")
    if len(message) > limit:
        return text("chat.too_long", length=f"{len(message):,}", limit=f"{limit:,}")
    return None


async def converse(rasa: RasaWorkers, sender: str, message: str) -> list[dict]:
    """The assistant's replies, in Rasa's REST format. Raises AssistantUnavailable."""
    try:
        response = await rasa.post(
            sender, "/webhooks/rest/webhook", {"sender": sender, "message": message}
        )
    except httpx.HTTPError as problem:
        logger.warning("Rasa did not answer: %s", type(problem).__name__)
        raise AssistantUnavailable from problem
    if response.status_code != 200:
        logger.error("Rasa answered %s: %s", response.status_code, response.text[:500])
        raise AssistantUnavailable
    replies = response.json()
    if not isinstance(replies, list):
        raise AssistantUnavailable
    return replies
