"""The go/no-go is submitted: the lead's decision on the pilot as their modal showed it
(a card changed since, say a value recorded or another lead's decision, is refused as
stale); every other refusal is storage.pilots.decisions.decide's."""

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.slack.modal_outcome import answer
from bot.slack.staff import CardState, as_shown, field, staff_of
from storage.catalogue import text
from storage.pilots import decisions
from storage.pilots.models import Outcome


async def pilot_decide(ack: AsyncAck, body: dict, context: AsyncBoltContext) -> None:
    view = body.get("view") or {}
    outcome = field(view, "outcome")
    if outcome not in Outcome.__members__:
        await ack(
            response_action="errors", errors={"outcome": text("pilot_card.decide.choose_outcome")}
        )
        return
    staff = staff_of(context)

    def work(card: CardState):
        def decide(session):
            as_shown(session, card)
            return decisions.decide(
                session,
                card.reference,
                staff,
                outcome,
                field(view, "reason") or "",
                field(view, "lessons"),
            )

        return decide

    await answer(ack, body, context, "pilot_card.decide.title", work)
