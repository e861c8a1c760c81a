"""The repository on real SQLite and real PostgreSQL, migrated by Alembic."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage import repository, workflow
from storage.db import session_scope
from storage.models import Contact, Kind, Status, SubmissionAnswer, SubmissionPublic, utcnow

AUSTIN = ZoneInfo("America/Chicago")


def a_submission(n: int = 0) -> repository.NewSubmission:
    return repository.NewSubmission(
        kind=Kind.proposal,
        title=f"Proposal {n}",
        category="Mobility",
        answers={"solution": f"secret sauce {n}", "timeline": "spring"},
        confidential_fields=frozenset({"solution"}),
        contact=repository.ContactDetails(
            sender_id=f"web-{n}", organisation="Acme", name="Ann", email=f"ann{n}@acme.example"
        ),
    )


def submit(url: str, n: int = 0) -> repository.Receipt:
    with session_scope(url) as session:
        return repository.create_submission(session, a_submission(n), AUSTIN)


def test_submission_gets_reference_history_and_flags(database_url):
    receipt = submit(database_url)
    with session_scope(database_url) as session:
        stored = repository.get_submission(session, receipt.reference)
        # Submitting is not news for the submitter's inbox: they were told in the chat.
        assert repository.latest_message(session, stored.id) is None
    year = utcnow().astimezone(AUSTIN).year
    assert receipt.reference == f"SC-{year}-00001"
    assert receipt.submission.status is Status.received
    with session_scope(database_url) as session:
        stored = repository.get_submission(session, receipt.reference)
        answers = {a.field: a for a in repository.get_answers(session, stored.id)}
        assert answers["solution"].confidential and not answers["timeline"].confidential
        history = repository.status_history(session, stored.id)
        assert [(h.from_status, h.to_status) for h in history] == [(None, Status.received)]
        assert stored.status_token_hash == repository.hash_token(receipt.status_token)
        contact = repository.get_contact(session, stored.contact_id)
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
        latest = repository.latest_public_submissions(session, 5)
    assert [s.reference for s in latest] == [r.reference for r in reversed(receipts)][:5]


def test_status_history_is_append_only(database_url):
    receipt = submit(database_url)
    with session_scope(database_url) as session:
        workflow.assign(session, receipt.reference, workflow.Staff("cli:reviewer"))
        workflow.advance(
            session,
            receipt.reference,
            workflow.Staff("cli:reviewer"),
            public_reason="Screening started",
            internal_note="looks promising",
        )
    with session_scope(database_url) as session:
        public = repository.get_public_submission(session, receipt.reference)
        assert public.status is Status.screening
        stored = repository.get_submission(session, receipt.reference)
        assert "Screening started" in repository.latest_message(session, stored.id).text
        history = repository.status_history(
            session, repository.get_submission(session, receipt.reference).id
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


def test_drafts_save_replace_discard_and_expire(database_url):
    with session_scope(database_url) as session:
        repository.save_draft(session, "web-1", Kind.proposal, {"organisation": "Acme"})
        repository.save_draft(
            session, "web-1", Kind.proposal, {"organisation": "Acme", "email": "a@b.example"}
        )
        repository.save_draft(session, "web-2", Kind.proposal, {"organisation": "Old"})
    with session_scope(database_url) as session:
        draft = repository.get_draft(session, "web-1", Kind.proposal)
        assert draft.answers == {"organisation": "Acme", "email": "a@b.example"}
        assert repository.get_draft(session, "web-1", Kind.idea) is None
        old = repository.get_draft(session, "web-2", Kind.proposal)
        old.updated_at = utcnow() - timedelta(days=40)
        session.add(old)
    with session_scope(database_url) as session:
        assert repository.purge_stale_drafts(session, timedelta(days=30)) == 1
        repository.discard_draft(session, "web-1", Kind.proposal)
    with session_scope(database_url) as session:
        assert repository.get_draft(session, "web-1", Kind.proposal) is None
        assert repository.get_draft(session, "web-2", Kind.proposal) is None


def test_failed_unit_of_work_leaves_nothing_behind(database_url):
    with pytest.raises(RuntimeError), session_scope(database_url) as session:
        repository.create_submission(session, a_submission(), AUSTIN)
        raise RuntimeError("crash mid-submit")
    with session_scope(database_url) as session:
        assert repository.count_submissions(session) == 0
