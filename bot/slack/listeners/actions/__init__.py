"""Actions: buttons and menus, in the assistant's replies, on triage cards (their pilot
section included) and on reminders. Each
listener acknowledges first and works after, so Slack never waits more than a moment."""

import re

from slack_bolt.async_app import AsyncApp

from bot.slack.blocks import chat, pilot_card, triage_card
from bot.slack.listeners.actions.advance import advance
from bot.slack.listeners.actions.assign import assign
from bot.slack.listeners.actions.blocked import blocked
from bot.slack.listeners.actions.chat_choice import chat_choice
from bot.slack.listeners.actions.decline import decline
from bot.slack.listeners.actions.details import details
from bot.slack.listeners.actions.pilot_approve import pilot_approve
from bot.slack.listeners.actions.pilot_decide import pilot_decide
from bot.slack.listeners.actions.pilot_edit import pilot_edit
from bot.slack.listeners.actions.pilot_record import pilot_record
from bot.slack.listeners.actions.pilot_terms import pilot_terms
from bot.slack.listeners.actions.request_info import request_info
from bot.slack.listeners.actions.score import score
from bot.slack.listeners.actions.snooze import snooze
from bot.slack.listeners.actions.unknown import unknown


def register(app: AsyncApp) -> None:
    app.action(re.compile(rf"^{chat.CHOICE}"))(chat_choice)
    app.action(triage_card.ASSIGN)(assign)
    app.action(triage_card.REQUEST_INFO)(request_info)
    app.action(triage_card.ADVANCE)(advance)
    app.action(triage_card.DECLINE)(decline)
    app.action(triage_card.SCORE)(score)
    app.action(triage_card.DETAILS)(details)
    app.action(triage_card.BLOCKED)(blocked)
    app.action(triage_card.SNOOZE)(snooze)
    app.action(pilot_card.APPROVE)(pilot_approve)
    app.action(pilot_card.RECORD)(pilot_record)
    app.action(pilot_card.DECIDE)(pilot_decide)
    app.action(pilot_card.TERMS)(pilot_terms)
    app.action(pilot_card.EDIT)(pilot_edit)
    # Last: any other action (an old button, a forged id) gets an answer, not an error.
    app.action(re.compile(".*"))(unknown)
