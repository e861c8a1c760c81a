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
    # A code, not a sentence: what comes next is `status.next_step.<code>` in the
    # reader's language (storage/rendering.py). The code is the status it was set for.
    next_step: str
    next_decision_by: date | None = None


class SubmissionPublished(SubmissionPublic):
    """What the public API and open data publish: the public view, with procurement
    feedback's times to the month only ("2026-12", City time). Feedback may be given
    anonymously; its exact minute would link it to whoever was chatting then."""

    submitted_at: datetime | str = Field(
        description="UTC timestamp; procurement feedback: the month only (City time), 2026-12"
    )
    updated_at: datetime | str = Field(
        description="UTC timestamp; procurement feedback: the month only (City time), 2026-12"
    )


class Submission(SubmissionPublic, table=True):
    __table_args__ = (UniqueConstraint("year", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=16, unique=True, index=True)
    year: int
    sequence: int
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    # sha256 of the private status token handed to the submitter.
    status_token_hash: str = Field(max_length=64)
    # The staff member who owns the evaluation (a staff identity, see storage.staff).
    assignee: str | None = Field(default=None, max_length=120)
    # Where a submission waiting for information returns once it arrives.
    resume_status: Status | None = Field(default=None, sa_type=_enum(Status))
    # Triage facts derived from the answers at intake (actions/triage.py).
    procurement_path: str | None = Field(default=None, max_length=40)
    procurement_reason: str | None = None
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The triage card in Slack, once posted, so every change can update it.
    card_channel: str | None = Field(default=None, max_length=40)
    card_ts: str | None = Field(default=None, max_length=40)
    # Whether its title may be published: once staff passed it through screening (until
    # then a neutral title stands in, so a flood of junk cannot write on open data).
    title_public: bool = False
    # When it entered its current status: the start of its service level.
    status_since: datetime = Field(default_factory=utcnow)
    # What it waits on, as staff set it (storage.workflow.rules.BLOCKERS), or None.
    blocked_by: str | None = Field(default=None, max_length=40)
    # Reminders about it wait until this date; each snooze starts a new round of them.
    snoozed_until: date | None = None
    snoozes: int = 0
    # When its next reminder or escalation falls due (storage/reminders.py), or None.
    next_reminder_at: datetime | None = Field(default=None, index=True)
    # Bumped by every change a person makes (status, owner, questions and answers,
    # declarations, scores, blocker, snooze), never by bookkeeping: buttons and modals
    # carry the version they were drawn at, so a decision on a stale view is refused.
    version: int = 0


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
    # The language of the conversation (storage/languages.py): everything sent to this
    # person later (receipt, questions, decisions, reminders) is written in it.
    language: str = Field(default="en", max_length=8)
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
    # The reason as staff wrote it, shown as written; None when Entryway gave the reason.
    public_reason: str | None = None
    # A reason Entryway gives itself (submitted, resumed, ...): `status.reason.<code>`,
    # rendered in the reader's language (storage/rendering.py).
    reason_code: str | None = Field(default=None, max_length=60)
    internal_note: str | None = None
    # The submission's version this change produced (None before versions existed).
    version: int | None = None


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


class HandoffDelivery(StrEnum):
    """How a handoff request reaches staff (storage/handoff_pace.py)."""

    posted = "posted"  # a post of its own in the triage channel
    summarised = "summarised"  # one of many at once: counted in the window's summary post
    held = "held"  # over a per-client or total limit (the person was told): as summarised


class HandoffRequest(SQLModel, table=True):
    """Someone asked for a person. Visible to staff (`staff_cli handoffs`); posted to
    Slack through the outbox, or counted in a summary post when many come at once."""

    id: int | None = Field(default=None, primary_key=True)
    sender_id: str = Field(max_length=128, index=True)
    channel: str = Field(default="web", max_length=20)
    topic: str
    contact: str | None = Field(default=None, max_length=254)
    reference: str | None = Field(default=None, max_length=16)
    # True only when the chat identity that asked is the one that made that submission.
    reference_verified: bool = False
    # The language the person chatted in (storage/languages.py), so staff answer in it.
    language: str = Field(default="en", max_length=8)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    delivery: HandoffDelivery = Field(
        default=HandoffDelivery.posted,
        sa_type=_enum(HandoffDelivery),
        sa_column_kwargs={"server_default": HandoffDelivery.posted.value},
    )


class HandoffPace(SQLModel, table=True):
    """The one row that paces handoff posts (storage/handoff_pace.py): the window now
    open, how many requests got a post of their own in it, and whether its summary post
    is queued. Every new request locks it first, so two at once never both take the
    window's last post."""

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    opened_at: datetime | None = None
    closes_at: datetime | None = None
    posts: int = 0
    summary_queued: bool = False


class ClientIntake(SQLModel, table=True):
    """One handoff request or new submission, by the client it came from (an address, or a
    Slack user), for the per-client and total limits of storage/intake_limits.py. Kept
    for the limits' window only: each new row removes those older than it."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    client: str = Field(max_length=128)
    at: datetime = Field(default_factory=utcnow)

    __table_args__ = (
        Index("ix_clientintake_kind_at", "kind", "at"),
        Index("ix_clientintake_kind_client_at", "kind", "client", "at"),
    )


class StatusLookup(SQLModel, table=True):
    """Every status look-up in chat: the audit trail and the per-sender rate limit."""

    id: int | None = Field(default=None, primary_key=True)
    sender_id: str = Field(max_length=128)
    reference: str = Field(max_length=16)
    found: bool
    at: datetime = Field(default_factory=utcnow)

    __table_args__ = (Index("ix_statuslookup_sender_at", "sender_id", "at"),)


class Activity(SQLModel, table=True):
    """Append-only log of what staff and submitters did besides status changes
    (assignments, conflict declarations, scores, information requests and answers,
    who opened confidential answers). Internal: never shown to the public."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=120)
    kind: str = Field(max_length=40)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The submission's version this entry produced; None for what changes nothing
    # (a viewing) and for entries from before versions existed.
    version: int | None = None


class ConflictDeclaration(SQLModel, table=True):
    """An evaluator's conflict-of-interest declaration; required before scoring."""

    submission_id: int = Field(foreign_key="submission.id", primary_key=True)
    evaluator: str = Field(max_length=120, primary_key=True)
    has_conflict: bool
    statement: str | None = None
    at: datetime = Field(default_factory=utcnow)


class Score(SQLModel, table=True):
    """One evaluator's rubric scores (1-5 per criterion) with a comment each."""

    submission_id: int = Field(foreign_key="submission.id", primary_key=True)
    evaluator: str = Field(max_length=120, primary_key=True)
    scores: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    comments: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow)


class InfoRequest(SQLModel, table=True):
    """A question staff asked the submitter, and the answer they gave in chat."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    question: str
    asked_by: str = Field(max_length=120)
    asked_at: datetime = Field(default_factory=utcnow)
    answer: str | None = None
    answered_at: datetime | None = None


class SubmitterMessage(SQLModel, table=True):
    """What the submitter was told about their submission (a public status change, or a
    reminder to answer a question): their inbox. The web chat shows unseen ones on the
    next visit; Slack and e-mail copies go through the outbox. Each has a unique key, so
    nobody is told the same thing twice.

    Stored as what to say (`news`, and its `facts`: codes, dates, and what staff wrote,
    as written), never as sentences: it is worded in the submitter's language when read
    or sent (storage/workflow/submitter_news.py), so a language switch reaches it too."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    key: str = Field(max_length=200, unique=True)
    status_change_id: int | None = Field(default=None, foreign_key="statuschange.id", unique=True)
    sender_id: str = Field(max_length=128, index=True)
    # status_changed, answer_reminder, or as_written (a text from before news
    # was stored as facts, kept as it was written).
    news: str = Field(max_length=40)
    facts: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    shown_at: datetime | None = None


class StaffRole(StrEnum):
    evaluator = "evaluator"
    lead = "lead"


class StaffMember(SQLModel, table=True):
    """One person on the staff roster (storage/roster.py): only they act as staff. A
    removed member's row stays, with who removed them and when; the whole story is in
    RosterChange."""

    slack_user: str = Field(max_length=40, primary_key=True)
    role: StaffRole = Field(sa_type=_enum(StaffRole))
    name: str | None = Field(default=None, max_length=120)
    added_by: str = Field(max_length=120)
    added_at: datetime = Field(default_factory=utcnow)
    removed_by: str | None = Field(default=None, max_length=120)
    removed_at: datetime | None = None


class RosterChange(SQLModel, table=True):
    """Append-only history of the roster: who added, changed or removed whom, and when
    (enforced by triggers, like StatusChange)."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=120)
    slack_user: str = Field(max_length=40, index=True)
    # added, changed (role or name) or removed
    change: str = Field(max_length=20)
    role: StaffRole | None = Field(default=None, sa_type=_enum(StaffRole))
    name: str | None = Field(default=None, max_length=120)


class OutboxState(StrEnum):
    pending = "pending"
    sent = "sent"
    # Failed outbox_max_attempts times: waits for staff (`staff_cli outbox retry`).
    dead = "dead"


class OutboxMessage(SQLModel, table=True):
    """Something to send to someone, written in the same transaction as the change that
    causes it and sent by the notifier (bot/notifier). Claimed with a lease: a sender
    that dies mid-send leaves the message to be sent again once the lease expires."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    # Messages that must exist at most once carry a key (unique); others carry None.
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    submission_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: OutboxState = Field(default=OutboxState.pending, sa_type=_enum(OutboxState))
    created_at: datetime = Field(default_factory=utcnow)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = None
    attempts: int = 0
    # Why the last attempt failed, without addresses or other personal data.
    last_error: str | None = None
    sent_at: datetime | None = None
    # What the channel answered when it took the message (Slack: its channel and ts),
    # stored the moment the answer arrives: a later attempt then knows it was taken.
    answer: dict | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    # A post went out at this moment and nobody heard whether it was taken (the sender
    # died or gave up waiting): the next attempt looks for it before posting again.
    in_doubt_since: datetime | None = None

    __table_args__ = (Index("ix_outboxmessage_state_next", "state", "next_attempt_at"),)


class SlackDelivery(SQLModel, table=True):
    """Slack requests and events already seen: Slack's retries of an event and replayed
    requests are recognised by this key, also across restarts and app instances."""

    key: str = Field(max_length=100, primary_key=True)
    seen_at: datetime = Field(default_factory=utcnow, index=True)


class PublishedFigures(SQLModel, table=True):
    """The public report's figures (bot/pipeline), computed by the scheduler, so no
    request to the public page ever does the counting."""

    name: str = Field(max_length=60, primary_key=True)
    computed_at: datetime = Field(default_factory=utcnow)
    rows: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class PublicInformationRequest(SQLModel, table=True):
    """A request for public information (Texas Public Information Act) that touches a
    submission, as staff logged it (storage/public_information.py). The vendor is told
    at once, with `due`, the date by which they may ask the Attorney General to withhold
    what is theirs, and reminded once before it.

    `request_key` is what makes two loggings the same request: the City's own number
    for it when staff give one, else its due date."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    request_key: str = Field(max_length=80)
    # The City's own number for the request (its public-information tracking system).
    request_id: str | None = Field(default=None, max_length=60)
    note: str | None = None
    # The answers (form fields, as codes) the request touches, when staff name them.
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    due: date
    logged_by: str = Field(max_length=120)
    logged_at: datetime = Field(default_factory=utcnow)
    # When the vendor was told (their inbox, and the outbox for DM and e-mail); None:
    # nobody to tell (an anonymous submission).
    notified_at: datetime | None = None
    # When the reminder falls due (None: none, as the deadline was too near), and when
    # it was written.
    remind_at: datetime | None = Field(default=None, index=True)
    reminded_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = Field(default=None, max_length=120)
    outcome: str | None = Field(default=None, max_length=20)

    __table_args__ = (UniqueConstraint("submission_id", "request_key"),)


class ProcurementRecord(SQLModel, table=True):
    """How the City actually bought or partnered after a move to procurement
    (storage/procurement_records.py): the approach taken (a code), its legal basis, and
    the dates up to a signed contract. One per move to procurement, so a submission that
    goes back to pilot and returns has each attempt kept; corrections are in Activity."""

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    # The move to procurement this record belongs to, and when it happened.
    status_change_id: int = Field(foreign_key="statuschange.id", unique=True)
    moved_to_procurement: datetime
    # A code of storage.procurement_records.APPROACHES (`procurement.approach.<code>`).
    approach: str = Field(max_length=40)
    legal_basis: str
    # Why no competition: required for sole_source and other.
    justification: str | None = None
    recorded_by: str = Field(max_length=120)
    recorded_at: datetime = Field(default_factory=utcnow)
    # Each step's date in the City's calendar, once it happened.
    solicitation_issued: date | None = None
    awarded: date | None = None
    contract_signed: date | None = None
    # Whole US dollars over the contract's term, when known.
    contract_value: int | None = Field(default=None, ge=0)
