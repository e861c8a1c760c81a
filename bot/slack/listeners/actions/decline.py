"""Decline: opens the modal for the public reason (in the submitter's language) and an
internal note. Leads only."""

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.answers import submitter_language
from bot.slack.blocks import modals
from bot.slack.staff import (
    CardState,
    as_shown,
    in_transaction,
    on_card,
    staff_of,
)
from storage.workflow import roles


@on_card
async def decline(
    card: CardState, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    def check(session) -> str:
        roles.require_lead(session, staff_of(context), "decline")
        return submitter_language(session, as_shown(session, card))

    language = await in_transaction(context["settings"], check)
    await client.views_open(
        trigger_id=body["trigger_id"],
        view=modals.decline(card.reference, card.status.value, card.version, language),
    )
