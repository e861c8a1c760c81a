"""Snooze 3 business days, on a reminder: its reminders come again after that, once.
Pressed twice, it snoozes once (the button carries the snooze round it belongs to)."""

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.staff import in_transaction, pressed, staff_of, tell
from storage import workflow
from storage.catalogue import text


async def snooze(
    ack: AsyncAck, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    await ack()
    card = pressed(body)
    if card is None or card.snoozes is None:
        await tell(client, body, text("slack.unreadable_button"))
        return
    try:
        outcome = await in_transaction(
            context["settings"],
            lambda session: workflow.snooze(
                session,
                card.reference,
                staff_of(body),
                expected_snoozes=card.snoozes,
                expected_status=card.status,
            ),
        )
    except workflow.Refused as refused:
        await tell(client, body, str(refused))
        return
    await tell(client, body, outcome.message)
