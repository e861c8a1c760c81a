"""The workflow's rules, decided from values alone (no session, no database): which
statuses there are and where each may go, what staff may score and record as a
blocker, who is acting (a staff identity), and the terms every step answers in
(Outcome, Refused). The steps that read and write (storage/workflow/*) apply these."""

from dataclasses import dataclass
from typing import Final

from storage import rendering
from storage.catalogue import text
from storage.languages import DEFAULT_LANGUAGE
from storage.models import Status, Submission

# Statuses a submission leaves only by a decision, never by a button.
CLOSED: Final = frozenset({Status.declined, Status.withdrawn, Status.closed})
# Where "Advance" may take a submission from each status (in the order offered).
FORWARD: Final[dict[Status, tuple[Status, ...]]] = {
    Status.received: (Status.screening,),
    Status.screening: (Status.evaluation,),
    Status.evaluation: (Status.pilot, Status.procurement),
    Status.pilot: (Status.procurement, Status.closed),
    Status.procurement: (Status.pilot, Status.closed),
}
# A submission in one of these has passed screening: its title may be published.
SCREENED: Final = frozenset({Status.evaluation, Status.pilot, Status.procurement, Status.closed})
# Statuses in which evaluators may score.
SCORABLE: Final = frozenset(
    {Status.received, Status.screening, Status.needs_info, Status.evaluation}
)
# What a submission can be waiting on, as staff record it (for reports on where
# submissions get stuck).
BLOCKERS: Final = (
    "procurement_path",
    "legal_review",
    "funding",
    "data_sharing_agreement",
    "vendor_response",
    "department_capacity",
)
SNOOZE_BUSINESS_DAYS: Final = 3
RUBRIC: Final = ("alignment", "feasibility", "value", "equity", "risk", "procurement")
SCORE_RANGE: Final = range(1, 6)
MAX_REASON_CHARS: Final = 2000
# Who the record names when the submitter acts (their answer to a question).
SUBMITTER: Final = "submitter"
# Identities of whoever runs the staff CLI without --as (`cli:operator:<login>`): the
# operator, with a lead's rights. Anyone else acts as a roster member (`slack:<id>`).
OPERATOR_PREFIX: Final = "cli:operator:"


def allowed_transitions(submission: Submission) -> tuple[Status, ...]:
    """Every status a submission may move to from where it is."""
    if submission.status in CLOSED:
        return ()
    if submission.status is Status.needs_info:
        back = (submission.resume_status or Status.screening,)
        return (*back, Status.declined, Status.withdrawn)
    return (*FORWARD[submission.status], Status.needs_info, Status.declined, Status.withdrawn)


def advance_targets(submission: Submission) -> tuple[Status, ...]:
    """Where 'Advance' may take it: forward, or back from waiting for information."""
    if submission.status is Status.needs_info:
        return (submission.resume_status or Status.screening,)
    return FORWARD.get(submission.status, ())


def status_label(status: Status, language: str = DEFAULT_LANGUAGE) -> str:
    """The status in words (staff read English; a submitter their own language)."""
    return rendering.status_label(status, language)


@dataclass(frozen=True)
class Staff:
    """Someone acting as City staff: `slack:U0123` for a roster member (in Slack, or
    named with the CLI's --as), `cli:operator:<login>` for the CLI's operator. What they
    may do is looked up on the roster when they act (storage/workflow/roles.py), never
    carried here."""

    identity: str

    @property
    def slack_user(self) -> str | None:
        return self.identity.removeprefix("slack:") if self.identity.startswith("slack:") else None

    @classmethod
    def operator(cls, login: str) -> "Staff":
        return cls(f"{OPERATOR_PREFIX}{login}")


class Refused(Exception):
    """The request cannot be done as asked; the message says why, for the person asking."""


@dataclass(frozen=True)
class Outcome:
    """What happened: `changed` is False when the thing was already done (a double
    click, or someone else was faster), and `message` says so."""

    reference: str
    changed: bool
    message: str


# Passed as `expected_*` by callers that know nothing about the state they act on
# (the CLI); buttons pass the state their card showed.
ANY: Final = object()


def cleaned(value: str | None, limit: int = MAX_REASON_CHARS) -> str | None:
    """What a person typed, trimmed (None when nothing is left); Refused past `limit`."""
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise Refused(text("workflow.too_long", limit=limit))
    return value or None
