"""A conflict-of-interest declaration is submitted. With no conflict, the modal turns
into the scoring rubric; with one, it says it is recorded and that person cannot score."""

import logging

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.slack.blocks import modals
from bot.slack.staff import field, in_transaction, staff_of, submitted
from storage import submissions
from storage.catalogue import text
from storage.workflow import evaluation, rules

TITLE = "modal.conflict.title"
logger = logging.getLogger(__name__)


async def conflict(ack: AsyncAck, body: dict, context: AsyncBoltContext) -> None:
    view = body.get("view") or {}
    card = submitted(body)
    choice = field(view, "declaration")
    if card is None:
        await ack(
            response_action="update", view=modals.message(TITLE, text("slack.unreadable_modal"))
        )
        return
    if choice not in ("none", "conflict"):
        await ack(
            response_action="errors", errors={"declaration": text("slack.choose_declaration")}
        )
        return
    staff = staff_of(context)

    def declare(session):
        outcome = evaluation.declare_conflict(
            session,
            card.reference,
            staff,
            choice == "conflict",
            field(view, "statement"),
            expected_version=card.version,
        )
        submission = submissions.get_submission(session, card.reference)
        declared = evaluation.declaration(session, submission.id, staff.identity)
        may_score = declared is not None and not declared.has_conflict
        # The rubric carries the version the declaration made.
        return outcome, may_score, submission.version

    try:
        outcome, may_score, version = await in_transaction(context["settings"], declare)
    except rules.Refused as refused:
        await ack(response_action="update", view=modals.message(TITLE, str(refused)))
        return
    except Exception:  # the transaction rolled back: say so in the modal, never a 500
        logger.exception("conflict declaration failed")
        await ack(response_action="update", view=modals.message(TITLE, text("slack.failed")))
        return
    if not may_score:
        await ack(response_action="update", view=modals.message(TITLE, outcome.message))
        return
    await ack(
        response_action="update", view=modals.score(card.reference, card.status.value, version)
    )
