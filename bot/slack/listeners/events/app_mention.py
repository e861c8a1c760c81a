"""Someone mentions the app in a channel: it answers in a direct message, so what they
go on to tell it (a proposal, contact details) is not posted where others read."""

import re

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.chat_bridge import language_of, talk
from bot.slack.text import from_slack
from storage.catalogue import text

MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
# A mention with nothing else said is a greeting, in whatever language: the intent itself.
GREETING = "/greet"


async def app_mention(event: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
    user = event.get("user")
    if not user or event.get("bot_id") or user == context.bot_user_id:
        return
    message = from_slack(MENTION.sub("", event.get("text", ""))).strip() or GREETING
    team = context.team_id or event.get("team") or "T0"
    language = await language_of(client, team, user)
    await client.chat_postEphemeral(
        channel=event["channel"], user=user, text=text("slack_dm.answered_in_dm", language)
    )
    opened = await client.conversations_open(users=user)
    await talk(context["rasa"], client, team, user, opened["channel"]["id"], message, language)
