"""Storage's reads and writes on real SQLite and real PostgreSQL, migrated by Alembic."""

import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage import contacts, drafts, handoffs, inbox, retention, status_lookups, submissions
from storage.db import in_single_statements, session_scope
from storage.models import (
    Contact,
    Kind,
    ReferenceCounter,
    Status,
    SubmissionAnswer,
    SubmissionPublic,
    SubmissionPublished,
    utcnow,
)
from storage.reference import parse_reference
from storage.workflow import evaluation, rules, transitions
from tests.support.roster import on_roster

AUSTIN = ZoneInfo("America/Chicago")


def a_submission(n: int = 0) -> submissions.NewSubmission:
    return submissions.NewSubmission(
        kind=Kind.proposal,
        title=f"Proposal {n}",
        category="Mobility",
        answers={"solution": f"secret sauce {n}", "timeline": "spring"},
        confidential_fields=frozenset({"solution"}),
        contact=contacts.ContactDetails(
            sender_id=f"web-{n}", organisation="Acme", name="Ann", email=f"ann{n}@acme.example"
        ),
    )


def submit(url: str, n: int = 0) -> submissions.Receipt:
    with session_scope(url) as session:
        return submissions.create_submission(session, a_submission(n), AUSTIN)


def test_submission_gets_reference_history_and_flags(database_url):
    receipt = submit(database_url)
    with session_scope(database_url) as session:
        stored = submissions.get_submission(session, receipt.reference)
        # Submitting is not news for the submitter's inbox: they were told in the chat.
        assert inbox.latest_message(session, stored.id) is None
    year = utcnow().astimezone(AUSTIN).year
    assert receipt.reference == f"SC-{year}-00001"
    assert receipt.submission.status is Status.received
    with session_scope(database_url) as session:
        stored = submissions.get_submission(session, receipt.reference)
        answers = {a.field: a for a in submissions.get_answers(session, stored.id)}
        assert answers["solution"].confidential and not answers["timeline"].confidential
        history = submissions.status_history(session, stored.id)
        assert [(h.from_status, h.to_status) for h in history] == [(None, Status.received)]
        assert stored.status_token_hash == submissions.hash_token(receipt.status_token)
        contact = contacts.get_contact(session, stored.contact_id)
        assert contact.email == "ann0@acme.example" and contact.sender_id == "web-0"
    assert submit(database_url, 1).reference == f"SC-{year}-00002"


def test_fifty_parallel_submits_get_fifty_distinct_sequential_references(database_url):
    with ThreadPoolExecutor(max_workers=50) as pool:
        receipts = list(pool.map(lambda n: submit(database_url, n), range(50)))
    references = sorted(receipt.reference for receipt in receipts)
    assert len(set(references)) == 50
    assert [int(ref[-5:]) for ref in references] == list(range(1, 51))


def test_latest_submissions_are_newest_first_and_limited(database_url):
    # Twelve, so that SC-...-00010 must sort by number after SC-...-00009.
    receipts = [submit(database_url, n) for n in range(12)]
    with session_scope(database_url) as session:
        latest = submissions.latest_public_submissions(session, 5)
    assert [s.reference for s in latest] == [r.reference for r in reversed(receipts)][:5]


def test_status_history_is_append_only(database_url):
    receipt = submit(database_url)
    on_roster(database_url, "UREVIEWER")
    reviewer = rules.Staff("slack:UREVIEWER")
    with session_scope(database_url) as session:
        evaluation.assign(session, receipt.reference, reviewer)
        transitions.advance(
            session,
            receipt.reference,
            reviewer,
            public_reason="Screening started",
            internal_note="looks promising",
        )
    with session_scope(database_url) as session:
        public = submissions.get_public_submission(session, receipt.reference)
        assert public.status is Status.screening
        stored = submissions.get_submission(session, receipt.reference)
        assert "Screening started" in inbox.latest_message(session, stored.id).text
        history = submissions.status_history(
            session, submissions.get_submission(session, receipt.reference).id
        )
        assert [h.to_status for h in history] == [Status.received, Status.screening]
    for statement in (
        "UPDATE statuschange SET actor = 'someone else'",
        "DELETE FROM statuschange",
        "UPDATE activity SET actor = 'someone else'",
        "DELETE FROM activity",
    ):
        with pytest.raises(DBAPIError), session_scope(database_url) as session:
            session.execute(text(statement))


def test_public_model_has_no_private_fields():
    public_fields = set(SubmissionPublic.model_fields)
    assert public_fields == {
        "reference",
        "kind",
        "title",
        "category",
        "status",
        "submitted_at",
        "updated_at",
        "next_step",
        "next_decision_by",
    }
    assert not public_fields & set(Contact.model_fields) - {"id"}
    assert not public_fields & {"value", "confidential", "status_token_hash", "contact_id"}
    assert "value" in SubmissionAnswer.model_fields  # answers live only in their own table
    # What the public API and open data publish has the same fields, in the same order.
    assert list(SubmissionPublished.model_fields) == list(SubmissionPublic.model_fields)


def test_drafts_save_replace_discard_and_expire(database_url):
    with session_scope(database_url) as session:
        drafts.save_draft(session, "web-1", Kind.proposal, {"organisation": "Acme"})
        drafts.save_draft(
            session, "web-1", Kind.proposal, {"organisation": "Acme", "email": "a@b.example"}
        )
        drafts.save_draft(session, "web-2", Kind.proposal, {"organisation": "Old"})
    with session_scope(database_url) as session:
        draft = drafts.get_draft(session, "web-1", Kind.proposal)
        assert draft.answers == {"organisation": "Acme", "email": "a@b.example"}
        assert drafts.get_draft(session, "web-1", Kind.idea) is None
        old = drafts.get_draft(session, "web-2", Kind.proposal)
        old.updated_at = utcnow() - timedelta(days=40)
        session.add(old)
    with session_scope(database_url) as session:
        assert retention.purge_stale_drafts(session, timedelta(days=30)) == 1
        drafts.discard_draft(session, "web-1", Kind.proposal)
    with session_scope(database_url) as session:
        assert drafts.get_draft(session, "web-1", Kind.proposal) is None
        assert drafts.get_draft(session, "web-2", Kind.proposal) is None


def test_a_draft_saved_in_single_statements_is_read_back(database_url):
    def save(connection, answers):
        drafts.save_draft(connection, "web-1", Kind.proposal, answers)
        return drafts.draft_answers(connection, "web-1", Kind.proposal)

    first = in_single_statements(database_url, lambda c: save(c, {"organisation": "Acme"}))
    second = in_single_statements(database_url, lambda c: save(c, {"organisation": "Acme 2"}))
    assert (first, second) == ({"organisation": "Acme"}, {"organisation": "Acme 2"})
    with session_scope(database_url) as session:
        draft = drafts.get_draft(session, "web-1", Kind.proposal)
        assert draft.answers == {"organisation": "Acme 2"}
        assert draft.created_at < draft.updated_at
        assert drafts.draft_answers(session, "web-1", Kind.idea) is None


def test_single_statements_run_again_once_on_a_connection_the_database_dropped(postgres_url):
    backends = []

    def work(connection):
        backends.append(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar())
        return backends[-1]

    dropped = in_single_statements(postgres_url, work)
    with session_scope(postgres_url) as session:  # another pool: as a restart would
        session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    answered_by = in_single_statements(postgres_url, work)
    # The dropped connection failed the first try; the second ran on a new one.
    assert len(backends) == 2 and answered_by != dropped

    def broken(connection):
        backends.append(None)
        connection.exec_driver_sql("SELECT * FROM no_such_table")

    with pytest.raises(DBAPIError):
        in_single_statements(postgres_url, broken)
    assert backends[-1] is None and len(backends) == 3  # other errors: not run again


def test_non_empty_drafts_come_oldest_first_in_one_query(database_url):
    with session_scope(database_url) as session:
        drafts.save_draft(session, "web-1", Kind.idea, {"title": "Benches"})
        drafts.save_draft(session, "web-1", Kind.proposal, {"organisation": "Acme"})
        drafts.save_draft(session, "web-1", Kind.feedback, {})
        drafts.save_draft(session, "web-2", Kind.proposal, {"organisation": "Other"})
    with session_scope(database_url) as session:
        idea = drafts.get_draft(session, "web-1", Kind.idea)
        idea.updated_at = utcnow() + timedelta(minutes=5)  # answered last
        session.add(idea)
    with session_scope(database_url) as session:
        found = drafts.non_empty_drafts(session, "web-1", list(Kind))
        assert [(d.kind, d.answers) for d in found] == [
            (Kind.proposal, {"organisation": "Acme"}),
            (Kind.idea, {"title": "Benches"}),
        ]
        assert drafts.non_empty_drafts(session, "web-1", [Kind.feedback]) == []
        assert [d.kind for d in drafts.non_empty_drafts(session, "web-1", [Kind.idea])] == [
            Kind.idea
        ]


def test_failed_unit_of_work_leaves_nothing_behind(database_url):
    with pytest.raises(RuntimeError), session_scope(database_url) as session:
        submissions.create_submission(session, a_submission(), AUSTIN)
        raise RuntimeError("crash mid-submit")
    with session_scope(database_url) as session:
        assert submissions.count_submissions(session) == 0


def test_the_100000th_reference_of_a_year_still_works(database_url):
    year = utcnow().astimezone(AUSTIN).year
    with session_scope(database_url) as session:
        session.add(ReferenceCounter(year=year, last_sequence=99_999))
    receipt = submit(database_url)
    assert receipt.reference == f"SC-{year}-100000"
    assert parse_reference(receipt.reference.lower()) == receipt.reference
    with session_scope(database_url) as session:
        assert submissions.get_public_submission(session, receipt.reference) is not None


def test_the_sqlite_file_is_readable_by_its_owner_only(sqlite_url):
    submit(sqlite_url)
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    for path in (database, database.with_name(database.name + "-wal")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_database_errors_never_show_what_people_typed(database_url):
    with pytest.raises(DBAPIError) as failed, session_scope(database_url) as session:
        session.add(Contact(sender_id="web-x" * 40, email="quillon.secret@example.org"))
        session.flush()
        session.execute(
            text("INSERT INTO contact (id, sender_id, channel, created_at, email) "
                 "SELECT id, sender_id, channel, created_at, :email FROM contact"),
            {"email": "quillon.secret@example.org"},
        )  # fmt: skip
    assert "quillon.secret" not in str(failed.value)

    # Every engine the app and the action server make, the autocommit one included.
    def look_up(connection):
        assert connection.engine.hide_parameters
        connection.execute(text("SELECT nothing FROM contact WHERE email = :e"), {"e": "zq@x"})

    with pytest.raises(DBAPIError) as failed:
        in_single_statements(database_url, look_up)
    assert "zq@x" not in str(failed.value)
    with session_scope(database_url) as session:
        assert session.get_bind().hide_parameters


def _tracker_tables(session) -> None:
    """Rasa's `events` and the windowed store's `tracker_checkpoints`, as they create them."""
    session.execute(
        text(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
            "type_name VARCHAR(255), timestamp FLOAT, data TEXT)"
        )
    )
    session.execute(
        text(
            "CREATE TABLE tracker_checkpoints (sender_id VARCHAR(255) PRIMARY KEY, "
            "last_event_id INTEGER NOT NULL, event_count INTEGER NOT NULL, events TEXT)"
        )
    )


def test_conversations_are_kept_no_longer_than_their_maximum_age(database_url):
    """Someone who writes every day is never idle: their earlier sessions still go once
    older than the limit, and a session that began before it goes whole."""
    now = utcnow().timestamp()
    with session_scope(database_url) as session:
        assert retention.purge_old_conversations(session, timedelta(days=90)) == {}
        _tracker_tables(session)
        rows = [
            ("chatty", "session_started", 200),
            ("chatty", "user", 200),
            ("chatty", "session_started", 100),
            ("chatty", "user", 95),
            ("chatty", "session_started", 1),
            ("chatty", "user", 0),
            ("marathon", "session_started", 120),
            ("marathon", "user", 0),
            ("no-session", "user", 91),
            ("recent", "session_started", 89),
            ("recent", "user", 10),
        ]
        for number, (sender, kind, age_days) in enumerate(rows, start=1):
            session.execute(
                text(
                    "INSERT INTO events (id, sender_id, type_name, timestamp) "
                    "VALUES (:n, :s, :k, :t)"
                ),
                {"n": number, "s": sender, "k": kind, "t": now - age_days * 86400},
            )
        session.execute(
            text(
                "INSERT INTO tracker_checkpoints VALUES ('chatty', 4, 1, '[]'), "
                "('marathon', 8, 1, '[]'), ('recent', 11, 1, '[]')"
            )
        )
    with session_scope(database_url) as session:
        removed = retention.purge_old_conversations(session, timedelta(days=90))
    assert removed == {"old conversations": 2, "events of old sessions": 4}
    with session_scope(database_url) as session:
        left = session.execute(text("SELECT id FROM events ORDER BY id")).scalars().all()
        assert left == [5, 6, 10, 11]
        kept = session.execute(text("SELECT sender_id FROM tracker_checkpoints")).all()
        assert kept == [("recent",)]
        session.execute(text("DROP TABLE events"))
        session.execute(text("DROP TABLE tracker_checkpoints"))


def test_idle_conversations_and_old_records_are_deleted(database_url):
    now = utcnow().timestamp()
    with session_scope(database_url) as session:
        _tracker_tables(session)
        session.execute(
            text(
                "INSERT INTO tracker_checkpoints VALUES "
                "('idle', 1, 1, '[]'), ('active', 3, 1, '[]')"
            )
        )
        rows = (("idle", 40), ("idle", 35), ("active", 40), ("active", 1))
        for number, (sender, age_days) in enumerate(rows):
            session.execute(
                text(
                    "INSERT INTO events (id, sender_id, type_name, timestamp) "
                    "VALUES (:n, :s, 'user', :t)"
                ),
                {"n": number, "s": sender, "t": now - age_days * 86400},
            )
        status_lookups.record_lookup(session, "web-1", "SC-2026-00001", False)
        handoffs.create_handoff(session, "web-1", "web", "topic", "a@b.example", None)
        session.execute(
            text("UPDATE statuslookup SET at = :old"), {"old": utcnow() - timedelta(days=31)}
        )
        session.execute(
            text("UPDATE handoffrequest SET created_at = :old"),
            {"old": utcnow() - timedelta(days=31)},
        )
        # The address the handoff came from, kept for its limits' hour only.
        session.execute(
            text("UPDATE clientintake SET at = :old"), {"old": utcnow() - timedelta(hours=2)}
        )
    with session_scope(database_url) as session:
        assert retention.purge_idle_conversations(session, timedelta(days=30)) == 1
        removed = retention.purge_old_records(session, timedelta(days=30))
    assert removed == {"status look-ups": 1, "handoff requests": 1, "client addresses": 1}
    with session_scope(database_url) as session:
        left = session.execute(text("SELECT DISTINCT sender_id FROM events")).all()
        assert left == [("active",)]
        kept = session.execute(text("SELECT sender_id FROM tracker_checkpoints")).all()
        assert kept == [("active",)]
        session.execute(text("DROP TABLE events"))
        session.execute(text("DROP TABLE tracker_checkpoints"))
