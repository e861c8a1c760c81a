"""A metric's value is submitted: recorded against the running plan. It is not refused
for a card that changed since (another value recorded meanwhile changes nothing of this
one); what storage.pilots.readings.report refuses (a decided pilot, a day outside the
pilot or in the future) is said in the modal."""

from datetime import date
from math import isfinite

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.slack.blocks.pilot_modals import REPORTED_BY_PLAN
from bot.slack.modal_outcome import answer
from bot.slack.staff import CardState, field, staff_of
from storage.catalogue import text
from storage.pilots import readings


def picked_date(view: dict, block_id: str) -> date | None:
    """The day chosen in a datepicker of a submitted modal."""
    value = ((view.get("state") or {}).get("values") or {}).get(block_id, {}).get("value") or {}
    try:
        return date.fromisoformat(value.get("selected_date") or "")
    except (AttributeError, TypeError, ValueError):
        return None


def number(raw: str | None) -> float | None:
    try:
        value = float((raw or "").strip())
    except ValueError:
        return None
    return value if isfinite(value) else None


async def pilot_record(ack: AsyncAck, body: dict, context: AsyncBoltContext) -> None:
    view = body.get("view") or {}
    value, on = number(field(view, "value")), picked_date(view, "on")
    errors = {}
    if value is None:
        errors["value"] = text("pilot_card.record.value_not_a_number")
    if on is None:
        errors["on"] = text("pilot_card.record.on_missing")
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    staff = staff_of(context)
    metric = field(view, "metric") or ""
    by = field(view, "reported_by")

    def work(card: CardState):
        return lambda session: readings.report(
            session,
            card.reference,
            staff,
            metric,
            value,
            on=on,
            note=field(view, "note"),
            reported_by=None if by in (None, REPORTED_BY_PLAN) else by,
        )

    await answer(ack, body, context, "pilot_card.record.title", work)
