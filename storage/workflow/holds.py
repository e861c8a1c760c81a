"""What holds a submission up, as staff record it: the blocker it waits on (for the
reports on where submissions get stuck), and snoozed reminders."""

from sqlmodel import Session

from storage import service_levels
from storage.catalogue import text
from storage.languages import DEFAULT_LANGUAGE, day_and_month
from storage.models import StaffRole, Submission, utcnow
from storage.settings import get_settings
from storage.workflow.roles import role_of
from storage.workflow.rules import (
    ANY,
    BLOCKERS,
    CLOSED,
    SNOOZE_BUSINESS_DAYS,
    Outcome,
    Refused,
    Staff,
)
from storage.workflow.versions import (
    bump_version,
    change_as_seen,
    find,
    moved_since,
    record_change,
    stale_view,
)


def set_blocked(
    session: Session,
    reference: str,
    staff: Staff,
    blocker: str | None,
    expected_version: object = ANY,
) -> Outcome:
    """Records what the submission waits on (one of BLOCKERS), or that it waits on nothing."""
    role_of(session, staff)
    submission = find(session, reference)
    if blocker is not None and blocker not in BLOCKERS:
        raise Refused(text("workflow.unknown_blocker", known=", ".join(BLOCKERS)))
    if submission.status in CLOSED:
        raise Refused(text("workflow.closed", reference=reference, status=submission.status.value))
    if submission.blocked_by == blocker:
        return Outcome(reference, False, text("workflow.blocker_unchanged", reference=reference))
    previous = submission.blocked_by
    refused = change_as_seen(session, submission, expected_version, blocked_by=blocker)
    if refused is not None:
        return refused
    record_change(
        session, submission, staff.identity, "blocked", blocker=blocker, previous=previous
    )
    if blocker is None:
        return Outcome(reference, True, text("workflow.unblocked", reference=reference))
    label = text(f"blocker.{blocker}")
    return Outcome(reference, True, text("workflow.blocked", reference=reference, blocker=label))


def snooze(
    session: Session,
    reference: str,
    staff: Staff,
    expected_snoozes: object = ANY,
    expected_status: object = ANY,
    expected_version: object = ANY,
) -> Outcome:
    """Holds the reminders about a submission for SNOOZE_BUSINESS_DAYS business days; then
    they come again, once. A second press of the same reminder's button snoozes once.
    Evaluators snooze the reminders of what they own; leads any.

    A reminder is never redrawn, so its Snooze is checked against what the reminder was
    about (the stay in a status, the snooze round), not the version: a score or a
    blocker recorded since does not make "remind me later" wrong. Other callers may
    still pass `expected_version`."""
    role = role_of(session, staff)
    submission = find(session, reference)
    if submission.status in CLOSED:
        raise Refused(text("workflow.closed", reference=reference, status=submission.status.value))
    if role is not StaffRole.lead and submission.assignee != staff.identity:
        raise Refused(text("workflow.not_your_reminders", reference=reference))
    calendar = service_levels.calendar(get_settings().timezone)
    until = calendar.add(calendar.local_date(utcnow()), SNOOZE_BUSINESS_DAYS)
    if expected_status is not ANY and submission.status is not expected_status:
        return moved_since(submission)  # a reminder of an earlier stay
    if expected_snoozes is not ANY and submission.snoozes != expected_snoozes:
        return _already_snoozed(submission)
    stale = stale_view(session, submission, expected_version)
    if stale is not None:
        return stale
    # The owner's reminder comes back when the snooze ends; escalations keep their time.
    back = service_levels.after_snooze(submission.status, submission.next_decision_by, until)
    planned = [when for when in (submission.next_reminder_at, back) if when is not None]
    snoozed = bump_version(
        session,
        submission,
        Submission.snoozes == submission.snoozes,
        snoozed_until=until,
        snoozes=Submission.snoozes + 1,
        next_reminder_at=min(planned, default=None),
    )
    if not snoozed:
        return _already_snoozed(submission)
    record_change(session, submission, staff.identity, "snoozed", until=until.isoformat())
    return Outcome(
        reference,
        True,
        text("workflow.snoozed", reference=reference, date=day_and_month(until, DEFAULT_LANGUAGE)),
    )


def _already_snoozed(submission: Submission) -> Outcome:
    held = (
        day_and_month(submission.snoozed_until, DEFAULT_LANGUAGE)
        if submission.snoozed_until
        else "-"
    )
    return Outcome(
        submission.reference,
        False,
        text("workflow.already_snoozed", reference=submission.reference, date=held),
    )
