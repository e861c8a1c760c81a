"""Assign to me: one click makes the person who pressed it the evaluator."""

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.staff import CardState, in_transaction, on_card, staff_of
from storage import workflow


@on_card
async def assign(
    card: CardState, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> str:
    outcome = await in_transaction(
        context["settings"],
        lambda session: workflow.assign(
            session, card.reference, staff_of(body), expected_assignee=card.assignee
        ),
    )
    return outcome.message
