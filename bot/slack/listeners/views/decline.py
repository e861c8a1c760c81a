"""A decline is submitted, with the reason the submitter reads."""

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.slack.modal_outcome import answer
from bot.slack.staff import field, staff_of
from storage.workflow import transitions


async def decline(ack: AsyncAck, body: dict, context: AsyncBoltContext) -> None:
    view = body.get("view") or {}
    staff = staff_of(context)
    await answer(
        ack,
        body,
        context,
        "modal.decline.title",
        lambda card: (
            lambda session: transitions.decline(
                session,
                card.reference,
                staff,
                field(view, "reason") or "",
                field(view, "note"),
                expected_status=card.status,
                expected_version=card.version,
            )
        ),
        problem_block="reason",
    )
