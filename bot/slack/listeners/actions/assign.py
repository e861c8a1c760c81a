"""Assign to me: the person who pressed owns the evaluation (an evaluator only what
nobody owns; a lead may take it over, after a confirmation on the button)."""

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.staff import CardState, in_transaction, on_card, staff_of
from storage.workflow import evaluation


@on_card
async def assign(
    card: CardState, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> str:
    outcome = await in_transaction(
        context["settings"],
        lambda session: evaluation.assign(
            session,
            card.reference,
            staff_of(context),
            expected_assignee=card.assignee,
            expected_version=card.version,
        ),
    )
    return outcome.message
