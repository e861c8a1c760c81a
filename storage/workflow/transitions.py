"""Status changes: the one place a submission's status changes (change_status: checked,
compare-and-set, recorded in its history, told to the submitter), and the decisions
that change it: advance and decline (leads), a question to the submitter (the
submission waits in needs_info) and the submitter's answer (it goes back)."""

from sqlalchemy import update
from sqlmodel import Session

from storage import procurement_records, service_levels
from storage.catalogue import text
from storage.contacts import get_contact, language_of, submitted_by
from storage.languages import language_or_default, supported
from storage.models import InfoRequest, Status, StatusChange, Submission, utcnow
from storage.procurement_records import Terms
from storage.workflow.evaluation import check_not_conflicted
from storage.workflow.info_requests import open_info_request
from storage.workflow.roles import require_lead, role_of
from storage.workflow.rules import (
    ANY,
    CLOSED,
    SCREENED,
    SUBMITTER,
    Outcome,
    Refused,
    Staff,
    advance_targets,
    allowed_transitions,
    cleaned,
)
from storage.workflow.submitter_news import status_news, tell_submitter
from storage.workflow.versions import (
    bump_version,
    card_changed,
    find,
    moved_since,
    note_activity,
    record_change,
    stale_view,
)


def change_status(
    session: Session,
    submission: Submission,
    to_status: Status,
    actor: str,
    public_reason: str | None,
    internal_note: str | None,
    expected_status: object,
    expected_version: object = ANY,
    resume_status: Status | None = None,
    offer_answer: bool = False,
    shown: bool = False,
    reason_code: str | None = None,
) -> Outcome | StatusChange:
    """The one place a status changes: checked, compare-and-set, recorded, announced.
    The public reason is staff's words (`public_reason`, kept as written) or one Entryway
    gives itself (`reason_code`, `status.reason.<code>`, worded for each reader).
    Returns an Outcome instead of a change when the submission had already moved, or
    changed since the view the decision was made on."""
    current = submission.status
    if expected_status is not ANY and current is not expected_status:
        return moved_since(submission)
    stale = stale_view(session, submission, expected_version)
    if stale is not None:
        return stale
    if to_status not in allowed_transitions(submission):
        allowed = ", ".join(s.value for s in allowed_transitions(submission)) or text(
            "workflow.none"
        )
        raise Refused(
            text(
                "workflow.illegal_transition",
                reference=submission.reference,
                current=current.value,
                target=to_status.value,
                allowed=allowed,
            )
        )
    now = utcnow()
    due = service_levels.due(to_status, now)
    seen = submission.version
    changed = bump_version(
        session,
        submission,
        Submission.status == current,
        status=to_status,
        updated_at=now,
        status_since=now,
        next_step=to_status.value,  # a code: worded for each reader
        next_decision_by=due,
        next_reminder_at=service_levels.first_reminder(to_status, due),
        resume_status=resume_status,
        title_public=submission.title_public or to_status in SCREENED,
        # A new stay: what it waited on, and snoozed reminders, belong to the old one.
        blocked_by=None,
        snoozed_until=None,
        snoozes=0,
    )
    if not changed:  # someone else changed it between our read and this write
        if submission.status is current:
            return stale_view(session, submission, seen) or moved_since(submission)
        return moved_since(submission)
    change = StatusChange(
        submission_id=submission.id,
        at=now,
        actor=actor,
        from_status=current,
        to_status=to_status,
        public_reason=public_reason,
        reason_code=reason_code,
        internal_note=internal_note,
        version=submission.version,
    )
    session.add(change)
    session.flush()
    unanswered = open_info_request(session, submission.id) if current is Status.needs_info else None
    if unanswered is not None and actor != SUBMITTER:
        # Staff went on (or declined) without the answer; the record says so.
        note_activity(session, submission, actor, "info_request_dropped", request_id=unanswered.id)
    tell_submitter(
        session,
        submission,
        f"status:{change.id}",
        status_news(submission, change, offer_answer),
        change.id,
        shown,
    )
    return change


def outcome_of_change(
    submission: Submission, change: Outcome | StatusChange, message_key: str
) -> Outcome:
    """What the person is told of change_status's result: the change, in the words of
    `message_key`, or the Outcome it returned instead (moved or changed since)."""
    if isinstance(change, Outcome):
        return change
    return Outcome(
        submission.reference,
        True,
        text(message_key, reference=submission.reference, status=change.to_status.value),
    )


def advance(
    session: Session,
    reference: str,
    staff: Staff,
    to_status: Status | None = None,
    public_reason: str | None = None,
    internal_note: str | None = None,
    expected_status: object = ANY,
    expected_version: object = ANY,
    procurement: Terms | None = None,
) -> Outcome:
    """Moves a submission forward (to the only next status, or the one chosen). Leads only.
    A move into procurement records how the City goes about it (`procurement`:
    storage/procurement_records.py) when given; without it the move is made and staff are
    told to record it. Coming back to it from a question to the submitter is the same stay
    and needs none."""
    require_lead(session, staff, "advance")
    submission = find(session, reference)
    check_not_conflicted(session, submission, staff)
    targets = advance_targets(submission)
    if to_status is None:
        if expected_status is not ANY and submission.status is not expected_status:
            return moved_since(submission)
        if len(targets) != 1:
            raise Refused(
                text(
                    "workflow.choose_target",
                    reference=reference,
                    allowed=", ".join(s.value for s in targets) or text("workflow.none"),
                )
            )
        to_status = targets[0]
    if to_status in CLOSED - {Status.closed} or to_status is Status.needs_info:
        raise Refused(text("workflow.use_other_action", target=to_status.value))
    if submission.status is Status.needs_info and to_status not in targets:
        raise Refused(text("workflow.waiting_for_answer", reference=reference))
    entering_procurement = (
        to_status is Status.procurement and submission.status is not Status.needs_info
    )
    if procurement is not None and not entering_procurement:
        raise Refused(text("procurement.refused.not_entering", target=to_status.value))
    reason = cleaned(public_reason)
    # Without staff's words, Entryway's own reason, as a code worded for each reader.
    standard = (
        "resumed" if submission.status is Status.needs_info else f"advanced_to.{to_status.value}"
    )
    change = change_status(
        session,
        submission,
        to_status,
        staff.identity,
        reason,
        cleaned(internal_note),
        expected_status,
        expected_version,
        reason_code=None if reason else standard,
    )
    outcome = outcome_of_change(submission, change, "workflow.moved")
    if entering_procurement and procurement is not None and isinstance(change, StatusChange):
        procurement_records.record_move(session, submission, change, procurement, staff.identity)
        recorded = text(
            "procurement.recorded",
            reference=reference,
            approach=text(f"procurement.approach.{procurement.approach}"),
        )
        return Outcome(reference, True, f"{outcome.message} {recorded}")
    if entering_procurement and isinstance(change, StatusChange):
        # `advance REF --to procurement` worked before approaches were recorded, and keeps
        # working: the move is made, and staff are told what is still to record (the
        # report counts it as not recorded until then).
        still = text(
            "procurement.approach_to_record",
            reference=reference,
            options=procurement_records.approach_options(),
        )
        return Outcome(reference, True, f"{outcome.message} {still}")
    return outcome


def decline(
    session: Session,
    reference: str,
    staff: Staff,
    public_reason: str,
    internal_note: str | None = None,
    expected_status: object = ANY,
    expected_version: object = ANY,
) -> Outcome:
    """Declines a submission, with the reason the submitter will read. Leads only."""
    require_lead(session, staff, "decline")
    submission = find(session, reference)
    check_not_conflicted(session, submission, staff)
    reason = cleaned(public_reason)
    if not reason or len(reason) < 10:
        raise Refused(text("workflow.reason_needed"))
    change = change_status(
        session,
        submission,
        Status.declined,
        staff.identity,
        reason,
        cleaned(internal_note),
        expected_status,
        expected_version,
    )
    return outcome_of_change(submission, change, "workflow.moved")


def request_info(
    session: Session,
    reference: str,
    staff: Staff,
    question: str,
    internal_note: str | None = None,
    expected_status: object = ANY,
    expected_version: object = ANY,
) -> Outcome:
    """Asks the submitter a question; the submission waits in needs_info for the answer."""
    role_of(session, staff)
    submission = find(session, reference)
    check_not_conflicted(session, submission, staff)
    question = cleaned(question, 1000) or ""
    if len(question) < 5:
        raise Refused(text("workflow.question_needed"))
    if submission.status is Status.needs_info and expected_status in (ANY, Status.needs_info):
        raise Refused(text("workflow.already_waiting", reference=reference))
    if submission.contact_id is None or get_contact(session, submission.contact_id) is None:
        raise Refused(text("workflow.no_way_to_ask", reference=reference))
    change = change_status(
        session,
        submission,
        Status.needs_info,
        staff.identity,
        question,
        cleaned(internal_note),
        expected_status,
        expected_version,
        resume_status=submission.status,
        offer_answer=True,
    )
    if isinstance(change, Outcome):
        return change
    session.add(
        InfoRequest(submission_id=submission.id, question=question, asked_by=staff.identity)
    )
    note_activity(session, submission, staff.identity, "info_requested", question=question)
    return outcome_of_change(submission, change, "workflow.info_requested")


def answer_info(
    session: Session, reference: str, sender_id: str, answer: str, language: str | None = None
) -> Outcome:
    """The submitter's answer, given in chat: attached to the submission, which returns
    to where it was before the question. An answer that comes after staff went on is
    still attached (and the card says so): nothing the submitter gives is lost. What they
    are told is in `language` (the chat's), else in their contact's language."""
    submission = find(session, reference)
    if not submitted_by(session, submission, sender_id):
        raise Refused(
            text("info_answer.not_yours", language_or_default(language), reference=reference)
        )
    language = supported(language) or language_of(session, submission.contact_id)
    request = open_info_request(session, submission.id)
    if request is None:
        return Outcome(
            reference, False, text("info_answer.nothing_asked", language, reference=reference)
        )
    request.answer, request.answered_at = cleaned(answer, 5000) or "", utcnow()
    session.add(request)
    change = (
        change_status(
            session,
            submission,
            submission.resume_status or Status.screening,
            SUBMITTER,
            None,
            None,
            Status.needs_info,
            shown=True,  # they are told in the chat they are answering in
            reason_code="info_received",
        )
        if submission.status is Status.needs_info
        else None
    )
    if change is None or isinstance(change, Outcome):  # staff had gone on without it
        # Still a change: a decision drawn before the answer arrived must see it first.
        session.execute(
            update(Submission)
            .where(Submission.id == submission.id)
            .values(version=Submission.version + 1)
            .execution_options(synchronize_session=False)
        )
        session.refresh(submission)
        record_change(session, submission, SUBMITTER, "info_answered", request_id=request.id)
        card_changed(session, submission.id)
        return Outcome(
            reference, True, text("info_answer.answered_late", language, reference=reference)
        )
    record_change(session, submission, SUBMITTER, "info_answered", request_id=request.id)
    back_in = text(f"info_answer.back_in.{change.to_status.value}", language)
    return Outcome(
        reference, True, text("info_answer.answered", language, reference=reference, status=back_in)
    )
