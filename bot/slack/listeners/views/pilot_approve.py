"""Approving the pilot plan is submitted: the lead's approval of the draft as their modal
showed it (a plan replaced since is refused as stale), with the note; every refusal is
storage.pilots.plans.approve's, a missing required note shown on the note field."""

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.slack.blocks import pilot_modals
from bot.slack.modal_outcome import answer
from bot.slack.staff import CardState, as_shown, field, staff_of
from storage.pilots import plans


async def pilot_approve(ack: AsyncAck, body: dict, context: AsyncBoltContext) -> None:
    view = body.get("view") or {}
    staff = staff_of(context)
    note = field(view, "note")

    def work(card: CardState):
        def approve(session):
            as_shown(session, card)
            return plans.approve(session, card.reference, staff, note)

        return approve

    required = pilot_modals.note_required(view.get("private_metadata") or "")
    await answer(
        ack,
        body,
        context,
        "pilot_card.approve.title",
        work,
        problem_block="note" if required and not (note or "").strip() else None,
    )
