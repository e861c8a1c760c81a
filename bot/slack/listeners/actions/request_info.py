"""Request info: opens the modal where staff write their question for the submitter."""

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import modals
from bot.slack.staff import pressed, tell
from storage.catalogue import text


async def request_info(ack: AsyncAck, body: dict, client: AsyncWebClient) -> None:
    await ack()
    card = pressed(body)
    if card is None:
        await tell(client, body, text("slack.unreadable_button"))
        return
    await client.views_open(
        trigger_id=body["trigger_id"], view=modals.request_info(card.reference, card.status.value)
    )
