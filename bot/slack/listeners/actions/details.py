"""Details: the whole submission in a modal. Confidential answers are in it only for
leads and the assigned evaluator, and each time they are opened it is recorded."""

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.answers import submitter_language
from bot.slack.blocks import modals
from bot.slack.staff import CardState, in_transaction, on_card, staff_of
from storage import triage
from storage.workflow import evaluation, versions


@on_card
async def details(
    card: CardState, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    staff = staff_of(context)

    def read(session):
        submission = versions.find(session, card.reference)
        allowed = evaluation.may_see_confidential(session, submission, staff)
        found = triage.details(session, submission, with_confidential=allowed)
        if allowed and any(answer.confidential for answer in found.answers):
            evaluation.record_confidential_view(session, submission, staff)
        return modals.details(found, submitter_language(session, submission))

    view = await in_transaction(context["settings"], read)
    await client.views_open(trigger_id=body["trigger_id"], view=view)
