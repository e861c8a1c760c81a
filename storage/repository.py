"""The one place that reads and writes Entryway's data. Every other part calls these."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import (
    NEXT_STEPS,
    Contact,
    Draft,
    HandoffRequest,
    Kind,
    ReferenceCounter,
    Status,
    StatusChange,
    StatusLookup,
    Submission,
    SubmissionAnswer,
    SubmissionPublic,
    utcnow,
)
from storage.reference import format_reference

SYSTEM_ACTOR = "entryway"


@dataclass(frozen=True)
class ContactDetails:
    sender_id: str
    channel: str = "web"
    organisation: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class NewSubmission:
    kind: Kind
    title: str
    category: str | None
    answers: dict[str, str]
    confidential_fields: frozenset[str]
    contact: ContactDetails


@dataclass(frozen=True)
class Receipt:
    """What the submitter is told once: the reference and the private status token."""

    reference: str
    status_token: str
    submission: SubmissionPublic


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- drafts -----------------------------------------------------------------


def get_draft(session: Session, sender_id: str, kind: Kind) -> Draft | None:
    return session.exec(
        select(Draft).where(Draft.sender_id == sender_id, Draft.kind == kind)
    ).first()


def save_draft(session: Session, sender_id: str, kind: Kind, answers: dict[str, object]) -> Draft:
    """Replaces the draft's answers; safe to call on every answer."""
    draft = get_draft(session, sender_id, kind)
    if draft is None:
        draft = Draft(sender_id=sender_id, kind=kind, answers=dict(answers))
    else:
        draft.answers = dict(answers)
        draft.updated_at = utcnow()
    session.add(draft)
    session.flush()
    return draft


def discard_draft(session: Session, sender_id: str, kind: Kind) -> None:
    session.exec(delete(Draft).where(Draft.sender_id == sender_id, Draft.kind == kind))


def purge_stale_drafts(session: Session, older_than: timedelta) -> int:
    result = session.exec(delete(Draft).where(Draft.updated_at < utcnow() - older_than))
    return result.rowcount or 0


# --- submissions -------------------------------------------------------------


def _next_sequence(session: Session, year: int) -> int:
    """Atomically bumps the year's counter: one upsert, so parallel submits never collide."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ReferenceCounter)
        .values(year=year, last_sequence=1)
        .on_conflict_do_update(
            index_elements=[ReferenceCounter.year],
            set_={"last_sequence": ReferenceCounter.last_sequence + 1},
        )
        .returning(ReferenceCounter.last_sequence)
    )
    return session.execute(statement).scalar_one()


def create_submission(session: Session, new: NewSubmission, zone: ZoneInfo) -> Receipt:
    now = utcnow()
    year = now.astimezone(zone).year
    sequence = _next_sequence(session, year)
    token = secrets.token_urlsafe(12)
    contact = Contact(**vars(new.contact))
    session.add(contact)
    session.flush()
    submission = Submission(
        reference=format_reference(year, sequence),
        year=year,
        sequence=sequence,
        kind=new.kind,
        title=new.title,
        category=new.category,
        status=Status.received,
        submitted_at=now,
        updated_at=now,
        next_step=NEXT_STEPS[Status.received],
        contact_id=contact.id,
        status_token_hash=hash_token(token),
    )
    session.add(submission)
    session.flush()
    session.add_all(
        SubmissionAnswer(
            submission_id=submission.id,
            field=field,
            value=value,
            confidential=field in new.confidential_fields,
        )
        for field, value in new.answers.items()
    )
    session.add(
        StatusChange(
            submission_id=submission.id,
            at=now,
            actor=SYSTEM_ACTOR,
            from_status=None,
            to_status=Status.received,
            public_reason="Submitted through Entryway chat.",
        )
    )
    session.flush()
    return Receipt(submission.reference, token, SubmissionPublic.model_validate(submission))


def get_submission(session: Session, reference: str) -> Submission | None:
    return session.exec(select(Submission).where(Submission.reference == reference)).first()


def get_public_submission(session: Session, reference: str) -> SubmissionPublic | None:
    submission = get_submission(session, reference)
    return SubmissionPublic.model_validate(submission) if submission else None


def list_public_submissions(session: Session) -> list[SubmissionPublic]:
    rows = session.exec(select(Submission).order_by(col(Submission.year), col(Submission.sequence)))
    return [SubmissionPublic.model_validate(row) for row in rows]


def latest_public_submissions(session: Session, limit: int) -> list[SubmissionPublic]:
    """The newest `limit` submissions, newest first, read with a LIMIT query."""
    rows = session.exec(
        select(Submission)
        .order_by(col(Submission.year).desc(), col(Submission.sequence).desc())
        .limit(limit)
    )
    return [SubmissionPublic.model_validate(row) for row in rows]


def get_answers(session: Session, submission_id: int) -> list[SubmissionAnswer]:
    return list(
        session.exec(
            select(SubmissionAnswer).where(SubmissionAnswer.submission_id == submission_id)
        )
    )


def get_contact(session: Session, contact_id: int) -> Contact | None:
    return session.get(Contact, contact_id)


def change_status(
    session: Session,
    reference: str,
    to_status: Status,
    actor: str,
    public_reason: str | None = None,
    internal_note: str | None = None,
    next_step: str | None = None,
    next_decision_by: datetime | None = None,
) -> StatusChange:
    """Moves a submission to a new status and appends the change to its history."""
    submission = get_submission(session, reference)
    if submission is None:
        raise LookupError(reference)
    change = StatusChange(
        submission_id=submission.id,
        actor=actor,
        from_status=submission.status,
        to_status=to_status,
        public_reason=public_reason,
        internal_note=internal_note,
    )
    submission.status = to_status
    submission.updated_at = change.at
    submission.next_step = next_step or NEXT_STEPS[to_status]
    submission.next_decision_by = next_decision_by.date() if next_decision_by else None
    session.add_all([submission, change])
    session.flush()
    return change


def status_history(session: Session, submission_id: int) -> list[StatusChange]:
    return list(
        session.exec(
            select(StatusChange)
            .where(StatusChange.submission_id == submission_id)
            .order_by(col(StatusChange.id))
        )
    )


def count_submissions(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Submission)).one()


def submitted_by(session: Session, submission: Submission, sender_id: str) -> bool:
    """Whether this chat identity is the one that made the submission."""
    contact = session.get(Contact, submission.contact_id) if submission.contact_id else None
    return contact is not None and contact.sender_id == sender_id


def token_matches(submission: Submission, token: str) -> bool:
    return secrets.compare_digest(hash_token(token), submission.status_token_hash)


def latest_public_reason(session: Session, submission_id: int) -> str | None:
    """The newest reason staff gave the submitter (e.g. what information they need)."""
    return session.exec(
        select(StatusChange.public_reason)
        .where(StatusChange.submission_id == submission_id)
        .where(StatusChange.actor != SYSTEM_ACTOR)
        .where(col(StatusChange.public_reason).is_not(None))
        .order_by(col(StatusChange.id).desc())
    ).first()


# --- status look-ups -----------------------------------------------------------


def record_lookup(session: Session, sender_id: str, reference: str, found: bool) -> None:
    session.add(StatusLookup(sender_id=sender_id, reference=reference, found=found))
    session.flush()


def recent_lookups(session: Session, sender_id: str, window: timedelta) -> tuple[int, int]:
    """(all, not found) look-ups by this sender within the window."""
    since = utcnow() - window
    rows = session.exec(
        select(StatusLookup.found).where(
            StatusLookup.sender_id == sender_id, StatusLookup.at >= since
        )
    ).all()
    return len(rows), sum(1 for found in rows if not found)


# --- handoff to staff ---------------------------------------------------------------


def create_handoff(
    session: Session,
    sender_id: str,
    channel: str,
    topic: str,
    contact: str | None,
    reference: str | None,
) -> HandoffRequest:
    request = HandoffRequest(
        sender_id=sender_id, channel=channel, topic=topic, contact=contact, reference=reference
    )
    session.add(request)
    session.flush()
    return request


def claim_handoffs_to_notify(session: Session, limit: int = 20) -> list[HandoffRequest]:
    """Marks up to `limit` not-yet-notified requests as claimed and returns them.

    The claim is a conditional UPDATE, so two app instances never notify twice.
    """
    claimed = []
    candidates = session.exec(
        select(HandoffRequest.id)
        .where(col(HandoffRequest.notified_at).is_(None))
        .order_by(col(HandoffRequest.id))
        .limit(limit)
    ).all()
    for request_id in candidates:
        result = session.execute(
            update(HandoffRequest)
            .where(HandoffRequest.id == request_id, col(HandoffRequest.notified_at).is_(None))
            .values(notified_at=utcnow())
        )
        if result.rowcount == 1:
            claimed.append(session.get(HandoffRequest, request_id))
    return claimed


def release_handoff(session: Session, request_id: int) -> None:
    """Undoes a claim whose notification failed, so a later run tries again."""
    session.execute(
        update(HandoffRequest).where(HandoffRequest.id == request_id).values(notified_at=None)
    )


def list_handoffs(session: Session, limit: int = 100) -> list[HandoffRequest]:
    return list(
        session.exec(select(HandoffRequest).order_by(col(HandoffRequest.id).desc()).limit(limit))
    )


def latest_submission_of_sender(session: Session, sender_id: str) -> Submission | None:
    return session.exec(
        select(Submission)
        .join(Contact, col(Contact.id) == col(Submission.contact_id))
        .where(Contact.sender_id == sender_id)
        .order_by(col(Submission.id).desc())
    ).first()
