"""The question for the submitter is submitted: it goes to them, and the submission
waits in needs_info."""

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.slack.modal_outcome import answer
from bot.slack.staff import field, staff_of
from storage.workflow import transitions


async def request_info(ack: AsyncAck, body: dict, context: AsyncBoltContext) -> None:
    view = body.get("view") or {}
    staff = staff_of(context)
    await answer(
        ack,
        body,
        context,
        "modal.request_info.title",
        lambda card: (
            lambda session: transitions.request_info(
                session,
                card.reference,
                staff,
                field(view, "question") or "",
                field(view, "note"),
                expected_status=card.status,
                expected_version=card.version,
            )
        ),
        problem_block="question",
    )
