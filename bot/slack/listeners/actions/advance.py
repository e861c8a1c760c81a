"""Advance: opens the modal to choose where the submission goes next (only the moves
the workflow allows from its current status are offered)."""

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import modals
from bot.slack.staff import in_transaction, pressed, tell
from storage import workflow
from storage.catalogue import text


async def advance(
    ack: AsyncAck, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    await ack()
    card = pressed(body)
    if card is None:
        await tell(client, body, text("slack.unreadable_button"))
        return

    def targets(session):
        submission = workflow.find(session, card.reference)
        return submission.status, workflow.advance_targets(submission)

    try:
        status, moves = await in_transaction(context["settings"], targets)
    except workflow.Refused as refused:
        await tell(client, body, str(refused))
        return
    if status is not card.status:
        await tell(
            client,
            body,
            text("workflow.already_moved", reference=card.reference, status=status.value),
        )
        return
    if not moves:
        await tell(
            client,
            body,
            text("slack.cannot_advance", reference=card.reference, status=status.value),
        )
        return
    await client.views_open(
        trigger_id=body["trigger_id"], view=modals.advance(card.reference, status.value, moves)
    )
