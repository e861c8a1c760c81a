"""A person picks one of the assistant's suggested answers (a button or a menu item):
the choice is shown in place of the choices, and its payload (an intent or a code, such
as `/choose{"choice":"mobility"}` or `/affirm`) goes to the assistant unchanged as what
they said, exactly as a click in the web chat does."""

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import chat
from bot.slack.chat_bridge import language_of, talk
from storage.catalogue import text


async def chat_choice(
    ack: AsyncAck, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    await ack()
    action = (body.get("actions") or [{}])[0]
    option = action.get("selected_option") or {}
    payload = option.get("value") or action.get("value")
    channel = (body.get("channel") or {}).get("id")
    message = body.get("message") or {}
    if not isinstance(payload, str) or not channel:
        return
    blocks = message.get("blocks") or []
    title = (option.get("text") or action.get("text") or {}).get("text") or chat.title_of(
        blocks, str(action.get("action_id") or ""), payload
    )
    team = context.team_id or (body.get("team") or {}).get("id") or "T0"
    user = body["user"]["id"]
    language = await language_of(client, team, user)
    if message.get("ts"):
        await client.chat_update(
            channel=channel,
            ts=message["ts"],
            text=message.get("text") or title or text("slack_dm.choose", language),
            blocks=chat.answered(blocks, title, language),
        )
    await talk(context["rasa"], client, team, user, channel, payload, language)
