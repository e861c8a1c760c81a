"""The plan modal is submitted: its fields read into a plan document
(bot/slack/plan_text.py), checked as every plan is (storage.pilots.plan_input.checked) and
set with storage.pilots.plans.set_plan as the person who submitted it: a draft replaced,
or the next iteration after an approved one. A problem is shown on the field it concerns
with everything typed kept; a refusal of the whole (a card changed since, a conflict) is
pushed on top of the modal, so closing it gives the typed plan back.

After Slack is answered, the card's thread is told who changed what, so staff discuss
the plan there; the card itself is redrawn by the change, as for every pilot step."""

import logging
from dataclasses import dataclass

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import plan_text
from bot.slack.blocks import modals, pilot_plan_modal
from bot.slack.blocks.triage_card import who
from bot.slack.staff import as_shown, in_transaction, staff_of, submitted
from storage.catalogue import text
from storage.pilots import plan_input, plans
from storage.pilots.plan_input import PlanInput, PlanRefused
from storage.pilots.views import plan_view
from storage.workflow import rules

logger = logging.getLogger(__name__)
TITLE = "pilot_card.edit.title"


@dataclass(frozen=True)
class Stored:
    outcome: rules.Outcome
    changed: list[str]  # the plan keys that changed; every key for a first plan
    first: bool = False
    unchanged: bool = False  # the plan as it was: nothing set
    iteration: int | None = None
    card_channel: str | None = None
    card_ts: str | None = None
    unmarked: str | None = None  # the confidentiality markings a lead removed, as said
    marked_more: bool = False  # a key newly marked confidential


def _as_input(view: dict) -> PlanInput | None:
    """A plan view as the input it was set from; None when it no longer passes the
    plan's checks (then everything counts as changed)."""
    document = dict(view)
    if view["disclosure"]["classification"] is None:
        del document["disclosure"]  # not assessed: the view's placeholder is no input
    try:
        return plan_input.checked(document, view["reference"])
    except rules.Refused:
        return None


def changed_keys(before: dict, after: PlanInput) -> list[str]:
    """The plan keys whose content differs between a plan view and a new plan."""
    earlier = _as_input(before)
    old = earlier.model_dump() if earlier is not None else {}
    new = after.model_dump()
    return [key for key in PlanInput.model_fields if old.get(key, object()) != new[key]]


def _thread_note(staff_identity: str, reference: str, stored: Stored) -> str:
    words = {"who": who(staff_identity), "reference": reference, "iteration": stored.iteration}
    if stored.first:
        return text("pilot_card.edit.thread_written", **words)
    # The markings are named exactly: the channel must know what it may now be shown.
    keys = [key for key in stored.changed if key != plan_text.CONFIDENTIAL or stored.marked_more]
    said = [text(f"pilot_card.edit.plan_key.{key}") for key in keys]
    if stored.unmarked:
        said.append(text("pilot_card.edit.removed", removed=stored.unmarked))
    what = ", ".join(said)
    return text("pilot_card.edit.thread_changed", what=what, **words)


async def pilot_edit(
    ack: AsyncAck, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    view = body.get("view") or {}
    card = submitted(body)
    if card is None:
        message = modals.message(TITLE, text("slack.unreadable_modal"))
        await ack(response_action="update", view=message)
        return
    found = plan_text.read(view)
    if found.errors:
        await ack(response_action="errors", errors=found.errors)
        return
    try:
        plan = plan_input.checked(found.document, card.reference)
    except PlanRefused as refused:
        blocks = pilot_plan_modal.input_blocks()
        await ack(response_action="errors", errors=plan_text.field_errors(refused, found, blocks))
        return
    staff = staff_of(context)

    def store(session) -> Stored:
        submission = as_shown(session, card)
        before = plan_view(session, card.reference)
        first = before is None
        changed = list(PlanInput.model_fields) if first else changed_keys(before, plan)
        if not changed:
            said = text("pilot_card.edit.unchanged", reference=card.reference)
            return Stored(rules.Outcome(card.reference, False, said), [], unchanged=True)
        unmarked = plans.removed_markings(session, submission.id, plan)
        outcome = plans.set_plan(session, card.reference, staff, plan)
        if not outcome.changed:
            return Stored(outcome, changed, first)
        after = plan_view(session, card.reference)
        return Stored(
            outcome,
            changed,
            first,
            iteration=after["iteration"],
            card_channel=submission.card_channel,
            card_ts=submission.card_ts,
            unmarked=unmarked.said() if unmarked else None,
            marked_more=not first
            and bool(set(plan.confidential_fields) - set(before["confidential_fields"])),
        )

    try:
        stored = await in_transaction(context["settings"], store)
    except rules.Refused as refused:
        await ack(response_action="push", view=modals.message(TITLE, str(refused)))
        return
    except Exception:  # rolled back: said on top of the modal, the typed plan kept beneath
        logger.exception("the plan modal failed")
        await ack(response_action="push", view=modals.message(TITLE, text("slack.failed")))
        return
    if not stored.outcome.changed and not stored.unchanged:
        # set_plan found the submission changed meanwhile: the typed plan is kept beneath
        await ack(response_action="push", view=modals.message(TITLE, stored.outcome.message))
        return
    await ack(response_action="update", view=modals.message(TITLE, stored.outcome.message))
    if stored.outcome.changed and stored.card_channel and stored.card_ts:
        try:
            await client.chat_postMessage(
                channel=stored.card_channel,
                thread_ts=stored.card_ts,
                text=_thread_note(staff.identity, card.reference, stored),
            )
        except SlackApiError as problem:  # the plan is set; only the note is missing
            logger.warning("plan note not posted in the card's thread: %s",
                           problem.response.get("error"))  # fmt: skip
