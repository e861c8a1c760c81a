"""Approve plan, on the card's pilot section: opens the modal showing what is approved
and its disclosure risk, with the note field (required at a risk that needs one). Leads
only; the approval itself, and its refusals, are storage.pilots.plans.approve's."""

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import pilot_modals
from bot.slack.staff import CardState, as_shown, in_transaction, on_card, staff_of
from storage.catalogue import text
from storage.pilots.views import plan_view
from storage.workflow import roles, rules


@on_card
async def pilot_approve(
    card: CardState, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    def prepare(session) -> dict:
        roles.require_lead(session, staff_of(context), "approve_pilot")
        submission = as_shown(session, card)
        newest = plan_view(session, card.reference)  # approving is of the newest iteration
        if newest is None:
            raise rules.Refused(text("pilots.no_plan", reference=card.reference))
        if newest["state"] != "draft":
            raise rules.Refused(
                text(
                    "pilot_card.approve.nothing",
                    reference=card.reference,
                    iteration=newest["iteration"],
                    state=newest["state"],
                )
            )
        return pilot_modals.approve(
            card.reference, submission.status.value, submission.version, newest
        )

    view = await in_transaction(context["settings"], prepare)
    await client.views_open(trigger_id=body["trigger_id"], view=view)
