"""Events: direct messages to the app, and mentions of it in channels."""

from slack_bolt.async_app import AsyncApp

from bot.slack.listeners.events.app_mention import app_mention
from bot.slack.listeners.events.direct_message import direct_message


def register(app: AsyncApp) -> None:
    app.event("message")(direct_message)
    app.event("app_mention")(app_mention)
