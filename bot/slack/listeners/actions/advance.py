"""Advance: opens the modal to choose where the submission goes next (only the moves
the workflow allows from its current status are offered), with the reason for the
submitter in their language. Leads only."""

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.answers import submitter_language
from bot.slack.blocks import modals
from bot.slack.staff import (
    CardState,
    as_shown,
    in_transaction,
    on_card,
    staff_of,
)
from storage.catalogue import text
from storage.workflow import roles, rules, versions


@on_card
async def advance(
    card: CardState, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> str | None:
    def targets(session):
        roles.require_lead(session, staff_of(context), "advance")
        submission = versions.find(session, card.reference)
        if submission.status is not card.status:
            return submission.status, None, None
        as_shown(session, card)
        moves = rules.advance_targets(submission)
        return submission.status, moves, submitter_language(session, submission)

    status, moves, language = await in_transaction(context["settings"], targets)
    if moves is None:
        return text("workflow.already_moved", reference=card.reference, status=status.value)
    if not moves:
        return text("slack.cannot_advance", reference=card.reference, status=status.value)
    await client.views_open(
        trigger_id=body["trigger_id"],
        view=modals.advance(card.reference, status.value, card.version, moves, language),
    )
    return None
