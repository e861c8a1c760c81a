"""Views: the modals staff submit. Each answers Slack with the outcome in the modal
itself (or the field that needs fixing), within Slack's three seconds."""

from slack_bolt.async_app import AsyncApp

from bot.slack.blocks import modals, pilot_modals, pilot_plan_modal
from bot.slack.listeners.views.advance import advance
from bot.slack.listeners.views.conflict import conflict
from bot.slack.listeners.views.decline import decline
from bot.slack.listeners.views.pilot_approve import pilot_approve
from bot.slack.listeners.views.pilot_decide import pilot_decide
from bot.slack.listeners.views.pilot_edit import pilot_edit
from bot.slack.listeners.views.pilot_record import pilot_record
from bot.slack.listeners.views.request_info import request_info
from bot.slack.listeners.views.score import score


def register(app: AsyncApp) -> None:
    app.view(modals.REQUEST_INFO)(request_info)
    app.view(modals.ADVANCE)(advance)
    app.view(modals.DECLINE)(decline)
    app.view(modals.CONFLICT)(conflict)
    app.view(modals.SCORE)(score)
    app.view(pilot_modals.APPROVE)(pilot_approve)
    app.view(pilot_modals.RECORD)(pilot_record)
    app.view(pilot_modals.DECIDE)(pilot_decide)
    app.view(pilot_plan_modal.EDIT)(pilot_edit)
