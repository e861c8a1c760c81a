"""Edit plan (Write the plan, before there is one), on the card's pilot section: opens
the plan modal prefilled from the newest iteration. Anyone on the roster, as `pilot plan`;
not someone with a declared conflict. A plan with confidential terms (keys the vendor
asked to keep confidential, private budget lines) opens only for who may see them (leads,
the assigned evaluator), and that they did is recorded, as for the term sheet. When
Slack does not open the modal (the button pressed too long ago, Slack unavailable), the
person is told so rather than left waiting."""

import logging

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import pilot_plan_modal
from bot.slack.staff import CardState, as_shown, in_transaction, on_card, staff_of
from storage.catalogue import text
from storage.pilots.plans import in_pilot
from storage.pilots.views import has_confidential_terms, plan_view
from storage.workflow import evaluation, rules

logger = logging.getLogger(__name__)


@on_card
async def pilot_edit(
    card: CardState, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> str | None:
    staff = staff_of(context)

    def prepare(session) -> dict:
        submission = as_shown(session, card)
        in_pilot(submission, "plan")
        evaluation.check_not_conflicted(session, submission, staff)
        newest = plan_view(session, card.reference)
        if newest is not None and has_confidential_terms(newest):
            if not evaluation.may_see_confidential(session, submission, staff):
                raise rules.Refused(text("pilot_card.edit.not_yours", reference=card.reference))
            evaluation.record_confidential_view(session, submission, staff)
        return pilot_plan_modal.edit(
            card.reference, submission.status.value, submission.version, newest
        )

    view = await in_transaction(context["settings"], prepare)
    try:
        await client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as problem:
        error = problem.response.get("error") if problem.response is not None else None
        logger.warning("the plan modal was not opened: %s", error)
        return text("pilot_card.edit.not_opened", reference=card.reference, error=error)
    return None
