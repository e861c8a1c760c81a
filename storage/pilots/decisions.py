"""Go/no-go: a lead decides the pilot the submission runs (its approved iteration), once.
Each metric is judged met or not from its last value against its target and direction.
`scale` moves the submission to procurement and `stop` closes it, both with the public
reason and through the one status change every move makes (history, card, the vendor
told once); `extend` keeps it in pilot and starts the next iteration, a draft copied from
the decided one, whose metrics and dates a later `pilot plan` revises and a lead approves.
Drafts set after the approved iteration are superseded by the decision."""

from datetime import date

from sqlmodel import Session, col, select

from storage import procurement_records
from storage.catalogue import text
from storage.db import insert_once
from storage.models import Status, Submission, utcnow
from storage.pilots.models import Outcome as PilotOutcome
from storage.pilots.models import (
    PilotDecision,
    PilotIteration,
    PilotMetric,
    PilotReading,
    PlanState,
)
from storage.pilots.plans import (
    PLAN_PARTS,
    changed,
    in_pilot,
    iterations,
    metrics,
    newest_standing,
)
from storage.workflow.evaluation import check_not_conflicted
from storage.workflow.roles import require_lead
from storage.workflow.rules import Outcome, Refused, Staff, cleaned
from storage.workflow.submitter_news import News, tell_submitter
from storage.workflow.transitions import change_status
from storage.workflow.versions import find, record_change

MOVES = {PilotOutcome.scale: Status.procurement, PilotOutcome.stop: Status.closed}
MIN_REASON_CHARS = 10


def last_value(session: Session, metric_id: int) -> float | None:
    reading = session.exec(
        select(PilotReading)
        .where(PilotReading.metric_id == metric_id)
        .order_by(col(PilotReading.measured_on).desc())
    ).first()
    return reading.value if reading else None


def met(metric: PilotMetric, value: float | None) -> bool | None:
    """Whether the metric reached its target (None: no value was reported)."""
    if value is None:
        return None
    return value >= metric.target if metric.direction == "increase" else value <= metric.target


def _already_decided(reference: str, iteration: PilotIteration, decision: PilotDecision) -> Refused:
    return Refused(
        text(
            "pilots.already_decided",
            reference=reference,
            iteration=iteration.number,
            outcome=decision.outcome.value,
            who=decision.decided_by,
            date=f"{decision.decided_at:%Y-%m-%d}",
        )
    )


def _copy(session: Session, decided: PilotIteration, by: str) -> PilotIteration:
    """The next iteration: a draft with the decided one's plan, metrics not yet met."""
    kept_apart = {"id", "number", "state", "proposed_by", "proposed_at", "approved_by"}
    fields = decided.model_dump(exclude=kept_apart | {"approved_at", "approval_note"})
    number = max(i.number for i in iterations(session, decided.submission_id)) + 1
    copy = PilotIteration(**fields, number=number, state=PlanState.draft, proposed_by=by)
    session.add(copy)
    session.flush()
    for part in PLAN_PARTS:
        for row in session.exec(select(part).where(part.iteration_id == decided.id)):
            values = row.model_dump(exclude={"id", "iteration_id", "met"})
            session.add(part(**values, iteration_id=copy.id))
    return copy


def _extension_news(submission: Submission, reason: str) -> News:
    """What the vendor reads of an extension: the submission stays in pilot, with the
    lead's public reason (a status-change message, as the chat and e-mail word them)."""
    return News(
        "status_changed",
        {
            "reference": submission.reference,
            "title": submission.title,
            "status": Status.pilot.value,
            "reason_code": None,
            "reason": reason,
            "next_step": submission.next_step,
            "next_decision": submission.next_decision_by.isoformat()
            if isinstance(submission.next_decision_by, date)
            else None,
            "answer": False,
        },
    )


def decide(
    session: Session,
    reference: str,
    staff: Staff,
    outcome: str,
    reason: str,
    lessons: str | None = None,
) -> Outcome:
    """Records the go/no-go on the running pilot and moves the submission on."""
    require_lead(session, staff, "decide_pilot")
    submission = find(session, reference)
    check_not_conflicted(session, submission, staff)
    if outcome not in PilotOutcome.__members__:
        known = ", ".join(PilotOutcome)
        raise Refused(text("pilots.unknown_outcome", outcome=outcome, known=known))
    outcome = PilotOutcome(outcome)
    found = iterations(session, submission.id)
    if not found:
        raise Refused(text("pilots.no_plan", reference=reference))
    newest = newest_standing(found)
    earlier = session.get(PilotDecision, newest.id)
    if earlier is not None:
        raise _already_decided(reference, newest, earlier)
    in_pilot(submission, "decide")
    approved = [i for i in found if i.state is PlanState.approved]
    if not approved:
        raise Refused(
            text("pilots.decide_not_approved", reference=reference, iteration=found[-1].number)
        )
    decided = approved[-1]
    reason = cleaned(reason) or ""
    if len(reason) < MIN_REASON_CHARS:
        raise Refused(text("workflow.reason_needed"))
    lessons = cleaned(lessons, 5000)
    judged = {}
    for metric in metrics(session, decided.id):
        metric.met = met(metric, last_value(session, metric.id))
        judged[metric.name] = metric.met
        session.add(metric)
    values = {
        "iteration_id": decided.id,
        "outcome": outcome,
        "reason": reason,
        "lessons": lessons,
        "decided_by": staff.identity,
        "decided_at": utcnow(),
    }
    unique = PilotDecision.iteration_id
    if insert_once(session, PilotDecision, values, unique, unique) is None:
        # Another lead decided it between our read and this insert.
        session.expire_all()
        raise _already_decided(reference, decided, session.get(PilotDecision, decided.id))
    decided.state = PlanState.decided
    session.add(decided)
    for later in found:
        if later.number > decided.number and later.state is PlanState.draft:
            later.state = PlanState.superseded
            session.add(later)
    if outcome in MOVES:
        change = change_status(
            session, submission, MOVES[outcome], staff.identity, reason, None, Status.pilot
        )
        if isinstance(change, Outcome):  # moved meanwhile: nothing of this decision stays
            raise Refused(change.message)
        message = text(
            "pilots.decided_moved",
            reference=reference,
            outcome=outcome.value,
            status=MOVES[outcome].value,
        )
        if MOVES[outcome] is Status.procurement:
            # A decision does not say how the City will buy: staff are told what is still
            # to record, as `advance --to procurement` without an approach tells them.
            still = text(
                "procurement.approach_to_record",
                reference=reference,
                options=procurement_records.approach_options(),
            )
            message = f"{message} {still}"
        next_number = None
    else:
        stale = changed(session, submission)
        if stale is not None:
            raise Refused(stale.message)
        extension = _copy(session, decided, staff.identity)
        tell_submitter(
            session,
            submission,
            f"pilot_extended:{extension.id}",
            _extension_news(submission, reason),
        )
        next_number = extension.number
        message = text("pilots.decided_extended", reference=reference, iteration=next_number)
    record_change(
        session,
        submission,
        staff.identity,
        "pilot_decided",
        iteration=decided.number,
        outcome=outcome.value,
        met=judged,
        next_iteration=next_number,
    )
    return Outcome(reference, True, message)
