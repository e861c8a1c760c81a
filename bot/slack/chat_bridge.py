"""A person talking to the assistant in Slack: their message goes to Rasa under their
Slack chat identity, with their language as the conversation's hint (bot/slack/
person_language.py), and each reply comes back as a Block Kit message in their DM.

One person's messages are handled one at a time, in order, replies included, so two
events Slack delivers together cannot interleave their answers."""

import asyncio
import logging
import weakref

from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation import AssistantUnavailable, converse, refusal
from bot.rasa_client import RasaWorkers
from bot.slack import person_language
from bot.slack.blocks import chat
from storage.catalogue import text
from storage.identity import slack_sender
from storage.intake_limits import with_client
from storage.settings import get_settings

logger = logging.getLogger(__name__)
_turns: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def _turn_of(sender: str) -> asyncio.Lock:
    lock = _turns.get(sender)
    if lock is None:
        lock = asyncio.Lock()
        _turns[sender] = lock
    return lock


async def language_of(client: AsyncWebClient, team: str, user: str) -> str:
    """The language to write to this Slack user in (bot/slack/person_language.py)."""
    return await person_language.language_of(
        client, get_settings().database_url, slack_sender(team, user), user
    )


async def talk(
    rasa: RasaWorkers,
    client: AsyncWebClient,
    team: str,
    user: str,
    channel: str,
    message: str,
    language: str | None = None,
) -> None:
    """Sends what `user` said to the assistant and posts its replies to `channel`;
    `language` when the caller already looked it up."""
    sender = slack_sender(team, user)
    async with _turn_of(sender):
        language = language or await language_of(client, team, user)
        polite = refusal(message, language)
        if polite:
            replies = [{"text": polite}]
        else:
            # In Slack the client the assistant's limits count is the user.
            metadata = with_client({"language": language}, sender)
            try:
                replies = await converse(rasa, sender, message, metadata)
            except AssistantUnavailable:
                replies = [{"text": text("chat.restarting", language)}]
        for reply in replies or [{"text": text("chat.restarting", language)}]:
            await client.chat_postMessage(
                channel=channel,
                unfurl_links=False,
                unfurl_media=False,
                **chat.message(reply, language),
            )
