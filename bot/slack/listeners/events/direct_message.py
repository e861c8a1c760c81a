"""A person writes to the app in a direct message: the conversation goes to Rasa."""

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.chat_bridge import talk
from bot.slack.text import from_slack

# Message subtypes that are something a person said (edits, joins, bots' posts are not).
SPOKEN = {None, "file_share", "thread_broadcast"}


async def direct_message(event: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
    if event.get("channel_type") != "im" or event.get("subtype") not in SPOKEN:
        return
    user = event.get("user")
    if not user or event.get("bot_id") or user == context.bot_user_id:
        return  # our own messages, or another app's
    team = context.team_id or event.get("team") or "T0"
    await talk(
        context["rasa"], client, team, user, event["channel"], from_slack(event.get("text", ""))
    )
