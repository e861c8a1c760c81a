"""Submissions: creating one (its reference, answers, first status and the triage card
staff are sent), reading it back for staff and its submitter, and what anyone may see
of it (the public API and open data). Changing one is the workflow's job
(storage/workflow/)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, tuple_
from sqlmodel import Session, col, select

from storage import outbox, service_levels
from storage.contacts import ContactDetails
from storage.db import insert_for
from storage.languages import DEFAULT_LANGUAGE
from storage.models import (
    Contact,
    Kind,
    ReferenceCounter,
    Status,
    StatusChange,
    Submission,
    SubmissionAnswer,
    SubmissionPublic,
    SubmissionPublished,
    utcnow,
)
from storage.reference import format_reference
from storage.rendering import next_step_text, public_title, title_text

SYSTEM_ACTOR = "entryway"


@dataclass(frozen=True)
class NewSubmission:
    kind: Kind
    title: str
    category: str | None
    answers: dict[str, str]
    confidential_fields: frozenset[str]
    # None for anonymous feedback: not even the chat identity is kept, so nothing links
    # it to anything else the same person submitted.
    contact: ContactDetails | None
    # A title Entryway wrote ("Procurement barrier: Timeline"), not the submitter: public
    # from the start; the submitter's own titles wait until staff have screened them.
    title_is_ours: bool = False
    # Triage facts derived from the answers (actions/triage.py), shown to staff.
    procurement_path: str | None = None
    procurement_reason: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Receipt:
    """What the submitter is told once: the reference and the private status token."""

    reference: str
    status_token: str
    submission: SubmissionPublic


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(submission: Submission, token: str) -> bool:
    return secrets.compare_digest(hash_token(token), submission.status_token_hash)


def next_step_for(status: Status, language: str = DEFAULT_LANGUAGE) -> str:
    """What a submitter should expect next, in plain language. The database keeps only
    the code (`Submission.next_step`, the status); storage.rendering words it."""
    return next_step_text(status.value, language)


def _next_sequence(session: Session, year: int) -> int:
    """Atomically bumps the year's counter: one upsert, so parallel submits never collide."""
    statement = (
        insert_for(session, ReferenceCounter)
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
    due = service_levels.due(Status.received, now)
    contact = Contact(**vars(new.contact)) if new.contact else None
    if contact is not None:
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
        next_step=Status.received.value,
        next_decision_by=due,
        next_reminder_at=service_levels.first_reminder(Status.received, due),
        status_since=now,
        contact_id=contact.id if contact else None,
        status_token_hash=hash_token(token),
        title_public=new.title_is_ours,
        procurement_path=new.procurement_path,
        procurement_reason=new.procurement_reason,
        flags=list(new.flags),
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
            reason_code="submitted",
        )
    )
    # Staff hear of every new submission: the triage card is sent with this commit or not at all.
    outbox.enqueue(
        session,
        "triage_card",
        {},
        submission_id=submission.id,
        dedupe_key=f"triage_card:{submission.id}",
    )
    session.flush()
    return Receipt(submission.reference, token, public_view(submission))


def get_submission(session: Session, reference: str) -> Submission | None:
    return session.exec(select(Submission).where(Submission.reference == reference)).first()


def get_answers(session: Session, submission_id: int) -> list[SubmissionAnswer]:
    return list(
        session.exec(
            select(SubmissionAnswer).where(SubmissionAnswer.submission_id == submission_id)
        )
    )


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


# --- what anyone may see ------------------------------------------------------------


def public_view(submission: Submission, language: str = DEFAULT_LANGUAGE) -> SubmissionPublic:
    """What anyone may see of a submission: its title only once staff have screened it
    (until then a neutral title, in the reader's `language`)."""
    public = SubmissionPublic.model_validate(submission)
    public.title = (
        title_text(submission.title, language)
        if submission.title_public
        else public_title(submission.kind, language)
    )
    return public


def published(public: SubmissionPublic, zone: ZoneInfo) -> SubmissionPublished:
    """The public view as the public API and open data publish it (SubmissionPublished)."""
    view = SubmissionPublished.model_validate(public, from_attributes=True)
    if public.kind == Kind.feedback:
        view.submitted_at = _month_of(public.submitted_at, zone)
        view.updated_at = _month_of(public.updated_at, zone)
    return view


def _month_of(moment: datetime, zone: ZoneInfo) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).strftime("%Y-%m")


def get_public_submission(
    session: Session, reference: str, language: str = DEFAULT_LANGUAGE
) -> SubmissionPublic | None:
    submission = get_submission(session, reference)
    return public_view(submission, language) if submission else None


def public_submissions_page(
    session: Session,
    after: tuple[int, int] | None,
    limit: int,
    language: str = DEFAULT_LANGUAGE,
) -> tuple[list[SubmissionPublic], tuple[int, int] | None]:
    """Up to `limit` public views in reference order, after the reference `after` names
    ((year, sequence); None: from the first), and the key of the last one (None when there
    are no more). A keyset query on the (year, sequence) unique index, so every page costs
    the same and needs no transaction kept open between pages."""
    query = select(Submission).order_by(col(Submission.year), col(Submission.sequence))
    if after is not None:
        query = query.where(tuple_(col(Submission.year), col(Submission.sequence)) > tuple_(*after))
    rows = list(session.exec(query.limit(limit)))
    last = (rows[-1].year, rows[-1].sequence) if len(rows) == limit else None
    return [public_view(row, language) for row in rows], last


def latest_public_submissions(
    session: Session, limit: int, language: str = DEFAULT_LANGUAGE
) -> list[SubmissionPublic]:
    """The newest `limit` submissions, newest first, read with a LIMIT query."""
    rows = session.exec(
        select(Submission)
        .order_by(col(Submission.year).desc(), col(Submission.sequence).desc())
        .limit(limit)
    )
    return [public_view(row, language) for row in rows]
