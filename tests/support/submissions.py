"""A proposal as the submission flow stores it, with a confidential answer and contact
details, for tests that start from a submission in the database."""

from zoneinfo import ZoneInfo

from storage import repository
from storage.db import session_scope
from storage.models import Kind

AUSTIN = ZoneInfo("America/Chicago")


def submit(
    url: str, sender: str = "web-vendor", channel: str = "web", email: str | None = "v@x.example"
) -> str:
    new = repository.NewSubmission(
        kind=Kind.proposal,
        title="Smart benches",
        category="Other",
        answers={"solution": "secret", "departments": "Parks", "city_ask": "Pilot site"},
        confidential_fields=frozenset({"solution"}),
        contact=repository.ContactDetails(sender_id=sender, channel=channel, email=email),
        procurement_path="no_cost_pilot",
        procurement_reason="vendor pays",
        flags=("confidential_answers",),
    )
    with session_scope(url) as session:
        return repository.create_submission(session, new, AUSTIN).reference
