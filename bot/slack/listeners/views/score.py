"""Scores are submitted: each criterion needs a score from 1 to 5; comments are optional."""

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.slack.modal_outcome import answer
from bot.slack.staff import field, staff_of
from storage import workflow
from storage.catalogue import text


async def score(ack: AsyncAck, body: dict, context: AsyncBoltContext) -> None:
    view = body.get("view") or {}
    scores, errors = {}, {}
    for criterion in workflow.RUBRIC:
        raw = field(view, f"score_{criterion}")
        if raw is None or not raw.isdigit() or int(raw) not in workflow.SCORE_RANGE:
            errors[f"score_{criterion}"] = text("slack.score_needed")
        else:
            scores[criterion] = int(raw)
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    comments = {c: field(view, f"comment_{c}") or "" for c in workflow.RUBRIC}
    staff = staff_of(context)
    await answer(
        ack,
        body,
        context,
        "modal.score.title",
        lambda card: (
            lambda session: workflow.score(
                session, card.reference, staff, scores, comments, expected_version=card.version
            )
        ),
    )
