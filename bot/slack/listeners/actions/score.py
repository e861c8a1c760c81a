"""Score: the rubric, after a conflict-of-interest declaration. Someone who has not
declared yet is asked first; someone who declared a conflict cannot score."""

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import modals
from bot.slack.staff import in_transaction, pressed, staff_of, tell
from storage import workflow
from storage.catalogue import text
from storage.models import Score


async def score(
    ack: AsyncAck, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    await ack()
    card = pressed(body)
    if card is None:
        await tell(client, body, text("slack.unreadable_button"))
        return
    staff = staff_of(body)

    def prepare(session):
        submission = workflow.find(session, card.reference)
        if workflow.declaration(session, submission.id, staff.identity) is None:
            return modals.conflict(card.reference, submission.status.value)
        workflow.check_may_score(session, submission, staff)
        given = session.get(Score, (submission.id, staff.identity))
        return modals.score(
            card.reference,
            submission.status.value,
            given.scores if given else None,
            given.comments if given else None,
        )

    try:
        view = await in_transaction(context["settings"], prepare)
    except workflow.Refused as refused:
        await tell(client, body, str(refused))
        return
    await client.views_open(trigger_id=body["trigger_id"], view=view)
