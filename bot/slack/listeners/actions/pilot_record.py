"""Record a value, on the card's pilot section: opens the modal to give one metric's
value of the running plan, on a day (today by default). Anyone on the roster."""

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import pilot_modals
from bot.slack.staff import CardState, as_shown, in_transaction, on_card
from storage.catalogue import text
from storage.pilots.readings import today
from storage.triage import pilot_facts
from storage.workflow import rules


@on_card
async def pilot_record(
    card: CardState, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    def prepare(session) -> dict:
        submission = as_shown(session, card)
        pilot = pilot_facts(session, submission)
        if pilot is None or pilot.plan["state"] != "approved":
            raise rules.Refused(text("pilot_card.record.nothing", reference=card.reference))
        return pilot_modals.record(
            card.reference,
            submission.status.value,
            submission.version,
            pilot.plan,
            today().isoformat(),
        )

    view = await in_transaction(context["settings"], prepare)
    await client.views_open(trigger_id=body["trigger_id"], view=view)
