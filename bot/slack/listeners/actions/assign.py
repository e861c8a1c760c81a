"""Assign to me: one click makes the person who pressed it the evaluator."""

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.staff import in_transaction, pressed, staff_of, tell
from storage import workflow
from storage.catalogue import text


async def assign(
    ack: AsyncAck, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    await ack()
    card = pressed(body)
    if card is None:
        await tell(client, body, text("slack.unreadable_button"))
        return
    try:
        outcome = await in_transaction(
            context["settings"],
            lambda session: workflow.assign(
                session, card.reference, staff_of(body), expected_assignee=card.assignee
            ),
        )
    except workflow.Refused as refused:
        await tell(client, body, str(refused))
        return
    await tell(client, body, outcome.message)
