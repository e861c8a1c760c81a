"""The language to write to a person in their Slack DM, and to name to the assistant as
the conversation's language hint (`{"language": "es"}` in the message's metadata).

The language kept on their contact comes first: it is the one they last used with the
assistant (storage.contacts.keep_language follows every switch). Someone who never
submitted has no contact; their Slack locale is used then (users.info with
include_locale, which needs the users:read scope), else English. What the person writes
still decides the conversation's language (nlu/language_detector.py); this is only where
a new conversation starts, and the language of the few texts the Slack front end writes
itself.

A Slack locale is asked once per user and kept for an hour (a failed look-up for five
minutes), so a conversation costs Slack one users.info call, not one per message."""

import asyncio
import logging
import time
from collections import OrderedDict

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import SQLAlchemyError

from storage import contacts
from storage.db import session_scope
from storage.languages import DEFAULT_LANGUAGE, supported

logger = logging.getLogger(__name__)
LOCALE_KEPT_SECONDS = 3600.0
FAILED_LOOK_UP_KEPT_SECONDS = 300.0
USERS_KEPT = 10_000
# user id: (when the locale may be asked again, the supported language it named or None)
_locales: OrderedDict[str, tuple[float, str | None]] = OrderedDict()


def _contact_language(database_url: str, sender: str) -> str | None:
    """The language on the contact of this chat identity's latest submission, or None
    when it never submitted."""
    with session_scope(database_url) as session:
        submission = contacts.latest_submission_of_sender(session, sender)
        if submission is None or submission.contact_id is None:
            return None
        return contacts.language_of(session, submission.contact_id)


async def _slack_locale(client: AsyncWebClient, user: str) -> str | None:
    """The supported language of the user's Slack locale ("es-LA" -> "es"), or None."""
    now = time.monotonic()
    kept = _locales.get(user)
    if kept is not None and kept[0] > now:
        return kept[1]
    try:
        answer = await client.users_info(user=user, include_locale=True)
        language = supported(str((answer.get("user") or {}).get("locale") or ""))
        kept_for = LOCALE_KEPT_SECONDS
    except (SlackApiError, aiohttp.ClientError, OSError) as problem:
        # A missing users:read scope, a rate limit, Slack down: English until asked again.
        logger.warning("Slack: could not read a user's locale: %s", type(problem).__name__)
        language, kept_for = None, FAILED_LOOK_UP_KEPT_SECONDS
    _locales[user] = (now + kept_for, language)
    _locales.move_to_end(user)
    while len(_locales) > USERS_KEPT:
        _locales.popitem(last=False)
    return language


async def language_of(client: AsyncWebClient, database_url: str, sender: str, user: str) -> str:
    """ "en" or "es": the contact's language, else the Slack locale's, else English."""
    try:
        kept = await asyncio.to_thread(_contact_language, database_url, sender)
    except SQLAlchemyError as problem:
        logger.warning("Slack: could not read a contact's language: %s", type(problem).__name__)
        kept = None
    return kept or await _slack_locale(client, user) or DEFAULT_LANGUAGE
