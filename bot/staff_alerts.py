"""Posts what staff must see (handoff requests) to the Slack triage channel.

What is due lives in the database: a request is claimed by a conditional update
before it is posted and released again if posting fails, so the action server
(right away) and the scheduler (every minute, for anything missed) never post the
same request twice, even from two instances.
"""

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import Settings
from storage import repository
from storage.db import session_scope
from storage.models import HandoffRequest

logger = logging.getLogger(__name__)

# What the person is promised in chat, and what staff are reminded of.
HANDOFF_ANSWER_TIME = "within 2 business days"


def slack_escape(text: str) -> str:
    """Slack's mrkdwn reads &, < and > as markup; user text must not be."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def handoff_message(request: HandoffRequest) -> str:
    lines = [
        f":wave: *Someone asked to talk to a person* (request #{request.id}, "
        f"{request.channel} chat)",
        f"*About:* {slack_escape(request.topic)}",
        f"*Reach them at:* {slack_escape(request.contact or 'no contact given')}",
    ]
    if request.reference:
        lines.append(f"*Submission:* {request.reference}")
    lines.append(f"They were told to expect an answer {HANDOFF_ANSWER_TIME}.")
    return "\n".join(lines)


def notify_pending_handoffs(settings: Settings) -> int:
    """Posts every not-yet-posted handoff request; returns how many were posted."""
    if not settings.slack_enabled or not settings.slack_triage_channel:
        return 0
    with session_scope(settings.database_url) as session:
        claimed = repository.claim_handoffs_to_notify(session)
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)
    posted = 0
    for request in claimed:
        try:
            client.chat_postMessage(
                channel=settings.slack_triage_channel, text=handoff_message(request)
            )
            posted += 1
        except (SlackApiError, OSError) as problem:
            logger.warning("could not post handoff #%s to Slack: %s", request.id, problem)
            with session_scope(settings.database_url) as session:
                repository.release_handoff(session, request.id)
    return posted
