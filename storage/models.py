"""Tables and read models.

A submission of every kind (proposal, idea, feedback) lives in one table. What is
public about it is the `SubmissionPublic` model, which physically lacks contact
details and answers, so nothing confidential can leak through a public endpoint
by forgetting a filter.
"""

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Kind(StrEnum):
    proposal = "proposal"
    idea = "idea"
    feedback = "feedback"


class Status(StrEnum):
    received = "received"
    screening = "screening"
    needs_info = "needs_info"
    evaluation = "evaluation"
    pilot = "pilot"
    procurement = "procurement"
    declined = "declined"
    withdrawn = "withdrawn"
    closed = "closed"


# What a submitter should expect next, in plain language, for each status.
NEXT_STEPS: dict[Status, str] = {
    Status.received: (
        "The City's innovation office screens new submissions for completeness and fit "
        "within 10 business days."
    ),
    Status.screening: "A City reviewer is checking the submission for completeness and fit.",
    Status.needs_info: (
        "The City has asked the submitter for more information; review resumes once it arrives."
    ),
    Status.evaluation: "The relevant departments are evaluating the submission against the "
    "published criteria.",
    Status.pilot: "The City is planning or running a pilot of this solution.",
    Status.procurement: "The City is deciding how to buy or partner, following procurement rules.",
    Status.declined: "The City decided not to pursue this submission. No further steps.",
    Status.withdrawn: "The submitter withdrew this submission. No further steps.",
    Status.closed: "This submission is closed. No further steps.",
}


def _enum(enum: type[StrEnum]) -> SAEnum:
    # Stored as checked strings, not database enum types, so adding a value later
    # is a plain migration on both SQLite and PostgreSQL.
    return SAEnum(enum, native_enum=False, length=20, validate_strings=True)


class SubmissionPublic(SQLModel):
    """Everything anyone may see about a submission."""

    reference: str = Field(max_length=16)
    kind: Kind = Field(sa_type=_enum(Kind))
    title: str = Field(max_length=200)
    category: str | None = Field(default=None, max_length=60)
    status: Status = Field(sa_type=_enum(Status))
    submitted_at: datetime
    updated_at: datetime
    next_step: str
    next_decision_by: date | None = None


class Submission(SubmissionPublic, table=True):
    __table_args__ = (UniqueConstraint("year", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=16, unique=True, index=True)
    year: int
    sequence: int
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    # sha256 of the private status token handed to the submitter.
    status_token_hash: str = Field(max_length=64)


class Contact(SQLModel, table=True):
    """A person or organisation that can be reached again. Never public."""

    id: int | None = Field(default=None, primary_key=True)
    organisation: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    website: str | None = Field(default=None, max_length=300)
    # The chat identity that submitted, so staff can answer in the same channel.
    channel: str = Field(default="web", max_length=20)
    sender_id: str = Field(max_length=128, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class SubmissionAnswer(SQLModel, table=True):
    """One answer of the submission form, with the submitter's confidentiality flag."""

    submission_id: int = Field(foreign_key="submission.id", primary_key=True)
    field: str = Field(max_length=60, primary_key=True)
    value: str
    confidential: bool = False


class StatusChange(SQLModel, table=True):
    """Append-only history: rows are inserted, never updated or deleted (enforced by triggers)."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=120)
    from_status: Status | None = Field(default=None, sa_type=_enum(Status))
    to_status: Status = Field(sa_type=_enum(Status))
    public_reason: str | None = None
    internal_note: str | None = None


class Draft(SQLModel, table=True):
    """Answers saved as they arrive, so nothing given is lost if the user or a process leaves."""

    id: int | None = Field(default=None, primary_key=True)
    sender_id: str = Field(max_length=128)
    kind: Kind = Field(sa_type=_enum(Kind))
    answers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)

    __table_args__ = (UniqueConstraint("sender_id", "kind"),)


class ReferenceCounter(SQLModel, table=True):
    """Last sequence number handed out per year; bumped atomically by one upsert."""

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_sequence: int = 0


class HandoffRequest(SQLModel, table=True):
    """Someone asked for a person. Visible to staff; posted to Slack when Slack is on."""

    id: int | None = Field(default=None, primary_key=True)
    sender_id: str = Field(max_length=128, index=True)
    channel: str = Field(default="web", max_length=20)
    topic: str
    contact: str | None = Field(default=None, max_length=254)
    reference: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    # Set when a staff notification was claimed for sending; cleared again if it failed.
    notified_at: datetime | None = None


class StatusLookup(SQLModel, table=True):
    """Every status look-up in chat: the audit trail and the per-sender rate limit."""

    id: int | None = Field(default=None, primary_key=True)
    sender_id: str = Field(max_length=128)
    reference: str = Field(max_length=16)
    found: bool
    at: datetime = Field(default_factory=utcnow)

    __table_args__ = (Index("ix_statuslookup_sender_at", "sender_id", "at"),)
