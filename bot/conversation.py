"""One message from a person to the assistant, whatever the channel (web chat, any Rasa
REST client, Slack): checked, then passed to the Rasa worker that holds the conversation.

Whatever happens to Rasa (starting, restarting, killed mid-answer, answering nothing),
the person gets a reply: the assistant's own, or one saying it is restarting and that
nothing given so far is lost. An empty answer counts as a failure too: every message the
assistant understands gets at least one reply, so silence means a part of it is down."""

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from bot.rasa_client import HopFailed, RasaWorkers
from storage.catalogue import text
from storage.settings import get_settings

logger = logging.getLogger(__name__)
WEBHOOK = "/webhooks/rest/webhook"


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


def restarting(sender: str) -> dict[str, Any]:
    """The reply, in Rasa's format, for a message the assistant could not answer."""
    return {"recipient_id": sender, "text": text("chat.restarting")}


def _request(sender: str, message: str, metadata: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {"sender": sender, "message": message}
    if metadata:
        body["metadata"] = metadata  # Rasa's REST channel puts it on the user's message
    return body


def _is_reply(value: object) -> bool:
    # Rasa's output channels always address a reply to its recipient.
    return isinstance(value, dict) and "recipient_id" in value


async def converse(
    rasa: RasaWorkers, sender: str, message: str, metadata: dict[str, Any] | None = None
) -> list[dict]:
    """The assistant's replies, in Rasa's REST format (never empty).
    Raises AssistantUnavailable."""
    try:
        status, body = await rasa.post(sender, WEBHOOK, _request(sender, message, metadata))
    except HopFailed as problem:
        logger.warning("Rasa did not answer: %s", type(problem).__name__)
        raise AssistantUnavailable from problem
    if status != 200:
        logger.error("Rasa answered HTTP %s", status)
        raise AssistantUnavailable
    try:
        replies = json.loads(body)
    except ValueError:
        replies = None
    if not isinstance(replies, list) or not replies or not all(map(_is_reply, replies)):
        logger.warning("Rasa gave no usable reply")
        raise AssistantUnavailable
    return replies


async def converse_streaming(
    rasa: RasaWorkers, sender: str, message: str, metadata: dict[str, Any] | None = None
) -> AsyncIterator[dict]:
    """The assistant's replies one by one, as Rasa sends them (its REST channel's
    `?stream=true` mode). Never raises and never ends without a reply: a failure before
    any reply, in the middle, or an answer with none ends with the 'restarting' one."""
    given = 0
    try:
        async with rasa.stream(
            sender, WEBHOOK, _request(sender, message, metadata), {"stream": "true"}
        ) as response:
            if response.status != 200:
                logger.error("Rasa answered HTTP %s", response.status)
                raise AssistantUnavailable
            async for line in response.content:  # line by line, as Rasa flushes them
                if not line.strip():
                    continue
                reply = json.loads(line)
                if not _is_reply(reply):
                    raise AssistantUnavailable
                given += 1
                yield reply
    except (*HopFailed, ValueError, AssistantUnavailable) as problem:
        logger.warning(
            "Rasa stopped answering after %d replies: %s",
            given,
            type(problem).__name__,
        )
        yield restarting(sender)
        return
    if not given:
        logger.warning("Rasa gave no reply")
        yield restarting(sender)
