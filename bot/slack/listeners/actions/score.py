"""Score: the rubric, after a conflict-of-interest declaration. Someone who has not
declared yet is asked first; someone who declared a conflict cannot score."""

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import modals
from bot.slack.staff import CardState, as_shown, in_transaction, on_card, staff_of
from storage.models import Score
from storage.workflow import evaluation


@on_card
async def score(
    card: CardState, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    staff = staff_of(context)

    def prepare(session):
        submission = as_shown(session, card)
        status, version = submission.status.value, submission.version
        if evaluation.declaration(session, submission.id, staff.identity) is None:
            return modals.conflict(card.reference, status, version)
        evaluation.check_may_score(session, submission, staff)
        given = session.get(Score, (submission.id, staff.identity))
        return modals.score(
            card.reference,
            status,
            version,
            given.scores if given else None,
            given.comments if given else None,
        )

    view = await in_transaction(context["settings"], prepare)
    await client.views_open(trigger_id=body["trigger_id"], view=view)
