"""Advance: opens the modal to choose where the submission goes next (only the moves
the workflow allows from its current status are offered)."""

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import modals
from bot.slack.staff import CardState, in_transaction, on_card
from storage import workflow
from storage.catalogue import text


@on_card
async def advance(
    card: CardState, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> str | None:
    def targets(session):
        submission = workflow.find(session, card.reference)
        return submission.status, workflow.advance_targets(submission)

    status, moves = await in_transaction(context["settings"], targets)
    if status is not card.status:
        return text("workflow.already_moved", reference=card.reference, status=status.value)
    if not moves:
        return text("slack.cannot_advance", reference=card.reference, status=status.value)
    await client.views_open(
        trigger_id=body["trigger_id"], view=modals.advance(card.reference, status.value, moves)
    )
    return None
