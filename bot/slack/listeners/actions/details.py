"""Details: the whole submission in a modal. Confidential answers are in it only for
the assigned evaluator, and each time they are opened it is recorded."""

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import modals
from bot.slack.staff import in_transaction, pressed, staff_of, tell
from storage import triage, workflow
from storage.catalogue import text


async def details(
    ack: AsyncAck, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    await ack()
    card = pressed(body)
    if card is None:
        await tell(client, body, text("slack.unreadable_button"))
        return
    staff = staff_of(body)

    def read(session):
        submission = workflow.find(session, card.reference)
        allowed = workflow.may_see_confidential(session, submission, staff)
        found = triage.details(session, submission, with_confidential=allowed)
        if allowed and any(answer.confidential for answer in found.answers):
            workflow.record_confidential_view(session, submission, staff)
        return modals.details(found)

    try:
        view = await in_transaction(context["settings"], read)
    except workflow.Refused as refused:
        await tell(client, body, str(refused))
        return
    await client.views_open(trigger_id=body["trigger_id"], view=view)
