"""Snooze 3 business days, on a reminder: the owner's reminders come again after that,
once. Pressed twice, or on a reminder of an earlier stay, it snoozes once (the button
carries the snooze round and the status it belongs to; see storage.workflow.holds.snooze for
why not the version)."""

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.staff import CardState, in_transaction, on_card, staff_of
from storage.catalogue import text
from storage.workflow import holds


@on_card
async def snooze(
    card: CardState, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> str:
    if card.snoozes is None:  # not a reminder's button
        return text("slack.unreadable_button")
    outcome = await in_transaction(
        context["settings"],
        lambda session: holds.snooze(
            session,
            card.reference,
            staff_of(context),
            expected_snoozes=card.snoozes,
            expected_status=card.status,
        ),
    )
    return outcome.message
