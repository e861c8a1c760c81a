"""Any action no listener knows (a button from an older version, a forged id)."""

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.staff import tell
from storage.catalogue import text


async def unknown(ack: AsyncAck, body: dict, client: AsyncWebClient) -> None:
    await ack()
    await tell(client, body, text("slack.unknown_action"))
