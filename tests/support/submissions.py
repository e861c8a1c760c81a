"""A proposal as the submission flow stores it, with a confidential answer and contact
details, for tests that start from a submission in the database; and what a stack
stored of one (its version and status history)."""

from zoneinfo import ZoneInfo

from storage import contacts, submissions
from storage.db import session_scope
from storage.models import Kind, Status
from tests.support.stack import Stack

AUSTIN = ZoneInfo("America/Chicago")


def submit(
    url: str, sender: str = "web-vendor", channel: str = "web", email: str | None = "v@x.example"
) -> str:
    new = submissions.NewSubmission(
        kind=Kind.proposal,
        title="Smart benches",
        category="Other",
        answers={"solution": "secret", "departments": "Parks", "city_ask": "Pilot site"},
        confidential_fields=frozenset({"solution"}),
        contact=contacts.ContactDetails(sender_id=sender, channel=channel, email=email),
        procurement_path="no_cost_pilot",
        procurement_reason="vendor pays",
        flags=("confidential_answers",),
    )
    with session_scope(url) as session:
        return submissions.create_submission(session, new, AUSTIN).reference


def version(stack: Stack, reference: str) -> int:
    with session_scope(stack.database_url) as session:
        return submissions.get_submission(session, reference).version


def history(stack: Stack, reference: str) -> list[tuple[str, Status]]:
    with session_scope(stack.database_url) as session:
        submission = submissions.get_submission(session, reference)
        return [(c.actor, c.to_status) for c in submissions.status_history(session, submission.id)]
