"""What the City actually did once a submission moved to procurement, so that procurement
approaches can be compared as experiments: the approach taken, its legal basis (and,
where nothing was competed, the justification), and the dates of its steps up to a
signed contract. Intake only *suggests* a path (Submission.procurement_path); this is
the record of what was done.

One record per move to procurement (ProcurementRecord.status_change_id). A lead gives it
with the move (transitions.advance), or afterwards when the move came another way; every
setting, correction and dated step is also in the submission's Activity."""

from dataclasses import dataclass, replace
from datetime import date
from typing import Final

from sqlmodel import Session, col, select

from storage import service_levels
from storage.catalogue import text
from storage.models import ProcurementRecord, Status, StatusChange, Submission, utcnow
from storage.settings import get_settings
from storage.workflow.evaluation import check_not_conflicted
from storage.workflow.roles import require_lead, role_of
from storage.workflow.rules import Outcome, Refused, Staff, cleaned
from storage.workflow.versions import find, record_change

# The approaches, as codes. Two are the codes intake suggests under the same meaning
# (catalogue `procurement.path.*`): no_cost_pilot is a pilot agreement at no cost to the
# City, partnership a public-private partnership agreement.
APPROACHES: Final = (
    "small_purchase",
    "cooperative_contract",
    "rfp",
    "sole_source",
    "no_cost_pilot",
    "partnership",
    "interlocal",
    "other",
)
# Nothing was competed: the record must say why.
NEEDS_JUSTIFICATION: Final = frozenset({"sole_source", "other"})
# The steps up to a contract, in the order they happen. Not every approach issues a
# solicitation; every contract is awarded before it is signed.
EVENTS: Final = ("solicitation_issued", "awarded", "contract_signed")
REQUIRES: Final = {"contract_signed": "awarded"}
MIN_LEGAL_BASIS = 5
MIN_JUSTIFICATION = 20


@dataclass(frozen=True)
class Terms:
    """The approach as staff give it, checked (see `terms`)."""

    approach: str
    legal_basis: str
    justification: str | None = None
    contract_value: int | None = None


def approach_options() -> str:
    return ", ".join(APPROACHES)


def approach_code(approach: str | None) -> str:
    """The approach as a code of APPROACHES, or Refused naming them."""
    code = (approach or "").strip().lower()
    if not code:
        raise Refused(text("procurement.refused.approach_needed", options=approach_options()))
    if code not in APPROACHES:
        raise Refused(
            text("procurement.refused.unknown_approach", given=code, options=approach_options())
        )
    return code


def legal_basis(given: str | None) -> str:
    basis = cleaned(given, 2000)
    if not basis or len(basis) < MIN_LEGAL_BASIS:
        raise Refused(text("procurement.refused.legal_basis_needed"))
    return basis


def justification_for(code: str, given: str | None) -> str | None:
    """Why nothing was competed: required for NEEDS_JUSTIFICATION, kept for any."""
    reason = cleaned(given, 4000)
    if code in NEEDS_JUSTIFICATION and (not reason or len(reason) < MIN_JUSTIFICATION):
        raise Refused(
            text(
                "procurement.refused.justification_needed",
                approach=text(f"procurement.approach.{code}"),
                minimum=MIN_JUSTIFICATION,
            )
        )
    return reason


def terms(
    approach: str | None,
    basis: str | None,
    justification: str | None = None,
    contract_value: int | None = None,
) -> Terms:
    """The approach, legal basis and justification as given, or Refused saying what is
    missing: an approach among APPROACHES, a legal basis, and for sole source or other a
    justification."""
    code = approach_code(approach)
    checked_basis = legal_basis(basis)
    reason = justification_for(code, justification)
    if contract_value is not None and contract_value < 0:
        raise Refused(text("procurement.refused.negative_value"))
    return Terms(code, checked_basis, reason, contract_value)


def current_record(session: Session, submission_id: int) -> ProcurementRecord | None:
    """The record of the submission's latest move to procurement, if one was given."""
    return session.exec(
        select(ProcurementRecord)
        .where(ProcurementRecord.submission_id == submission_id)
        .order_by(col(ProcurementRecord.id).desc())
    ).first()


def _latest_move(session: Session, submission: Submission) -> StatusChange:
    move = session.exec(
        select(StatusChange)
        .where(
            StatusChange.submission_id == submission.id,
            StatusChange.to_status == Status.procurement,
            # Back from a question to the submitter is the same stay, not a new move.
            col(StatusChange.from_status).is_distinct_from(Status.needs_info),
        )
        .order_by(col(StatusChange.id).desc())
    ).first()
    if move is None:
        raise Refused(
            text("procurement.refused.never_in_procurement", reference=submission.reference)
        )
    return move


def _described(found: Terms) -> dict:
    return {
        "approach": found.approach,
        "legal_basis": found.legal_basis,
        "justification": found.justification,
        "contract_value": found.contract_value,
    }


def record_move(
    session: Session, submission: Submission, move: StatusChange, found: Terms, actor: str
) -> ProcurementRecord:
    """The record given with the move itself (transitions.advance), in its transaction."""
    record = ProcurementRecord(
        submission_id=submission.id,
        status_change_id=move.id,
        moved_to_procurement=move.at,
        approach=found.approach,
        legal_basis=found.legal_basis,
        justification=found.justification,
        contract_value=found.contract_value,
        recorded_by=actor,
    )
    session.add(record)
    record_change(session, submission, actor, "procurement_recorded", **_described(found))
    return record


def set_approach(session: Session, reference: str, staff: Staff, found: Terms) -> Outcome:
    """Records the approach of the latest move to procurement, or corrects it (the old
    values stay in the Activity; a contract value not given again is kept). Leads only,
    as the move itself is."""
    require_lead(session, staff, "record_procurement")
    submission = find(session, reference)
    move = _latest_move(session, submission)
    record = current_record(session, submission.id)
    if record is None or record.status_change_id != move.id:
        record_move(session, submission, move, found, staff.identity)
        return Outcome(
            reference,
            True,
            text(
                "procurement.recorded",
                reference=reference,
                approach=text(f"procurement.approach.{found.approach}"),
            ),
        )
    before = Terms(record.approach, record.legal_basis, record.justification, record.contract_value)
    if found.contract_value is None:  # not given again: kept, not erased
        found = replace(found, contract_value=record.contract_value)
    if before == found:
        return Outcome(reference, False, text("procurement.unchanged", reference=reference))
    record.approach, record.legal_basis = found.approach, found.legal_basis
    record.justification, record.contract_value = found.justification, found.contract_value
    session.add(record)
    record_change(
        session,
        submission,
        staff.identity,
        "procurement_corrected",
        before=_described(before),
        after=_described(found),
    )
    return Outcome(
        reference,
        True,
        text(
            "procurement.corrected",
            reference=reference,
            approach=text(f"procurement.approach.{found.approach}"),
        ),
    )


def date_step(
    session: Session,
    reference: str,
    staff: Staff,
    event: str,
    on: date,
    correct: bool = False,
) -> Outcome:
    """Dates one step of the latest procurement: each step once (a later date for it is
    a correction, asked for as such and kept in the Activity), never in the future, never
    before the move to procurement, and in order with the steps already dated: a
    solicitation before the award, the award before the signature (which needs it).
    Dates are the City's. Any staff member dates a step, but only a lead the signature:
    it ends the vendor's right to withdraw (vendor_requests.contract_signed). Nobody with
    a declared conflict dates anything."""
    if event == "contract_signed":
        require_lead(session, staff, "date_contract_signed")
    else:
        role_of(session, staff)
    calendar = service_levels.calendar(get_settings().timezone)
    today = calendar.local_date(utcnow())
    if event not in EVENTS:
        raise Refused(
            text("procurement.refused.unknown_event", given=event, events=", ".join(EVENTS))
        )
    submission = find(session, reference)
    check_not_conflicted(session, submission, staff)
    record = current_record(session, submission.id)
    if record is None or record.status_change_id != _latest_move(session, submission).id:
        raise Refused(text("procurement.refused.no_record", reference=reference))
    step = text(f"procurement.event.{event}")
    if on > today:
        raise Refused(text("procurement.refused.future", step=step, on=on, today=today))
    moved = calendar.local_date(record.moved_to_procurement)
    if on < moved:
        raise Refused(text("procurement.refused.before_move", step=step, on=on, moved=moved))
    dated: date | None = getattr(record, event)
    if dated is not None and not correct:
        raise Refused(text("procurement.refused.already_dated", step=step, on=dated))
    if dated is None and correct:
        raise Refused(text("procurement.refused.nothing_to_correct", step=step))
    needed = REQUIRES.get(event)
    if needed is not None and getattr(record, needed) is None:
        raise Refused(
            text(
                "procurement.refused.needs_step",
                step=step,
                needed=text(f"procurement.event.{needed}"),
            )
        )
    position = EVENTS.index(event)
    for earlier in EVENTS[:position]:
        when = getattr(record, earlier)
        if when is not None and on < when:
            raise Refused(
                text(
                    "procurement.refused.out_of_order",
                    step=step,
                    on=on,
                    other=text(f"procurement.event.{earlier}"),
                    other_on=when,
                )
            )
    for later in EVENTS[position + 1 :]:
        when = getattr(record, later)
        if when is not None and on > when:
            raise Refused(
                text(
                    "procurement.refused.out_of_order",
                    step=step,
                    on=on,
                    other=text(f"procurement.event.{later}"),
                    other_on=when,
                )
            )
    setattr(record, event, on)
    session.add(record)
    detail = {"event": event, "on": on.isoformat()}
    if dated is not None:
        detail["before"] = dated.isoformat()
    kind = "procurement_step_corrected" if dated is not None else "procurement_step_dated"
    record_change(session, submission, staff.identity, kind, **detail)
    return Outcome(
        reference,
        True,
        text(
            "procurement.step_corrected" if dated is not None else "procurement.step_dated",
            reference=reference,
            step=step,
            on=on,
        ),
    )
