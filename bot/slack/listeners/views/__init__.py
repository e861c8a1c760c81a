"""Views: the modals staff submit. Each answers Slack with the outcome in the modal
itself (or the field that needs fixing), within Slack's three seconds."""

from slack_bolt.async_app import AsyncApp

from bot.slack.blocks import modals
from bot.slack.listeners.views.advance import advance
from bot.slack.listeners.views.conflict import conflict
from bot.slack.listeners.views.decline import decline
from bot.slack.listeners.views.request_info import request_info
from bot.slack.listeners.views.score import score


def register(app: AsyncApp) -> None:
    app.view(modals.REQUEST_INFO)(request_info)
    app.view(modals.ADVANCE)(advance)
    app.view(modals.DECLINE)(decline)
    app.view(modals.CONFLICT)(conflict)
    app.view(modals.SCORE)(score)
