"""Scores are submitted: each criterion needs a score from 1 to 5; comments are optional."""

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.slack.modal_outcome import answer
from bot.slack.staff import field, staff_of
from storage.catalogue import text
from storage.workflow import evaluation, rules


async def score(ack: AsyncAck, body: dict, context: AsyncBoltContext) -> None:
    view = body.get("view") or {}
    scores, errors = {}, {}
    for criterion in rules.RUBRIC:
        raw = field(view, f"score_{criterion}")
        if raw is None or not raw.isdigit() or int(raw) not in rules.SCORE_RANGE:
            errors[f"score_{criterion}"] = text("slack.score_needed")
        else:
            scores[criterion] = int(raw)
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    comments = {c: field(view, f"comment_{c}") or "" for c in rules.RUBRIC}
    staff = staff_of(context)
    await answer(
        ack,
        body,
        context,
        "modal.score.title",
        lambda card: (
            lambda session: evaluation.score(
                session, card.reference, staff, scores, comments, expected_version=card.version
            )
        ),
    )
