"""An advance is submitted: the submission moves to the chosen status; a move into
procurement with the approach the lead chose and its legal basis (storage/
procurement_records.py), each missing or wrong one marked on its own field. Left all
empty, the move is made as it was before approaches were recorded, and the lead is told
to record it."""

from collections.abc import Callable
from typing import TypeVar

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.slack.modal_outcome import answer
from bot.slack.staff import field, staff_of
from storage import procurement_records
from storage.catalogue import text
from storage.models import Status
from storage.workflow import rules, transitions


def _target(value: str | None) -> Status:
    try:
        return Status(value or "")
    except ValueError:
        raise rules.Refused(text("slack.choose_status")) from None


Checked = TypeVar("Checked")


def _checked(check: Callable[[], Checked], block: str, errors: dict[str, str]) -> Checked | None:
    """What `check` returns, or None with its refusal noted on `block`."""
    try:
        return check()
    except rules.Refused as refused:
        errors[block] = str(refused)
        return None


def _procurement_terms(view: dict) -> tuple[procurement_records.Terms | None, dict[str, str]]:
    """The approach as filled in, or what is wrong with it by field, all at once, so that
    each refusal is shown on the input to fix."""
    errors: dict[str, str] = {}
    code = _checked(
        lambda: procurement_records.approach_code(field(view, "approach")), "approach", errors
    )
    basis = _checked(
        lambda: procurement_records.legal_basis(field(view, "legal_basis")), "legal_basis", errors
    )
    if code is None:
        return None, errors
    reason = _checked(
        lambda: procurement_records.justification_for(code, field(view, "justification")),
        "justification",
        errors,
    )
    if errors or basis is None:
        return None, errors
    return procurement_records.Terms(code, basis, reason), errors


async def advance(ack: AsyncAck, body: dict, context: AsyncBoltContext) -> None:
    view = body.get("view") or {}
    staff = staff_of(context)
    terms = None
    given = any(field(view, block) for block in ("approach", "legal_basis", "justification"))
    if field(view, "target") == Status.procurement.value and given:
        terms, errors = _procurement_terms(view)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
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
                procurement=terms,
            )
        ),
        problem_block="target",
    )
