"""Decline: opens the modal for the public reason (and an internal note)."""

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import modals
from bot.slack.staff import CardState, on_card


@on_card
async def decline(
    card: CardState, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    await client.views_open(
        trigger_id=body["trigger_id"], view=modals.decline(card.reference, card.status.value)
    )
