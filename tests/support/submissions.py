"""Submissions as the forms store them, for tests that start from one in the database:
`submitted`, of any kind, from a chat identity that chatted in a given language (by
default in a Spanish speaker's words), and `submit`, an English proposal with a
confidential answer and triage facts; and what a stack stored of one (its version and
status history)."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from storage import contacts, submissions
from storage.db import session_scope
from storage.identity import channel_of
from storage.models import Kind, Status
from tests.support.stack import Stack

AUSTIN = ZoneInfo("America/Chicago")


@dataclass(frozen=True)
class Stored:
    """What a kind's form stores: coded choices as codes (mobility, pilot_site,
    insurance_bonding), the person's own words as written."""

    title: str
    category: str | None
    answers: Mapping[str, str]
    confidential_fields: frozenset[str] = frozenset()
    title_is_ours: bool = False  # a catalogue key Entryway wrote (actions/barrier.py)


# Each kind as a Spanish speaker fills in its form.
IN_SPANISH = {
    Kind.proposal: Stored(
        "Sensores de banqueta",
        "mobility",
        {"city_ask": "pilot_site", "timeline": "en primavera, más o menos"},
    ),
    Kind.idea: Stored(
        "Bebederos en el Butler Trail", None, {"idea_text": "Bebederos a lo largo del Butler Trail"}
    ),
    Kind.feedback: Stored(
        "feedback.title.insurance_bonding",
        "insurance_bonding",
        {
            "barrier_step": "insurance_bonding",
            "barrier_what": "El seguro mínimo era de diez millones",
        },
        title_is_ours=True,
    ),
}


def submitted(
    url: str,
    sender: str | None,
    language: str,
    kind: Kind = Kind.proposal,
    *,
    email: str | None = "v@x.example",
    channel: str | None = None,
    **stored: Any,
) -> submissions.Receipt:
    """A `kind` of submission from chat identity `sender` (None: anonymous, as procurement
    feedback may be), who chatted in `language`, through the channel that identity names
    unless `channel` says otherwise. The form stores IN_SPANISH[kind] but for what `stored`
    gives (title, category, answers, confidential_fields, title_is_ours, triage facts)."""
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
        **{**asdict(IN_SPANISH[kind]), **stored},
        contact=contact,
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
