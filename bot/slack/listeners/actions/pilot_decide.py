"""Decide, on the card's pilot section: opens the go/no-go modal (scale, extend or stop,
the public reason, lessons learned) with each metric's standing. Leads only; the
decision and its refusals are storage.pilots.decisions.decide's."""

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import pilot_modals
from bot.slack.staff import CardState, as_shown, in_transaction, on_card, staff_of
from storage.catalogue import text
from storage.triage import pilot_facts
from storage.workflow import roles, rules


@on_card
async def pilot_decide(
    card: CardState, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    def prepare(session) -> dict:
        roles.require_lead(session, staff_of(context), "decide_pilot")
        submission = as_shown(session, card)
        pilot = pilot_facts(session, submission)
        if pilot is None or pilot.plan["state"] != "approved":
            raise rules.Refused(text("pilot_card.decide.nothing", reference=card.reference))
        return pilot_modals.decide(
            card.reference, submission.status.value, submission.version, pilot.plan
        )

    view = await in_transaction(context["settings"], prepare)
    await client.views_open(trigger_id=body["trigger_id"], view=view)
