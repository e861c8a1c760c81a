"""The one place that reads and writes Entryway's data. Every other part calls these."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import (
    NEXT_STEPS,
    Contact,
    Draft,
    Kind,
    ReferenceCounter,
    Status,
    StatusChange,
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
