"""The submission a request acts on, and how it changes: every change a person makes
bumps the submission's version with a compare-and-set update (the version in the
UPDATE's WHERE), so a double click or two people at once change it once, and a
decision made on a card or form drawn before the last change is refused with what
changed since (read back from the record of changes kept here)."""

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage import outbox
from storage.catalogue import text
from storage.models import Activity, Status, StatusChange, Submission, utcnow
from storage.settings import get_settings
from storage.submissions import get_submission
from storage.workflow.roles import name_of
from storage.workflow.rules import ANY, SUBMITTER, Outcome, Refused, status_label

# Activity that changes a submission, and so tells a stale view what changed since.
DESCRIBED_CHANGES: Final = frozenset(
    {
        "assigned",
        "unassigned",
        "info_answered",
        "answer_amended",
        "conflict_declared",
        "scored",
        "blocked",
        "snoozed",
        "pilot_planned",
        "pilot_approved",
        "pilot_reported",
        "pilot_decided",
    }
)


def find(session: Session, reference: str) -> Submission:
    """The submission, or Refused saying there is none (deleted, or a stale button)."""
    submission = get_submission(session, reference)
    if submission is None:
        raise Refused(text("workflow.unknown_submission", reference=reference))
    return submission


def note_activity(
    session: Session, submission: Submission, actor: str, kind: str, **detail
) -> None:
    """Records something that changes nothing (a viewing, a note on what happened)."""
    session.add(Activity(submission_id=submission.id, actor=actor, kind=kind, detail=detail))


def record_change(
    session: Session, submission: Submission, actor: str, kind: str, **detail
) -> None:
    """Records a change, under the version it produced."""
    session.add(
        Activity(
            submission_id=submission.id,
            actor=actor,
            kind=kind,
            detail=detail,
            version=submission.version,
        )
    )


def bump_version(session: Session, submission: Submission, *conditions, **values) -> bool:
    """The compare-and-set every change makes: applies `values` and the next version
    only if nobody changed the submission since it was read (and `conditions` hold),
    and has the card redrawn, so its buttons carry the new version. False, with
    `submission` refreshed, when someone else was first."""
    result = session.execute(
        update(Submission)
        .where(
            Submission.id == submission.id, Submission.version == submission.version, *conditions
        )
        .values(version=Submission.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(submission)
    if result.rowcount != 1:
        return False
    card_changed(session, submission.id)
    return True


def change_as_seen(
    session: Session, submission: Submission, expected_version: object, **values
) -> Outcome | None:
    """Applies `values` with the next version if the person saw the submission as it is
    (`expected_version`, or ANY); else the Outcome saying what changed since."""
    stale = stale_view(session, submission, expected_version)
    if stale is not None:
        return stale
    seen = submission.version
    if not bump_version(session, submission, **values):
        return stale_view(session, submission, seen) or moved_since(submission)
    return None


def card_changed(session: Session, submission_id: int) -> None:
    """Asks for the triage card to be redrawn. The notifier draws it from the database
    when it sends, so one redraw not yet claimed covers any number of changes."""
    if not outbox.touch_unclaimed(session, "card_update", submission_id):
        outbox.enqueue(session, "card_update", {}, submission_id=submission_id)


def moved_since(submission: Submission) -> Outcome:
    """The answer to a decision about a status the submission has left since (someone
    else moved it first, or a reminder of an earlier stay): where it is now."""
    return Outcome(
        submission.reference,
        False,
        text(
            "workflow.already_moved", reference=submission.reference, status=submission.status.value
        ),
    )


def _city_time(moment: datetime) -> str:
    """A time as City staff read it: the City's clock, with the date unless today."""
    zone = ZoneInfo(get_settings().timezone)
    local = moment.astimezone(zone)
    if local.date() == utcnow().astimezone(zone).date():
        return f"{local:%H:%M}"
    return f"{local:%d %b %H:%M}"


def changes_since(session: Session, submission: Submission, version: int) -> list[str]:
    """What people changed on the submission after `version`, oldest first, in words."""
    found: list[tuple[datetime, str]] = []
    for change in session.exec(
        select(StatusChange).where(
            StatusChange.submission_id == submission.id, col(StatusChange.version) > version
        )
    ):
        if change.actor == SUBMITTER:
            continue  # their answer moved it back: said once, as the answer
        key = (
            "workflow.change.info_requested"
            if change.to_status is Status.needs_info
            else "workflow.change.status"
        )
        said = text(
            key,
            who=name_of(session, change.actor),
            status=status_label(change.to_status),
            time=_city_time(change.at),
        )
        found.append((change.at, said))
    for entry in session.exec(
        select(Activity).where(
            Activity.submission_id == submission.id,
            col(Activity.version) > version,
            col(Activity.kind).in_(DESCRIBED_CHANGES),
        )
    ):
        to = entry.detail.get("to") if isinstance(entry.detail, dict) else None
        kind = "took_on" if entry.kind == "assigned" and to == entry.actor else entry.kind
        said = text(
            f"workflow.change.{kind}",
            who=name_of(session, entry.actor),
            to=name_of(session, to) if to else text("workflow.nobody"),
            time=_city_time(entry.at),
        )
        found.append((entry.at, said))
    return [said for _, said in sorted(found, key=lambda pair: pair[0])]


def stale_view(
    session: Session, submission: Submission, expected_version: object
) -> Outcome | None:
    """Refuses a decision made on a view of an older version, saying what changed since;
    None when the view is current (or the caller acts on whatever is there: ANY)."""
    if expected_version is ANY or submission.version == expected_version:
        return None
    since = expected_version if isinstance(expected_version, int) else submission.version
    changes = changes_since(session, submission, since) or [text("workflow.stale_unknown")]
    return Outcome(
        submission.reference,
        False,
        text("workflow.stale", reference=submission.reference, changes="; ".join(changes)),
    )
