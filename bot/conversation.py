"""One message from a person to the assistant, whatever the channel (web chat, any Rasa
REST client, Slack): checked, then passed to the Rasa worker that holds the conversation.

Whatever happens to Rasa (starting, restarting, killed mid-answer, answering nothing),
the person gets a reply: the assistant's own, or one saying it is restarting and that
nothing given so far is lost. An empty answer counts as a failure too: every message the
assistant understands gets at least one reply, so silence means a part of it is down."""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.rasa_client import HopFailed, RasaWorkers, addressable
from storage import db
from storage.catalogue import text
from storage.conversation_language import language_slot as conversation_language_slot
from storage.identity import is_named_by_client
from storage.languages import DEFAULT_LANGUAGE
from storage.settings import get_settings
from storage.workflow import info_requests

logger = logging.getLogger(__name__)
WEBHOOK = "/webhooks/rest/webhook"
# Tells the rules (nlu/rules.yml) that staff wait for this person's answer, so that this
# message may be it (actions/typed_answer.py looks again and sets it back to false).
QUESTION_OPEN = [{"event": "slot", "name": "question_open", "value": True}]


class AssistantUnavailable(Exception):
    """Rasa did not answer (starting, restarting, overloaded); nothing was lost."""


def refusal(message: str, language: str = DEFAULT_LANGUAGE) -> str | None:
    """A polite answer, in `language`, for a message the assistant should not receive,
    else None."""
    limit = get_settings().max_message_chars
    if not message.strip():
        return text("chat.empty", language)
    if len(message) > limit:
        return text("chat.too_long", language, length=f"{len(message):,}", limit=f"{limit:,}")
    return None


def restarting(sender: str, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """The reply, in Rasa's format, for a message the assistant could not answer."""
    return {"recipient_id": sender, "text": text("chat.restarting", language)}


def _request(sender: str, message: str, metadata: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {"sender": sender, "message": message}
    if metadata:
        body["metadata"] = metadata  # Rasa's REST channel puts it on the user's message
    return body


def _is_reply(value: object) -> bool:
    # Rasa's output channels always address a reply to its recipient.
    return isinstance(value, dict) and "recipient_id" in value


def _question_waits(sender: str) -> bool:
    return db.in_single_statements(
        get_settings().database_url, lambda c: info_requests.has_open_question(c, sender)
    )


async def flag_open_question(rasa: RasaWorkers, sender: str) -> None:
    """Before a message: when staff wait for this person's answer (they ask from Slack or
    the CLI, between two messages), sets `question_open` in the conversation, so the rules
    take the message to the typed-answer handling. Nobody else pays more than one indexed
    query: no custom action runs in front of every rule. (Asking the database from an
    action before each message cost a round trip to the action server with the whole
    tracker.)

    A slot event through Rasa's HTTP API rather than the message's metadata, which no
    rule can read: appended on the server the message then goes to (its home, on the same
    connection pool), under Rasa's lock on the conversation, so it lands before the message
    and in the tracker the message is handled with; with several servers, the home
    routing keeps both there (and Redis' lock store keeps them in order across servers).
    If the question is answered or withdrawn in between, the action looks again and
    handles the message as usual. Raises AssistantUnavailable."""
    if is_named_by_client(sender) or not addressable(sender):
        # A REST client's sender id proves nothing (anyone may name it): there staff's
        # question is shown only with the private status code, so only the Answer button
        # (with the code) answers it; and Rasa's API cannot name every id.
        return
    try:
        waits = await asyncio.to_thread(_question_waits, sender)
    except SQLAlchemyError as problem:
        # The message still goes ahead: answered as usual (the Answer button still works).
        logger.warning("Could not look for an open question: %s", type(problem).__name__)
        return
    if waits:
        await _answered(rasa.append_events(sender, QUESTION_OPEN))


async def _answered(hop: Awaitable[tuple[int, bytes]]) -> bytes:
    """The body of a Rasa call that answered 200; AssistantUnavailable otherwise."""
    try:
        status, body = await hop
    except HopFailed as problem:
        logger.warning("Rasa did not answer: %s", type(problem).__name__)
        raise AssistantUnavailable from problem
    if status != 200:
        logger.error("Rasa answered HTTP %s", status)
        raise AssistantUnavailable
    return body


async def converse(
    rasa: RasaWorkers, sender: str, message: str, metadata: dict[str, Any] | None = None
) -> list[dict]:
    """The assistant's replies, in Rasa's REST format (never empty).
    Raises AssistantUnavailable."""
    await flag_open_question(rasa, sender)
    body = await _answered(rasa.post(sender, WEBHOOK, _request(sender, message, metadata)))
    try:
        replies = json.loads(body)
    except ValueError:
        replies = None
    if not isinstance(replies, list) or not replies or not all(map(_is_reply, replies)):
        logger.warning("Rasa gave no usable reply")
        raise AssistantUnavailable
    return replies


async def converse_streaming(
    rasa: RasaWorkers,
    sender: str,
    message: str,
    metadata: dict[str, Any] | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> AsyncIterator[dict]:
    """The assistant's replies one by one, as Rasa sends them (its REST channel's
    `?stream=true` mode). Never raises and never ends without a reply: a failure before
    any reply, in the middle, or an answer with none ends with the 'restarting' one."""
    given = 0
    try:
        await flag_open_question(rasa, sender)
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
        yield restarting(sender, language)
        return
    if not given:
        logger.warning("Rasa gave no reply")
        yield restarting(sender, language)


async def conversation_language(sender: str) -> str | None:
    """The language the assistant now speaks with `sender` (the Rasa slot `language`, set
    by its language detector), or None when it never set one or it cannot be read.

    Read after the assistant answered, so the web page can follow a person who wrote
    Spanish on the English page. One indexed query on the app's side, for the page's
    messages only: asking Rasa for the tracker (GET .../tracker) would rebuild the whole
    conversation from its events on every message, and Rasa's REST replies carry no slot."""
    url = get_settings().database_url
    try:
        return await asyncio.to_thread(
            db.in_single_statements, url, lambda c: conversation_language_slot(c, sender)
        )
    except SQLAlchemyError as problem:  # no tracker table here (Rasa keeps it elsewhere)
        logger.debug("Could not read the conversation's language: %s", type(problem).__name__)
        return None
