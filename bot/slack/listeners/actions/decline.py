"""Decline: opens the modal for the public reason (and an internal note)."""

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import modals
from bot.slack.staff import pressed, tell
from storage.catalogue import text


async def decline(ack: AsyncAck, body: dict, client: AsyncWebClient) -> None:
    await ack()
    card = pressed(body)
    if card is None:
        await tell(client, body, text("slack.unreadable_button"))
        return
    await client.views_open(
        trigger_id=body["trigger_id"], view=modals.decline(card.reference, card.status.value)
    )
