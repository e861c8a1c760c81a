"""An advance is submitted: the submission moves to the chosen status."""

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.slack.modal_outcome import answer
from bot.slack.staff import field, staff_of
from storage.catalogue import text
from storage.models import Status
from storage.workflow import rules, transitions


def _target(value: str | None) -> Status:
    try:
        return Status(value or "")
    except ValueError:
        raise rules.Refused(text("slack.choose_status")) from None


async def advance(ack: AsyncAck, body: dict, context: AsyncBoltContext) -> None:
    view = body.get("view") or {}
    staff = staff_of(context)
    await answer(
        ack,
        body,
        context,
        "modal.advance.title",
        lambda card: (
            lambda session: transitions.advance(
                session,
                card.reference,
                staff,
                _target(field(view, "target")),
                field(view, "reason"),
                field(view, "note"),
                expected_status=card.status,
                expected_version=card.version,
            )
        ),
        problem_block="target",
    )
