"""Request info: opens the modal where staff write their question for the submitter, in
the submitter's language."""

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.answers import submitter_language
from bot.slack.blocks import modals
from bot.slack.staff import CardState, as_shown, in_transaction, on_card


@on_card
async def request_info(
    card: CardState, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    language = await in_transaction(
        context["settings"], lambda session: submitter_language(session, as_shown(session, card))
    )
    await client.views_open(
        trigger_id=body["trigger_id"],
        view=modals.request_info(card.reference, card.status.value, card.version, language),
    )
