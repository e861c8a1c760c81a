"""The evaluation of a submission: who owns it (assignment), who declared a conflict of
interest (and so decides nothing about it), the evaluators' rubric scores, and who may
read its confidential answers."""

from sqlmodel import Session, col, select

from storage.catalogue import text
from storage.db import insert_for, insert_once
from storage.models import ConflictDeclaration, Score, StaffRole, Submission, utcnow
from storage.workflow.roles import name_of, role_of, roster_member
from storage.workflow.rules import (
    ANY,
    CLOSED,
    RUBRIC,
    SCORABLE,
    SCORE_RANGE,
    Outcome,
    Refused,
    Staff,
    cleaned,
)
from storage.workflow.versions import (
    bump_version,
    change_as_seen,
    find,
    note_activity,
    record_change,
    stale_view,
)

# --- assignment -------------------------------------------------------------------------


def assign(
    session: Session,
    reference: str,
    staff: Staff,
    to: Staff | None = None,
    expected_assignee: object = ANY,
    expected_version: object = ANY,
) -> Outcome:
    """Makes `to` (default: the one asking) own the evaluation. Evaluators take what
    nobody owns, for themselves; leads assign and reassign anyone on the roster."""
    role = role_of(session, staff)
    submission = find(session, reference)
    owner = to or staff
    if owner != staff and role is not StaffRole.lead:
        raise Refused(
            text("workflow.leads_only", action=text("workflow.lead_action.assign_others"))
        )
    if roster_member(session, owner.slack_user) is None:
        raise Refused(text("workflow.assignee_not_on_roster", who=name_of(session, owner.identity)))
    if submission.status in CLOSED:
        raise Refused(text("workflow.closed", reference=reference, status=submission.status.value))
    if conflicted(session, submission, owner):
        raise Refused(text("workflow.conflict_no_owner", reference=reference))
    if submission.assignee == owner.identity:
        return Outcome(reference, False, text("workflow.already_assigned", reference=reference))
    previous = submission.assignee
    if expected_assignee is not ANY and previous != expected_assignee:
        return Outcome(reference, False, text("workflow.assigned_meanwhile", reference=reference))
    if previous is not None and role is not StaffRole.lead:
        raise Refused(text("workflow.no_take_over", reference=reference))
    stale = stale_view(session, submission, expected_version)
    if stale is not None:
        return stale
    condition = (
        col(Submission.assignee).is_(None) if previous is None else Submission.assignee == previous
    )
    if not bump_version(session, submission, condition, assignee=owner.identity):
        return Outcome(reference, False, text("workflow.assigned_meanwhile", reference=reference))
    record_change(
        session, submission, staff.identity, "assigned", to=owner.identity, previous=previous
    )
    return Outcome(reference, True, text("workflow.assigned", reference=reference))


def release(session: Session, submission: Submission, actor: str, reason: str) -> bool:
    """Its owner no longer owns it (a declared conflict, or they left the roster)."""
    owner = submission.assignee
    if owner is None or not bump_version(
        session, submission, Submission.assignee == owner, assignee=None
    ):
        return False
    record_change(session, submission, actor, "unassigned", previous=owner, reason=reason)
    return True


# --- conflicts of interest ----------------------------------------------------------------


def declaration(session: Session, submission_id: int, evaluator: str) -> ConflictDeclaration | None:
    return session.exec(
        select(ConflictDeclaration).where(
            ConflictDeclaration.submission_id == submission_id,
            ConflictDeclaration.evaluator == evaluator,
        )
    ).first()


def conflicted(session: Session, submission: Submission, staff: Staff) -> bool:
    """Whether this person declared a conflict of interest on this submission."""
    declared = declaration(session, submission.id, staff.identity)
    return declared is not None and declared.has_conflict


def check_not_conflicted(session: Session, submission: Submission, staff: Staff) -> None:
    """Someone with a declared conflict decides nothing about the submission."""
    if conflicted(session, submission, staff):
        raise Refused(text("workflow.conflict_no_decisions", reference=submission.reference))


def declare_conflict(
    session: Session,
    reference: str,
    staff: Staff,
    has_conflict: bool,
    statement: str | None = None,
    expected_version: object = ANY,
) -> Outcome:
    """Records an evaluator's conflict-of-interest declaration. A declared conflict is
    final: that person's scores no longer count, and they cannot score again."""
    role_of(session, staff)
    submission = find(session, reference)
    statement = cleaned(statement, 1000)
    existing = declaration(session, submission.id, staff.identity)
    if existing is not None and existing.has_conflict:
        return Outcome(reference, False, text("workflow.conflict_final", reference=reference))
    if existing is not None and not has_conflict:
        return Outcome(reference, False, text("workflow.already_declared", reference=reference))
    refused = change_as_seen(session, submission, expected_version)
    if refused is not None:
        return refused
    values = {
        "submission_id": submission.id,
        "evaluator": staff.identity,
        "has_conflict": has_conflict,
        "statement": statement,
        "at": utcnow(),
    }
    if existing is None:
        unique = [ConflictDeclaration.submission_id, ConflictDeclaration.evaluator]
        insert_once(session, ConflictDeclaration, values, unique, ConflictDeclaration.evaluator)
    else:  # from no conflict to a conflict: the one change a declaration may make
        existing.has_conflict, existing.statement, existing.at = True, statement, utcnow()
        session.add(existing)
    record_change(
        session,
        submission,
        staff.identity,
        "conflict_declared",
        conflict=has_conflict,
        statement=statement,
    )
    if has_conflict and submission.assignee == staff.identity:
        # Someone with a conflict cannot own the evaluation.
        release(session, submission, staff.identity, "conflict of interest")
    key = "workflow.conflict_recorded" if has_conflict else "workflow.no_conflict_recorded"
    return Outcome(reference, True, text(key, reference=reference))


# --- scores -------------------------------------------------------------------------------


def check_may_score(session: Session, submission: Submission, staff: Staff) -> None:
    """Raises Refused unless this person may score this submission now."""
    role_of(session, staff)
    if submission.status not in SCORABLE:
        raise Refused(
            text(
                "workflow.not_scorable",
                reference=submission.reference,
                status=submission.status.value,
            )
        )
    declared = declaration(session, submission.id, staff.identity)
    if declared is None:
        raise Refused(text("workflow.declare_first", reference=submission.reference))
    if declared.has_conflict:
        raise Refused(text("workflow.conflict_final", reference=submission.reference))


def score(
    session: Session,
    reference: str,
    staff: Staff,
    scores: dict[str, int],
    comments: dict[str, str] | None = None,
    expected_version: object = ANY,
) -> Outcome:
    """Records (or revises) one evaluator's rubric scores, 1-5 per criterion."""
    submission = find(session, reference)
    check_may_score(session, submission, staff)
    if set(scores) != set(RUBRIC) or any(
        not isinstance(value, int) or isinstance(value, bool) or value not in SCORE_RANGE
        for value in scores.values()
    ):
        raise Refused(text("workflow.score_invalid", criteria=", ".join(RUBRIC)))
    comments = {
        key: cleaned(value, 1000) or "" for key, value in (comments or {}).items() if key in RUBRIC
    }
    existing = session.exec(
        select(Score).where(Score.submission_id == submission.id, Score.evaluator == staff.identity)
    ).first()
    if existing is not None and existing.scores == scores and existing.comments == comments:
        return Outcome(reference, False, text("workflow.score_unchanged", reference=reference))
    refused = change_as_seen(session, submission, expected_version)
    if refused is not None:
        return refused
    values = {"scores": dict(scores), "comments": comments, "at": utcnow()}
    session.execute(
        insert_for(session, Score)
        .values(submission_id=submission.id, evaluator=staff.identity, **values)
        .on_conflict_do_update(index_elements=[Score.submission_id, Score.evaluator], set_=values)
    )
    previous = {"scores": existing.scores, "comments": existing.comments} if existing else None
    record_change(
        session,
        submission,
        staff.identity,
        "scored",
        scores=scores,
        comments=comments,
        previous=previous,
    )
    key = "workflow.score_revised" if previous else "workflow.scored"
    return Outcome(reference, True, text(key, reference=reference))


# --- confidential answers -------------------------------------------------------------------


def may_see_confidential(session: Session, submission: Submission, staff: Staff) -> bool:
    """Leads, and the evaluator it is assigned to; never someone with a declared
    conflict, nor anyone off the roster."""
    try:
        role = role_of(session, staff)
    except Refused:
        return False
    if conflicted(session, submission, staff):
        return False
    return role is StaffRole.lead or submission.assignee == staff.identity


def record_confidential_view(session: Session, submission: Submission, staff: Staff) -> None:
    """Who opened confidential answers, and when, is part of the record."""
    note_activity(session, submission, staff.identity, "confidential_viewed")
