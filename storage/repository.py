"""The one place that reads and writes Entryway's data. Every other part calls these."""

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, inspect, tuple_, update
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from storage import handoff_pace, intake_limits, outbox, service_levels
from storage.catalogue import text
from storage.db import insert_for, insert_once
from storage.models import (
    Contact,
    Draft,
    HandoffRequest,
    Kind,
    PublishedFigures,
    ReferenceCounter,
    SlackDelivery,
    Status,
    StatusChange,
    StatusLookup,
    Submission,
    SubmissionAnswer,
    SubmissionPublic,
    SubmissionPublished,
    SubmitterMessage,
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


def next_step_for(status: Status) -> str:
    """What a submitter should expect next, in plain language."""
    return text(f"status.next_step.{status.value}")


# --- drafts -----------------------------------------------------------------


def get_draft(session: Session, sender_id: str, kind: Kind) -> Draft | None:
    return session.exec(
        select(Draft).where(Draft.sender_id == sender_id, Draft.kind == kind)
    ).first()


def non_empty_drafts(session: Session, sender_id: str, kinds: Iterable[Kind]) -> list[Draft]:
    """The sender's drafts of these kinds that hold answers, oldest first: one query
    (a greeting looks for all three kinds)."""
    drafts = session.exec(
        select(Draft)
        .where(Draft.sender_id == sender_id, col(Draft.kind).in_(list(kinds)))
        .order_by(col(Draft.updated_at), col(Draft.id))
    ).all()
    return [draft for draft in drafts if draft.answers]


# A form answer's draft is read and written on every answer, so these two are written
# out once, not built per call: building and compiling the ORM statements was a third of
# the action server's database time (0.59 against 0.89 ms per answer, both through
# storage.db.in_single_statements). The same SQL runs on SQLite and PostgreSQL.
_DRAFTS = Draft.__table__  # type: ignore[attr-defined]
_DRAFT_ANSWERS = (
    sql(f"SELECT answers FROM {_DRAFTS.name} WHERE sender_id = :sender_id AND kind = :kind")
    .bindparams(bindparam("kind", type_=_DRAFTS.c.kind.type))
    .columns(answers=_DRAFTS.c.answers.type)
)
_SAVE_DRAFT = sql(
    f"INSERT INTO {_DRAFTS.name} (sender_id, kind, answers, created_at, updated_at) "
    "VALUES (:sender_id, :kind, :answers, :now, :now) "
    "ON CONFLICT (sender_id, kind) "
    "DO UPDATE SET answers = excluded.answers, updated_at = excluded.updated_at"
).bindparams(
    bindparam("kind", type_=_DRAFTS.c.kind.type),
    bindparam("answers", type_=_DRAFTS.c.answers.type),
    bindparam("now", type_=_DRAFTS.c.updated_at.type),
)


def draft_answers(session: Session | Connection, sender_id: str, kind: Kind) -> dict | None:
    """The draft's answers alone (None: no draft), without loading the row as an object."""
    return session.execute(_DRAFT_ANSWERS, {"sender_id": sender_id, "kind": kind}).scalar()


def save_draft(
    session: Session | Connection, sender_id: str, kind: Kind, answers: dict[str, object]
) -> None:
    """Replaces the draft's answers, or starts the draft; safe to call on every answer and
    to repeat. One upsert: a read before it would be a round trip more."""
    session.execute(
        _SAVE_DRAFT,
        {"sender_id": sender_id, "kind": kind, "answers": dict(answers), "now": utcnow()},
    )


def discard_draft(session: Session, sender_id: str, kind: Kind) -> None:
    session.exec(delete(Draft).where(Draft.sender_id == sender_id, Draft.kind == kind))


def purge_stale_drafts(session: Session, older_than: timedelta) -> int:
    result = session.exec(delete(Draft).where(Draft.updated_at < utcnow() - older_than))
    return result.rowcount or 0


def purge_idle_conversations(session: Session, older_than: timedelta) -> int:
    """Deletes the conversations (Rasa's SQL tracker store, table `events`) nobody wrote
    in for `older_than`: they hold the answers people typed. Returns how many."""
    if not inspect(session.get_bind()).has_table("events"):
        return 0  # the tracker store is elsewhere (Redis forgets idle ones by itself)
    cutoff = (utcnow() - older_than).timestamp()
    idle = sql("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff")
    senders = [row[0] for row in session.execute(idle, {"cutoff": cutoff})]
    _delete_conversations(session, senders)
    return len(senders)


def _delete_conversations(session: Session, senders: list[str]) -> None:
    # The windowed tracker store's checkpoints (rasa_env/tracker_store.py) hold the same
    # answers as slot values: they go with their conversation.
    tables = ["events"]
    if inspect(session.get_bind()).has_table("tracker_checkpoints"):
        tables.append("tracker_checkpoints")
    for start in range(0, len(senders), 500):
        for table in tables:
            session.execute(
                sql(f"DELETE FROM {table} WHERE sender_id IN :senders").bindparams(
                    bindparam("senders", expanding=True)
                ),
                {"senders": senders[start : start + 500]},
            )


# Rasa reads a conversation from the start of its latest session (by timestamp): earlier
# sessions' events change nothing the assistant does, and the slots a new session keeps
# are written again at its start.
_OLD_SESSIONS = sql(
    "DELETE FROM events WHERE timestamp < :cutoff AND timestamp < ("
    " SELECT MAX(started.timestamp) FROM events started"
    " WHERE started.sender_id = events.sender_id AND started.type_name = 'session_started')"
)
# Conversations whose latest session (or first event, without one) began before then.
_OLD_CONVERSATIONS = sql(
    "SELECT sender_id FROM events GROUP BY sender_id HAVING COALESCE("
    " MAX(CASE WHEN type_name = 'session_started' THEN timestamp END), MIN(timestamp)"
    ") < :cutoff"
)
_ORPHAN_CHECKPOINTS = sql(
    "DELETE FROM tracker_checkpoints WHERE NOT EXISTS ("
    " SELECT 1 FROM events WHERE events.id = tracker_checkpoints.last_event_id)"
)


def purge_old_conversations(session: Session, older_than: timedelta) -> dict[str, int]:
    """However often someone writes, nothing of their conversation (Rasa's SQL tracker
    store) is kept longer than `older_than`: the events of earlier sessions older than
    that, and a conversation whose current session began before then, whole. A
    checkpoint whose event is gone goes too. Returns what was deleted."""
    if not inspect(session.get_bind()).has_table("events"):
        return {}  # Redis: rasa_env/tracker_store.py drops old sessions as it writes
    cutoff = (utcnow() - older_than).timestamp()
    events = session.execute(_OLD_SESSIONS, {"cutoff": cutoff}).rowcount or 0
    senders = [row[0] for row in session.execute(_OLD_CONVERSATIONS, {"cutoff": cutoff})]
    _delete_conversations(session, senders)
    if inspect(session.get_bind()).has_table("tracker_checkpoints"):
        session.execute(_ORPHAN_CHECKPOINTS)
    return {"old conversations": len(senders), "events of old sessions": events}


def purge_old_records(session: Session, older_than: timedelta) -> dict[str, int]:
    """Status look-ups and handoff requests are kept as long as drafts, no longer."""
    cutoff = utcnow() - older_than
    lookups = session.exec(delete(StatusLookup).where(StatusLookup.at < cutoff))
    handoffs = session.exec(delete(HandoffRequest).where(HandoffRequest.created_at < cutoff))
    return {
        "status look-ups": lookups.rowcount or 0,
        "handoff requests": handoffs.rowcount or 0,
        "client addresses": intake_limits.forget_old(session),  # past their hour
    }


# --- submissions -------------------------------------------------------------


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
        next_step=next_step_for(Status.received),
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
            public_reason=text("status.submitted_reason"),
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


def public_view(submission: Submission) -> SubmissionPublic:
    """What anyone may see of a submission: its title only once staff have screened it."""
    public = SubmissionPublic.model_validate(submission)
    if not submission.title_public:
        public.title = text(f"public_title.{submission.kind.value}")
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


def get_public_submission(session: Session, reference: str) -> SubmissionPublic | None:
    submission = get_submission(session, reference)
    return public_view(submission) if submission else None


def public_submissions_page(
    session: Session, after: tuple[int, int] | None, limit: int
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
    return [public_view(row) for row in rows], last


def latest_public_submissions(session: Session, limit: int) -> list[SubmissionPublic]:
    """The newest `limit` submissions, newest first, read with a LIMIT query."""
    rows = session.exec(
        select(Submission)
        .order_by(col(Submission.year).desc(), col(Submission.sequence).desc())
        .limit(limit)
    )
    return [public_view(row) for row in rows]


def get_answers(session: Session, submission_id: int) -> list[SubmissionAnswer]:
    return list(
        session.exec(
            select(SubmissionAnswer).where(SubmissionAnswer.submission_id == submission_id)
        )
    )


def get_contact(session: Session, contact_id: int) -> Contact | None:
    return session.get(Contact, contact_id)


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


def latest_message(session: Session, submission_id: int) -> SubmitterMessage | None:
    """The newest thing the submitter was told about a status change."""
    return session.exec(
        select(SubmitterMessage)
        .where(SubmitterMessage.submission_id == submission_id)
        .order_by(col(SubmitterMessage.id).desc())
    ).first()


def mark_shown(session: Session, message_id: int) -> None:
    """The person has it (in their Slack DM): it is not news any more."""
    session.execute(
        update(SubmitterMessage)
        .where(SubmitterMessage.id == message_id, col(SubmitterMessage.shown_at).is_(None))
        .values(shown_at=utcnow())
    )


def unseen_messages(session: Session, sender_id: str) -> list[SubmitterMessage]:
    """The sender's messages not shown yet, oldest first, now marked shown."""
    messages = list(
        session.exec(
            select(SubmitterMessage)
            .where(
                SubmitterMessage.sender_id == sender_id,
                col(SubmitterMessage.shown_at).is_(None),
            )
            .order_by(col(SubmitterMessage.id))
        )
    )
    if messages:
        session.execute(
            update(SubmitterMessage)
            .where(col(SubmitterMessage.id).in_([m.id for m in messages]))
            .values(shown_at=utcnow())
        )
    return messages


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


@dataclass(frozen=True)
class RecordedHandoff:
    request: HandoffRequest
    # The limit it went over (the person is told; staff still see the request), or None.
    over_limit: intake_limits.OverLimit | None


def create_handoff(
    session: Session,
    sender_id: str,
    channel: str,
    topic: str,
    contact: str | None,
    reference: str | None,
    *,
    client: str | None = None,
    limits: intake_limits.Limits = intake_limits.NO_LIMITS,
) -> RecordedHandoff:
    """Stores the request, counted against its client's limits, and in the same
    transaction its post to the triage channel or its place in the window's summary
    post (storage/handoff_pace.py)."""
    pace = handoff_pace.locked(session)  # first: see there
    client = client or sender_id
    over = intake_limits.over_limit(session, intake_limits.Intake.handoff, client, limits)
    intake_limits.record(session, intake_limits.Intake.handoff, client)
    submission = get_submission(session, reference) if reference else None
    request = HandoffRequest(
        sender_id=sender_id,
        channel=channel,
        topic=topic,
        contact=contact,
        reference=reference,
        reference_verified=submission is not None and submitted_by(session, submission, sender_id),
    )
    session.add(request)
    session.flush()
    request.delivery = handoff_pace.place(session, pace, request, over is not None)
    session.add(request)
    return RecordedHandoff(request, over)


def recent_handoffs(session: Session, sender_id: str, window: timedelta) -> int:
    since = utcnow() - window
    return session.exec(
        select(func.count())
        .select_from(HandoffRequest)
        .where(HandoffRequest.sender_id == sender_id, HandoffRequest.created_at >= since)
    ).one()


def list_handoffs(session: Session, limit: int | None = 100) -> list[HandoffRequest]:
    """Newest first; every one with no limit."""
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


# --- Slack deliveries ----------------------------------------------------------------


def first_sight(session: Session, key: str) -> bool:
    """Records a Slack event or request key; False when it was seen before (a retry or a
    replay), on this instance or any other, before a restart or after."""
    values = {"key": key, "seen_at": utcnow()}
    return (
        insert_once(session, SlackDelivery, values, SlackDelivery.key, SlackDelivery.key)
        is not None
    )


def forget_slack_deliveries(session: Session, older_than: timedelta) -> int:
    """Slack retries an event for minutes, not days: older keys are not needed."""
    result = session.exec(
        delete(SlackDelivery).where(SlackDelivery.seen_at < utcnow() - older_than)
    )
    return result.rowcount or 0


# --- published figures ----------------------------------------------------------------


def store_figures(session: Session, name: str, rows: list) -> None:
    values = {"rows": rows, "computed_at": utcnow()}
    session.execute(
        insert_for(session, PublishedFigures)
        .values(name=name, **values)
        .on_conflict_do_update(index_elements=[PublishedFigures.name], set_=values)
    )


def published_figures(session: Session) -> dict[str, PublishedFigures]:
    return {figures.name: figures for figures in session.exec(select(PublishedFigures))}
