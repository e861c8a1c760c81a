"""Setting a pilot plan and approving it. A plan is set only while the submission is in
`pilot`: on a draft it replaces the draft, on anything else (approved, decided) it is a
new iteration, the earlier one kept. A lead approves the newest draft; the disclosure
assessment decides whether they must say why (a note); approving supersedes the
iteration approved before. Each step is a change of the submission (its version, its
card), recorded in its activity."""

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session, col, select

from storage.catalogue import text
from storage.models import Contact, StaffRole, Status, Submission, utcnow
from storage.pilots import checkins, disclosure
from storage.pilots.models import (
    PilotBudgetLine,
    PilotDataTerms,
    PilotIteration,
    PilotMetric,
    PilotMilestone,
    PlanState,
)
from storage.pilots.plan_input import PlanInput
from storage.workflow import submitter_news
from storage.workflow.evaluation import check_not_conflicted
from storage.workflow.roles import require_lead, role_of
from storage.workflow.rules import ANY, SUBMITTER, Outcome, Refused, Staff, cleaned
from storage.workflow.versions import change_as_seen, find, record_change

PLAN_PARTS = (PilotMetric, PilotMilestone, PilotBudgetLine, PilotDataTerms)


def iterations(session: Session, submission_id: int) -> list[PilotIteration]:
    """Every iteration of a submission's plan, oldest first."""
    return list(
        session.exec(
            select(PilotIteration)
            .where(PilotIteration.submission_id == submission_id)
            .order_by(col(PilotIteration.number))
        )
    )


def latest(session: Session, submission_id: int) -> PilotIteration | None:
    found = iterations(session, submission_id)
    return found[-1] if found else None


def newest_standing(found: list[PilotIteration]) -> PilotIteration:
    """The newest iteration not superseded: what the pilot's state is about (a draft a
    decision superseded says nothing about the decision)."""
    standing = [i for i in found if i.state is not PlanState.superseded]
    return standing[-1] if standing else found[-1]


def metrics(session: Session, iteration_id: int) -> list[PilotMetric]:
    return list(
        session.exec(
            select(PilotMetric)
            .where(PilotMetric.iteration_id == iteration_id)
            .order_by(col(PilotMetric.position))
        )
    )


def in_pilot(submission: Submission, what: str) -> None:
    """Plans, readings and decisions are for a submission in `pilot` only."""
    if submission.status is not Status.pilot:
        raise Refused(
            text(
                "pilots.not_in_pilot",
                reference=submission.reference,
                status=submission.status.value,
                action=text(f"pilots.action.{what}"),
            )
        )


def changed(session: Session, submission: Submission) -> Outcome | None:
    """The submission's next version (its card redrawn), or what changed since if
    someone else changed it between our read and this write."""
    return change_as_seen(session, submission, ANY)


def _store_parts(session: Session, iteration: PilotIteration, plan: PlanInput) -> None:
    for table, rows in (
        (PilotMetric, plan.metrics),
        (PilotMilestone, plan.milestones),
        (PilotBudgetLine, plan.budget),
    ):
        for position, row in enumerate(rows):
            session.add(table(iteration_id=iteration.id, position=position, **row.model_dump()))
    terms = PilotDataTerms(iteration_id=iteration.id, **plan.data.model_dump())
    if plan.disclosure is not None:
        try:
            assessment = disclosure.assess(plan.disclosure.classification, plan.disclosure.records)
        except disclosure.DisclosureCostsError as problem:
            raise Refused(text("pilots.costs_unusable", problem=problem)) from None
        terms.classification = assessment.classification
        terms.records = assessment.records
        terms.cost_per_record = assessment.cost_per_record
        terms.estimated_cost = assessment.estimated_cost
        terms.risk_level = assessment.risk_level
        terms.lead_note_required = assessment.lead_note_required
    session.add(terms)


def _documents(plan: PlanInput) -> dict:
    """The iteration's own columns, from the plan."""
    return {
        "scope": plan.scope,
        "sites": plan.sites,
        "starts": plan.starts,
        "ends": plan.ends,
        "cost_after_pilot": plan.cost_after_pilot.model_dump(),
        "exit_plan": plan.exit_plan.model_dump(),
        "equity": plan.equity.model_dump(),
        "risks": [risk.model_dump() for risk in plan.risks],
        "confidential_fields": plan.confidential_fields,
    }


def clear_parts(session: Session, iteration_id: int) -> None:
    """Removes a draft's parts, through the session (so none stays in its identity map
    to clash with the parts that replace them)."""
    for part in PLAN_PARTS:
        for row in session.exec(select(part).where(part.iteration_id == iteration_id)):
            session.delete(row)
    session.flush()


@dataclass(frozen=True)
class RemovedMarkings:
    """The vendor's confidentiality markings a new plan drops: plan keys no longer marked
    confidential, and payers with fewer private budget lines than an earlier iteration
    had (a line made public, or removed)."""

    keys: list[str]
    private_lines_of: list[str]

    def __bool__(self) -> bool:
        return bool(self.keys or self.private_lines_of)

    def said(self) -> str:
        parts = []
        if self.keys:
            parts.append(text("pilots.marking.keys", keys=", ".join(self.keys)))
        if self.private_lines_of:
            parts.append(text("pilots.marking.lines", payers=", ".join(self.private_lines_of)))
        return "; ".join(parts)


def _private_lines(session: Session, iteration_id: int) -> Counter[str]:
    lines = session.exec(
        select(PilotBudgetLine).where(
            PilotBudgetLine.iteration_id == iteration_id, col(PilotBudgetLine.private)
        )
    )
    return Counter(line.payer for line in lines)


def removed_markings(session: Session, submission_id: int, plan: PlanInput) -> RemovedMarkings:
    """What `plan` unmarks of what any iteration so far marked (the draft it would replace
    included): the vendor asked for each marking, so dropping one is not an edit like
    another (see `set_plan`)."""
    marked: set[str] = set()
    private: Counter[str] = Counter()
    for iteration in iterations(session, submission_id):
        marked.update(iteration.confidential_fields)
        private |= _private_lines(session, iteration.id)
    unmarked = marked - set(plan.confidential_fields)
    kept_private = Counter(line.payer for line in plan.budget if line.private)
    return RemovedMarkings(
        keys=[key for key in PlanInput.model_fields if key in unmarked],
        private_lines_of=sorted(payer for payer in private if kept_private[payer] < private[payer]),
    )


def set_plan(
    session: Session, reference: str, staff: Staff, plan: PlanInput, proposed_by: str | None = None
) -> Outcome:
    """Sets the plan: replaces the draft, or starts the next iteration. `proposed_by`:
    "vendor" when the vendor gave it; else the staff member setting it.

    Only a lead may drop a confidentiality marking the vendor asked for: once unmarked, the
    card shows the terms in the triage channel (where Slack guests may read), the term
    sheet goes to the channel, and approval publishes them; one evaluator's edit must not
    do that (the Slack modal and `pilot plan --from` both come here)."""
    role = role_of(session, staff)
    submission = find(session, reference)
    check_not_conflicted(session, submission, staff)
    in_pilot(submission, "plan")
    removed = removed_markings(session, submission.id, plan)
    if removed and role is not StaffRole.lead:
        said = removed.said()
        raise Refused(text("pilots.marking.leads_only", reference=reference, removed=said))
    stale = changed(session, submission)
    if stale is not None:
        return stale
    current = latest(session, submission.id)
    fields = {
        **_documents(plan),
        "proposed_by": proposed_by or staff.identity,
        "proposed_at": utcnow(),
    }
    if current is not None and current.state is PlanState.draft:
        clear_parts(session, current.id)
        for name, value in fields.items():
            setattr(current, name, value)
        iteration, key = current, "pilots.plan_replaced"
    else:
        number = current.number + 1 if current else 1
        iteration = PilotIteration(
            submission_id=submission.id, number=number, state=PlanState.draft, **fields
        )
        key = "pilots.plan_set"
    session.add(iteration)
    session.flush()
    _store_parts(session, iteration, plan)
    # A lead's unmarking stays on the record, as the vendor's markings were.
    unmarked = {"unmarked": removed.said()} if removed else {}
    record_change(
        session, submission, staff.identity, "pilot_planned", iteration=iteration.number, **unmarked
    )
    return Outcome(reference, True, text(key, reference=reference, iteration=iteration.number))


# How an iteration the vendor gave names who proposed it.
VENDOR: str = "vendor"


def vendor_may_propose(current: PilotIteration | None) -> bool:
    """The vendor gives their part while there is no plan yet, or while the newest is
    their own draft: a draft staff set (or completed) is theirs to finish, and an
    approved plan changes only as staff's next iteration."""
    return current is None or (current.state is PlanState.draft and current.proposed_by == VENDOR)


def open_to_vendor(session: Session, submission: Submission) -> bool:
    """Whether the vendor may give their part of the plan now."""
    return submission.status is Status.pilot and vendor_may_propose(latest(session, submission.id))


def awaiting_vendor(session: Session, sender_id: str) -> list[str]:
    """The references of this chat identity's submissions whose plan waits for the
    vendor's part, newest first."""
    found = session.exec(
        select(Submission)
        .join(Contact, col(Contact.id) == col(Submission.contact_id))
        .where(Contact.sender_id == sender_id, Submission.status == Status.pilot)
        .order_by(col(Submission.id).desc())
    )
    return [submission.reference for submission in found if open_to_vendor(session, submission)]


def propose_as_vendor(session: Session, reference: str, plan: PlanInput) -> Outcome:
    """The vendor's part of the plan, from their chat form: a draft iteration that staff
    complete (data terms and disclosure, which the vendor cannot assess) and approve."""
    submission = find(session, reference)
    in_pilot(submission, "plan")
    current = latest(session, submission.id)
    if not vendor_may_propose(current):
        raise Refused(text("pilots.vendor_plan_closed", reference=reference))
    stale = changed(session, submission)
    if stale is not None:
        return stale
    fields = {**_documents(plan), "proposed_by": VENDOR, "proposed_at": utcnow()}
    if current is not None:
        clear_parts(session, current.id)
        for name, value in fields.items():
            setattr(current, name, value)
        iteration = current
    else:
        iteration = PilotIteration(
            submission_id=submission.id, number=1, state=PlanState.draft, **fields
        )
    session.add(iteration)
    session.flush()
    _store_parts(session, iteration, plan)
    record_change(session, submission, SUBMITTER, "pilot_planned", iteration=iteration.number)
    return Outcome(
        reference, True, text("pilots.plan_set", reference=reference, iteration=iteration.number)
    )


def approve(session: Session, reference: str, staff: Staff, note: str | None = None) -> Outcome:
    """A lead approves the newest iteration, a draft; with a note when its disclosure risk
    is at or above the configured level."""
    require_lead(session, staff, "approve_pilot")
    submission = find(session, reference)
    check_not_conflicted(session, submission, staff)
    in_pilot(submission, "approve")
    note = cleaned(note)
    current = latest(session, submission.id)
    if current is None:
        raise Refused(text("pilots.no_plan", reference=reference))
    if current.state is PlanState.approved:
        return Outcome(
            reference,
            False,
            text("pilots.already_approved", reference=reference, iteration=current.number),
        )
    if current.state is not PlanState.draft:
        raise Refused(
            text(
                "pilots.nothing_to_approve",
                reference=reference,
                iteration=current.number,
                state=current.state.value,
            )
        )
    terms = session.get(PilotDataTerms, current.id)
    if terms is None or terms.risk_level is None:
        raise Refused(text("pilots.not_assessed", reference=reference))
    if terms.lead_note_required and not note:
        raise Refused(
            text(
                "pilots.note_required",
                reference=reference,
                risk=terms.risk_level,
                cost=f"{terms.estimated_cost:,.0f}",
            )
        )
    stale = changed(session, submission)
    if stale is not None:
        return stale
    for earlier in iterations(session, submission.id):
        if earlier.state is PlanState.approved:
            earlier.state = PlanState.superseded
            session.add(earlier)
    current.state = PlanState.approved
    current.approved_by, current.approved_at, current.approval_note = staff.identity, utcnow(), note
    session.add(current)
    checkins.schedule(session, current)
    first = next(iter(checkins.checkins(session, current.id)), None)
    submitter_news.tell_submitter(
        session,
        submission,
        f"plan_approved:{current.id}",
        submitter_news.plan_approved(
            submission, current.starts, current.ends, first.due if first else None
        ),
    )
    record_change(
        session,
        submission,
        staff.identity,
        "pilot_approved",
        iteration=current.number,
        risk=terms.risk_level,
        note=note,
    )
    return Outcome(
        reference, True, text("pilots.approved", reference=reference, iteration=current.number)
    )
