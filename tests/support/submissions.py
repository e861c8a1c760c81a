"""Submissions as the forms store them, for tests that start from one in the database:
`submitted`, from a chat identity that chatted in a given language (by default a vendor's
proposal in Spanish), and `submit`, an English proposal with a confidential answer and
triage facts; and what a stack stored of one (its version and status history)."""

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from storage import contacts, submissions
from storage.db import session_scope
from storage.identity import channel_of
from storage.models import Kind, Status
from tests.support.stack import Stack

AUSTIN = ZoneInfo("America/Chicago")
# A coded choice (city_ask) and the vendor's own words (timeline), as the proposal form
# stores them.
SPANISH_PROPOSAL_ANSWERS = {"city_ask": "pilot_site", "timeline": "en primavera, más o menos"}


def submitted(
    url: str,
    sender: str | None,
    language: str,
    *,
    kind: Kind = Kind.proposal,
    title: str = "Sensores de banqueta",
    category: str | None = "mobility",
    answers: Mapping[str, str] = SPANISH_PROPOSAL_ANSWERS,
    email: str | None = "v@x.example",
    channel: str | None = None,
    confidential_fields: frozenset[str] = frozenset(),
    **more: Any,
) -> submissions.Receipt:
    """A submission from chat identity `sender` (None: anonymous, as procurement feedback
    may be), who chatted in `language`, through the channel that identity names unless
    `channel` says otherwise; `more` is the rest of NewSubmission (title_is_ours, triage
    facts)."""
    contact = (
        contacts.ContactDetails(
            sender_id=sender,
            channel=channel or channel_of(sender),
            email=email,
            language=language,
        )
        if sender is not None
        else None
    )
    new = submissions.NewSubmission(
        kind=kind,
        title=title,
        category=category,
        answers=dict(answers),
        confidential_fields=confidential_fields,
        contact=contact,
        **more,
    )
    with session_scope(url) as session:
        return submissions.create_submission(session, new, AUSTIN)


def submit(
    url: str, sender: str = "web-vendor", channel: str = "web", email: str | None = "v@x.example"
) -> str:
    return submitted(
        url,
        sender,
        "en",
        title="Smart benches",
        category="Other",
        answers={"solution": "secret", "departments": "Parks", "city_ask": "Pilot site"},
        email=email,
        channel=channel,
        confidential_fields=frozenset({"solution"}),
        procurement_path="no_cost_pilot",
        procurement_reason="vendor pays",
        flags=("confidential_answers",),
    ).reference


def version(stack: Stack, reference: str) -> int:
    with session_scope(stack.database_url) as session:
        return submissions.get_submission(session, reference).version


def history(stack: Stack, reference: str) -> list[tuple[str, Status]]:
    with session_scope(stack.database_url) as session:
        submission = submissions.get_submission(session, reference)
        return [(c.actor, c.to_status) for c in submissions.status_history(session, submission.id)]
