"""The evaluation workflow: who may move a submission where, and what every change
records and sends. Slack (bot/slack), the staff CLI (bot/staff_cli) and the submitter's
own answers in chat (actions/info_request.py) all go through these functions, so each
change writes the same history, updates the triage card and tells the submitter once.

Each function works inside the caller's session (one transaction): the change, its
history, and the outbox rows that announce it commit together or not at all. Every
change a person makes bumps the submission's version with a compare-and-set update
(the version in the UPDATE's WHERE), so a double click or two people at once change it
once, and a decision made on a card or form drawn before the last change is refused
with what changed since.

Who may do what is decided here too, from the staff roster (StaffMember), so Slack and
the CLI obey the same rules: evaluators work on what they own, leads decide."""

from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, update
from sqlalchemy import text as sql
from sqlmodel import Session, col, select

from storage import outbox, repository, service_levels
from storage.catalogue import text
from storage.db import insert_for, insert_once
from storage.models import (
    Activity,
    ConflictDeclaration,
    Contact,
    InfoRequest,
    Score,
    StaffMember,
    StaffRole,
    Status,
    StatusChange,
    Submission,
    SubmitterMessage,
    utcnow,
)
from storage.settings import get_settings

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
SUBMITTER: Final = "submitter"
# Identities of whoever runs the staff CLI without --as (`cli:operator:<login>`): the
# operator, with a lead's rights. Anyone else acts as a roster member (`slack:<id>`).
OPERATOR_PREFIX: Final = "cli:operator:"
# Activity that changes a submission, and so tells a stale view what changed since.
DESCRIBED_CHANGES: Final = frozenset(
    {"assigned", "unassigned", "info_answered", "conflict_declared", "scored", "blocked", "snoozed"}
)


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


@dataclass(frozen=True)
class Staff:
    """Someone acting as City staff: `slack:U0123` for a roster member (in Slack, or
    named with the CLI's --as), `cli:operator:<login>` for the CLI's operator. What they
    may do is looked up on the roster when they act (`role_of`), never carried here."""

    identity: str

    @property
    def slack_user(self) -> str | None:
        return self.identity.removeprefix("slack:") if self.identity.startswith("slack:") else None

    @classmethod
    def operator(cls, login: str) -> "Staff":
        return cls(f"{OPERATOR_PREFIX}{login}")


class Refused(Exception):
    """The request cannot be done as asked; the message says why, for the person asking."""


def roster_member(session: Session, slack_user: str | None) -> StaffMember | None:
    """The roster entry of a Slack user, or None when they are not (or no longer) on it."""
    member = session.get(StaffMember, slack_user) if slack_user else None
    return member if member is not None and member.removed_at is None else None


def role_of(session: Session, staff: Staff) -> StaffRole:
    """What this person may do: their role on the roster (the operator is a lead);
    Refused for anyone else."""
    if staff.identity.startswith(OPERATOR_PREFIX):
        return StaffRole.lead
    member = roster_member(session, staff.slack_user)
    if member is None:
        raise Refused(text("workflow.not_on_roster"))
    return member.role


def require_lead(session: Session, staff: Staff, action: str) -> None:
    if role_of(session, staff) is not StaffRole.lead:
        raise Refused(text("workflow.leads_only", action=text(f"workflow.lead_action.{action}")))


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


def find(session: Session, reference: str) -> Submission:
    """The submission, or Refused saying there is none (deleted, or a stale button)."""
    submission = repository.get_submission(session, reference)
    if submission is None:
        raise Refused(text("workflow.unknown_submission", reference=reference))
    return submission


def _clean(value: str | None, limit: int = MAX_REASON_CHARS) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise Refused(text("workflow.too_long", limit=limit))
    return value or None


def _log(session: Session, submission: Submission, actor: str, kind: str, **detail) -> None:
    """Records something that changes nothing (a viewing, a note on what happened)."""
    session.add(Activity(submission_id=submission.id, actor=actor, kind=kind, detail=detail))


def _record(session: Session, submission: Submission, actor: str, kind: str, **detail) -> None:
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


def _bump(session: Session, submission: Submission, *conditions, **values) -> bool:
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


def _change_as_seen(
    session: Session, submission: Submission, expected_version: object, **values
) -> Outcome | None:
    """Applies `values` with the next version if the person saw the submission as it is
    (`expected_version`, or ANY); else the Outcome saying what changed since."""
    stale = stale_view(session, submission, expected_version)
    if stale is not None:
        return stale
    seen = submission.version
    if not _bump(session, submission, **values):
        return stale_view(session, submission, seen) or _already_moved(submission)
    return None


def _who(session: Session, identity: str) -> str:
    """A person as a stale-view message names them: their roster name, else their id."""
    if identity == SUBMITTER:
        return text("workflow.the_submitter")
    member = roster_member(session, Staff(identity).slack_user)
    if member is not None and member.name:
        return member.name
    return identity.removeprefix("slack:").removeprefix("cli:")


def _at(moment: datetime) -> str:
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
            who=_who(session, change.actor),
            status=status_label(change.to_status),
            time=_at(change.at),
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
            who=_who(session, entry.actor),
            to=_who(session, to) if to else text("workflow.nobody"),
            time=_at(entry.at),
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


def card_changed(session: Session, submission_id: int) -> None:
    """Asks for the triage card to be redrawn. The notifier draws it from the database
    when it sends, so one redraw not yet claimed covers any number of changes."""
    if not outbox.touch_unclaimed(session, "card_update", submission_id):
        outbox.enqueue(session, "card_update", {}, submission_id=submission_id)


def _already_moved(submission: Submission) -> Outcome:
    return Outcome(
        submission.reference,
        False,
        text(
            "workflow.already_moved", reference=submission.reference, status=submission.status.value
        ),
    )


def status_label(status: Status) -> str:
    return text(f"status.label.{status.value}")


def tell_submitter(
    session: Session,
    submission: Submission,
    key: str,
    message: str,
    buttons: list[dict] | None = None,
    status_change_id: int | None = None,
    shown: bool = False,
) -> bool:
    """Tells the submitter something about their submission, once per `key`: in their
    inbox (shown by the web chat and the status answer), by Slack DM if they came through
    Slack and by e-mail if they gave an address, the last two through the outbox. `shown`:
    they are being told right now in the chat they are using, so no DM repeats it.
    Returns False when there is nobody to tell, or they were already told."""
    contact = (
        repository.get_contact(session, submission.contact_id) if submission.contact_id else None
    )
    if contact is None:
        return False
    values = {
        "submission_id": submission.id,
        "key": key,
        "status_change_id": status_change_id,
        "sender_id": contact.sender_id,
        "text": message,
        "buttons": buttons or [],
        "created_at": utcnow(),
        "shown_at": utcnow() if shown else None,
    }
    message_id = insert_once(
        session, SubmitterMessage, values, SubmitterMessage.key, SubmitterMessage.id
    )
    if message_id is None:
        return False
    payload = {"message_id": message_id}
    if contact.channel == "slack" and not shown:
        outbox.enqueue(
            session,
            "submitter_slack",
            payload,
            submission_id=submission.id,
            dedupe_key=f"submitter_slack:{message_id}",
        )
    # E-mail is part of the deployment's configuration (SMTP_URL), which every process
    # of it shares, the staff CLI included.
    if contact.email and get_settings().smtp_url:
        outbox.enqueue(
            session,
            "submitter_email",
            payload,
            submission_id=submission.id,
            dedupe_key=f"submitter_email:{message_id}",
        )
    return True


def _news_of(submission: Submission, change: StatusChange) -> str:
    decided_by = (
        text("notify.next_decision", date=f"{submission.next_decision_by:%d %B %Y}")
        if submission.next_decision_by
        else ""
    )
    return text(
        "notify.status_changed",
        reference=submission.reference,
        title=submission.title,
        status=status_label(change.to_status),
        reason=change.public_reason or "",
        next_step=submission.next_step,
        next_decision=decided_by,
    ).strip()


def _move(
    session: Session,
    submission: Submission,
    to_status: Status,
    actor: str,
    public_reason: str | None,
    internal_note: str | None,
    expected_status: object,
    expected_version: object = ANY,
    resume_status: Status | None = None,
    buttons: list[dict] | None = None,
    shown: bool = False,
) -> Outcome | StatusChange:
    """The one place a status changes: checked, compare-and-set, recorded, announced.
    Returns an Outcome instead of a change when the submission had already moved, or
    changed since the view the decision was made on."""
    current = submission.status
    if expected_status is not ANY and current is not expected_status:
        return _already_moved(submission)
    stale = stale_view(session, submission, expected_version)
    if stale is not None:
        return stale
    if to_status not in allowed_transitions(submission):
        allowed = ", ".join(s.value for s in allowed_transitions(submission)) or text(
            "workflow.none"
        )
        raise Refused(
            text(
                "workflow.illegal_transition",
                reference=submission.reference,
                current=current.value,
                target=to_status.value,
                allowed=allowed,
            )
        )
    now = utcnow()
    due = service_levels.due(to_status, now)
    seen = submission.version
    moved = _bump(
        session,
        submission,
        Submission.status == current,
        status=to_status,
        updated_at=now,
        status_since=now,
        next_step=repository.next_step_for(to_status),
        next_decision_by=due,
        next_reminder_at=service_levels.first_reminder(to_status, due),
        resume_status=resume_status,
        title_public=submission.title_public or to_status in SCREENED,
        # A new stay: what it waited on, and snoozed reminders, belong to the old one.
        blocked_by=None,
        snoozed_until=None,
        snoozes=0,
    )
    if not moved:  # someone else changed it between our read and this write
        if submission.status is current:
            return stale_view(session, submission, seen) or _already_moved(submission)
        return _already_moved(submission)
    change = StatusChange(
        submission_id=submission.id,
        at=now,
        actor=actor,
        from_status=current,
        to_status=to_status,
        public_reason=public_reason,
        internal_note=internal_note,
        version=submission.version,
    )
    session.add(change)
    session.flush()
    unanswered = open_info_request(session, submission.id) if current is Status.needs_info else None
    if unanswered is not None and actor != SUBMITTER:
        # Staff went on (or declined) without the answer; the record says so.
        _log(session, submission, actor, "info_request_dropped", request_id=unanswered.id)
    tell_submitter(
        session,
        submission,
        f"status:{change.id}",
        _news_of(submission, change),
        buttons,
        change.id,
        shown,
    )
    return change


def _moved(submission: Submission, change: Outcome | StatusChange, key: str) -> Outcome:
    if isinstance(change, Outcome):
        return change
    return Outcome(
        submission.reference,
        True,
        text(key, reference=submission.reference, status=change.to_status.value),
    )


# --- staff actions ---------------------------------------------------------------------


def assign(
    session: Session,
    reference: str,
    staff: Staff,
    to: Staff | None = None,
    expected_assignee: object = ANY,
    expected_version: object = ANY,
) -> Outcome:
    """Makes `to` (default: the one asking) own the evaluation. Evaluators take what
    nobody owns, for themselves; leads assign and reassign anyone on the roster."""
    role = role_of(session, staff)
    submission = find(session, reference)
    owner = to or staff
    if owner != staff and role is not StaffRole.lead:
        raise Refused(
            text("workflow.leads_only", action=text("workflow.lead_action.assign_others"))
        )
    if roster_member(session, owner.slack_user) is None:
        raise Refused(text("workflow.assignee_not_on_roster", who=_who(session, owner.identity)))
    if submission.status in CLOSED:
        raise Refused(text("workflow.closed", reference=reference, status=submission.status.value))
    if conflicted(session, submission, owner):
        raise Refused(text("workflow.conflict_no_owner", reference=reference))
    if submission.assignee == owner.identity:
        return Outcome(reference, False, text("workflow.already_assigned", reference=reference))
    previous = submission.assignee
    if expected_assignee is not ANY and previous != expected_assignee:
        return Outcome(reference, False, text("workflow.assigned_meanwhile", reference=reference))
    if previous is not None and role is not StaffRole.lead:
        raise Refused(text("workflow.no_take_over", reference=reference))
    stale = stale_view(session, submission, expected_version)
    if stale is not None:
        return stale
    condition = (
        col(Submission.assignee).is_(None) if previous is None else Submission.assignee == previous
    )
    if not _bump(session, submission, condition, assignee=owner.identity):
        return Outcome(reference, False, text("workflow.assigned_meanwhile", reference=reference))
    _record(session, submission, staff.identity, "assigned", to=owner.identity, previous=previous)
    return Outcome(reference, True, text("workflow.assigned", reference=reference))


def release(session: Session, submission: Submission, actor: str, reason: str) -> bool:
    """Its owner no longer owns it (a declared conflict, or they left the roster)."""
    owner = submission.assignee
    if owner is None or not _bump(session, submission, Submission.assignee == owner, assignee=None):
        return False
    _record(session, submission, actor, "unassigned", previous=owner, reason=reason)
    return True


def request_info(
    session: Session,
    reference: str,
    staff: Staff,
    question: str,
    internal_note: str | None = None,
    expected_status: object = ANY,
    expected_version: object = ANY,
) -> Outcome:
    """Asks the submitter a question; the submission waits in needs_info for the answer."""
    role_of(session, staff)
    submission = find(session, reference)
    _check_not_conflicted(session, submission, staff)
    question = _clean(question, 1000) or ""
    if len(question) < 5:
        raise Refused(text("workflow.question_needed"))
    if submission.status is Status.needs_info and expected_status in (ANY, Status.needs_info):
        raise Refused(text("workflow.already_waiting", reference=reference))
    if (
        submission.contact_id is None
        or repository.get_contact(session, submission.contact_id) is None
    ):
        raise Refused(text("workflow.no_way_to_ask", reference=reference))
    change = _move(
        session,
        submission,
        Status.needs_info,
        staff.identity,
        question,
        _clean(internal_note),
        expected_status,
        expected_version,
        resume_status=submission.status,
        buttons=[answer_button(reference)],
    )
    if isinstance(change, Outcome):
        return change
    session.add(
        InfoRequest(submission_id=submission.id, question=question, asked_by=staff.identity)
    )
    _log(session, submission, staff.identity, "info_requested", question=question)
    return _moved(submission, change, "workflow.info_requested")


def answer_button(reference: str, title: str | None = None) -> dict:
    """The button that starts the submitter's answer to staff's question, in any chat
    (the payload is the chat's own: the intent, with the reference as its entity)."""
    return {
        "title": title or text("notify.answer_button"),
        "payload": f'/provide_info{{"reference":"{reference}"}}',
    }


def open_info_request(session: Session, submission_id: int) -> InfoRequest | None:
    return session.exec(
        select(InfoRequest)
        .where(InfoRequest.submission_id == submission_id, col(InfoRequest.answered_at).is_(None))
        .order_by(col(InfoRequest.id).desc())
    ).first()


def answer_info(session: Session, reference: str, sender_id: str, answer: str) -> Outcome:
    """The submitter's answer, given in chat: attached to the submission, which returns
    to where it was before the question. An answer that comes after staff went on is
    still attached (and the card says so): nothing the submitter gives is lost."""
    submission = find(session, reference)
    if not repository.submitted_by(session, submission, sender_id):
        raise Refused(text("workflow.not_yours", reference=reference))
    request = open_info_request(session, submission.id)
    if request is None:
        return Outcome(reference, False, text("workflow.nothing_asked", reference=reference))
    request.answer, request.answered_at = _clean(answer, 5000) or "", utcnow()
    session.add(request)
    change = (
        _move(
            session,
            submission,
            submission.resume_status or Status.screening,
            SUBMITTER,
            text("workflow.info_received_reason"),
            None,
            Status.needs_info,
            shown=True,  # they are told in the chat they are answering in
        )
        if submission.status is Status.needs_info
        else None
    )
    if change is None or isinstance(change, Outcome):  # staff had gone on without it
        # Still a change: a decision drawn before the answer arrived must see it first.
        session.execute(
            update(Submission)
            .where(Submission.id == submission.id)
            .values(version=Submission.version + 1)
            .execution_options(synchronize_session=False)
        )
        session.refresh(submission)
        _record(session, submission, SUBMITTER, "info_answered", request_id=request.id)
        card_changed(session, submission.id)
        return Outcome(reference, True, text("workflow.info_answered_late", reference=reference))
    _record(session, submission, SUBMITTER, "info_answered", request_id=request.id)
    return _moved(submission, change, "workflow.info_answered")


def declaration(session: Session, submission_id: int, evaluator: str) -> ConflictDeclaration | None:
    return session.exec(
        select(ConflictDeclaration).where(
            ConflictDeclaration.submission_id == submission_id,
            ConflictDeclaration.evaluator == evaluator,
        )
    ).first()


def conflicted(session: Session, submission: Submission, staff: Staff) -> bool:
    """Whether this person declared a conflict of interest on this submission."""
    declared = declaration(session, submission.id, staff.identity)
    return declared is not None and declared.has_conflict


def _check_not_conflicted(session: Session, submission: Submission, staff: Staff) -> None:
    """Someone with a declared conflict decides nothing about the submission."""
    if conflicted(session, submission, staff):
        raise Refused(text("workflow.conflict_no_decisions", reference=submission.reference))


def declare_conflict(
    session: Session,
    reference: str,
    staff: Staff,
    has_conflict: bool,
    statement: str | None = None,
    expected_version: object = ANY,
) -> Outcome:
    """Records an evaluator's conflict-of-interest declaration. A declared conflict is
    final: that person's scores no longer count, and they cannot score again."""
    role_of(session, staff)
    submission = find(session, reference)
    statement = _clean(statement, 1000)
    existing = declaration(session, submission.id, staff.identity)
    if existing is not None and existing.has_conflict:
        return Outcome(reference, False, text("workflow.conflict_final", reference=reference))
    if existing is not None and not has_conflict:
        return Outcome(reference, False, text("workflow.already_declared", reference=reference))
    refused = _change_as_seen(session, submission, expected_version)
    if refused is not None:
        return refused
    values = {
        "submission_id": submission.id,
        "evaluator": staff.identity,
        "has_conflict": has_conflict,
        "statement": statement,
        "at": utcnow(),
    }
    if existing is None:
        unique = [ConflictDeclaration.submission_id, ConflictDeclaration.evaluator]
        insert_once(session, ConflictDeclaration, values, unique, ConflictDeclaration.evaluator)
    else:  # from no conflict to a conflict: the one change a declaration may make
        existing.has_conflict, existing.statement, existing.at = True, statement, utcnow()
        session.add(existing)
    _record(
        session,
        submission,
        staff.identity,
        "conflict_declared",
        conflict=has_conflict,
        statement=statement,
    )
    if has_conflict and submission.assignee == staff.identity:
        # Someone with a conflict cannot own the evaluation.
        release(session, submission, staff.identity, "conflict of interest")
    key = "workflow.conflict_recorded" if has_conflict else "workflow.no_conflict_recorded"
    return Outcome(reference, True, text(key, reference=reference))


def check_may_score(session: Session, submission: Submission, staff: Staff) -> None:
    """Raises Refused unless this person may score this submission now."""
    role_of(session, staff)
    if submission.status not in SCORABLE:
        raise Refused(
            text(
                "workflow.not_scorable",
                reference=submission.reference,
                status=submission.status.value,
            )
        )
    declared = declaration(session, submission.id, staff.identity)
    if declared is None:
        raise Refused(text("workflow.declare_first", reference=submission.reference))
    if declared.has_conflict:
        raise Refused(text("workflow.conflict_final", reference=submission.reference))


def score(
    session: Session,
    reference: str,
    staff: Staff,
    scores: dict[str, int],
    comments: dict[str, str] | None = None,
    expected_version: object = ANY,
) -> Outcome:
    """Records (or revises) one evaluator's rubric scores, 1-5 per criterion."""
    submission = find(session, reference)
    check_may_score(session, submission, staff)
    if set(scores) != set(RUBRIC) or any(
        not isinstance(value, int) or isinstance(value, bool) or value not in SCORE_RANGE
        for value in scores.values()
    ):
        raise Refused(text("workflow.score_invalid", criteria=", ".join(RUBRIC)))
    comments = {
        key: _clean(value, 1000) or "" for key, value in (comments or {}).items() if key in RUBRIC
    }
    existing = session.exec(
        select(Score).where(Score.submission_id == submission.id, Score.evaluator == staff.identity)
    ).first()
    if existing is not None and existing.scores == scores and existing.comments == comments:
        return Outcome(reference, False, text("workflow.score_unchanged", reference=reference))
    refused = _change_as_seen(session, submission, expected_version)
    if refused is not None:
        return refused
    values = {"scores": dict(scores), "comments": comments, "at": utcnow()}
    session.execute(
        insert_for(session, Score)
        .values(submission_id=submission.id, evaluator=staff.identity, **values)
        .on_conflict_do_update(index_elements=[Score.submission_id, Score.evaluator], set_=values)
    )
    previous = {"scores": existing.scores, "comments": existing.comments} if existing else None
    _record(
        session,
        submission,
        staff.identity,
        "scored",
        scores=scores,
        comments=comments,
        previous=previous,
    )
    key = "workflow.score_revised" if previous else "workflow.scored"
    return Outcome(reference, True, text(key, reference=reference))


def advance(
    session: Session,
    reference: str,
    staff: Staff,
    to_status: Status | None = None,
    public_reason: str | None = None,
    internal_note: str | None = None,
    expected_status: object = ANY,
    expected_version: object = ANY,
) -> Outcome:
    """Moves a submission forward (to the only next status, or the one chosen). Leads only."""
    require_lead(session, staff, "advance")
    submission = find(session, reference)
    _check_not_conflicted(session, submission, staff)
    targets = advance_targets(submission)
    if to_status is None:
        if expected_status is not ANY and submission.status is not expected_status:
            return _already_moved(submission)
        if len(targets) != 1:
            raise Refused(
                text(
                    "workflow.choose_target",
                    reference=reference,
                    allowed=", ".join(s.value for s in targets) or text("workflow.none"),
                )
            )
        to_status = targets[0]
    if to_status in CLOSED - {Status.closed} or to_status is Status.needs_info:
        raise Refused(text("workflow.use_other_action", target=to_status.value))
    if submission.status is Status.needs_info and to_status not in targets:
        raise Refused(text("workflow.waiting_for_answer", reference=reference))
    standard = (
        "status.resume_reason"
        if submission.status is Status.needs_info
        else f"status.advance_reason.{to_status.value}"
    )
    reason = _clean(public_reason) or text(standard)
    change = _move(
        session,
        submission,
        to_status,
        staff.identity,
        reason,
        _clean(internal_note),
        expected_status,
        expected_version,
    )
    return _moved(submission, change, "workflow.moved")


def decline(
    session: Session,
    reference: str,
    staff: Staff,
    public_reason: str,
    internal_note: str | None = None,
    expected_status: object = ANY,
    expected_version: object = ANY,
) -> Outcome:
    """Declines a submission, with the reason the submitter will read. Leads only."""
    require_lead(session, staff, "decline")
    submission = find(session, reference)
    _check_not_conflicted(session, submission, staff)
    reason = _clean(public_reason)
    if not reason or len(reason) < 10:
        raise Refused(text("workflow.reason_needed"))
    change = _move(
        session,
        submission,
        Status.declined,
        staff.identity,
        reason,
        _clean(internal_note),
        expected_status,
        expected_version,
    )
    return _moved(submission, change, "workflow.moved")


def set_blocked(
    session: Session,
    reference: str,
    staff: Staff,
    blocker: str | None,
    expected_version: object = ANY,
) -> Outcome:
    """Records what the submission waits on (one of BLOCKERS), or that it waits on nothing."""
    role_of(session, staff)
    submission = find(session, reference)
    if blocker is not None and blocker not in BLOCKERS:
        raise Refused(text("workflow.unknown_blocker", known=", ".join(BLOCKERS)))
    if submission.status in CLOSED:
        raise Refused(text("workflow.closed", reference=reference, status=submission.status.value))
    if submission.blocked_by == blocker:
        return Outcome(reference, False, text("workflow.blocker_unchanged", reference=reference))
    previous = submission.blocked_by
    refused = _change_as_seen(session, submission, expected_version, blocked_by=blocker)
    if refused is not None:
        return refused
    _record(session, submission, staff.identity, "blocked", blocker=blocker, previous=previous)
    if blocker is None:
        return Outcome(reference, True, text("workflow.unblocked", reference=reference))
    label = text(f"blocker.{blocker}")
    return Outcome(reference, True, text("workflow.blocked", reference=reference, blocker=label))


def snooze(
    session: Session,
    reference: str,
    staff: Staff,
    expected_snoozes: object = ANY,
    expected_status: object = ANY,
    expected_version: object = ANY,
) -> Outcome:
    """Holds the reminders about a submission for SNOOZE_BUSINESS_DAYS business days; then
    they come again, once. A second press of the same reminder's button snoozes once.
    Evaluators snooze the reminders of what they own; leads any.

    A reminder is never redrawn, so its Snooze is checked against what the reminder was
    about (the stay in a status, the snooze round), not the version: a score or a
    blocker recorded since does not make "remind me later" wrong. Other callers may
    still pass `expected_version`."""
    role = role_of(session, staff)
    submission = find(session, reference)
    if submission.status in CLOSED:
        raise Refused(text("workflow.closed", reference=reference, status=submission.status.value))
    if role is not StaffRole.lead and submission.assignee != staff.identity:
        raise Refused(text("workflow.not_your_reminders", reference=reference))
    calendar = service_levels.calendar(get_settings().timezone)
    until = calendar.add(calendar.local_date(utcnow()), SNOOZE_BUSINESS_DAYS)
    if expected_status is not ANY and submission.status is not expected_status:
        return _already_moved(submission)  # a reminder of an earlier stay
    if expected_snoozes is not ANY and submission.snoozes != expected_snoozes:
        return _already_snoozed(submission)
    stale = stale_view(session, submission, expected_version)
    if stale is not None:
        return stale
    # The owner's reminder comes back when the snooze ends; escalations keep their time.
    back = service_levels.after_snooze(submission.status, submission.next_decision_by, until)
    planned = [when for when in (submission.next_reminder_at, back) if when is not None]
    snoozed = _bump(
        session,
        submission,
        Submission.snoozes == submission.snoozes,
        snoozed_until=until,
        snoozes=Submission.snoozes + 1,
        next_reminder_at=min(planned, default=None),
    )
    if not snoozed:
        return _already_snoozed(submission)
    _record(session, submission, staff.identity, "snoozed", until=until.isoformat())
    return Outcome(
        reference, True, text("workflow.snoozed", reference=reference, date=f"{until:%d %B}")
    )


def _already_snoozed(submission: Submission) -> Outcome:
    held = f"{submission.snoozed_until:%d %B}" if submission.snoozed_until else "-"
    return Outcome(
        submission.reference,
        False,
        text("workflow.already_snoozed", reference=submission.reference, date=held),
    )


def may_see_confidential(session: Session, submission: Submission, staff: Staff) -> bool:
    """Leads, and the evaluator it is assigned to; never someone with a declared
    conflict, nor anyone off the roster."""
    try:
        role = role_of(session, staff)
    except Refused:
        return False
    if conflicted(session, submission, staff):
        return False
    return role is StaffRole.lead or submission.assignee == staff.identity


def record_confidential_view(session: Session, submission: Submission, staff: Staff) -> None:
    """Who opened confidential answers, and when, is part of the record."""
    _log(session, submission, staff.identity, "confidential_viewed")


def open_questions_for(session: Session, sender_id: str) -> list[tuple[str, str]]:
    """(reference, question) of every question staff are waiting for this chat identity
    to answer, newest first."""
    rows = session.exec(
        select(Submission.reference, InfoRequest.question)
        .join(InfoRequest, col(InfoRequest.submission_id) == col(Submission.id))
        .join(Contact, col(Contact.id) == col(Submission.contact_id))
        .where(
            Contact.sender_id == sender_id,
            Submission.status == Status.needs_info,
            col(InfoRequest.answered_at).is_(None),
        )
        .order_by(col(InfoRequest.id).desc())
    ).all()
    seen: dict[str, str] = {}
    for reference, question in rows:
        seen.setdefault(reference, question)
    return list(seen.items())


# Asked before every message (bot/conversation.py), so written out once rather than
# built per call (as storage.repository does for drafts): building and compiling the
# ORM statement was half of the look-up's 0.45 ms on PostgreSQL. Starts at the contact's
# sender id (indexed), which for most people finds no contact at all.
_CONTACTS = Contact.__table__  # type: ignore[attr-defined]
_SUBMISSIONS = Submission.__table__  # type: ignore[attr-defined]
_QUESTIONS = InfoRequest.__table__  # type: ignore[attr-defined]
_OPEN_QUESTION = sql(
    f"SELECT 1 FROM {_CONTACTS.name} AS c "
    f"JOIN {_SUBMISSIONS.name} AS s ON s.contact_id = c.id "
    f"JOIN {_QUESTIONS.name} AS q ON q.submission_id = s.id "
    "WHERE c.sender_id = :sender_id AND s.status = :status AND q.answered_at IS NULL "
    "LIMIT 1"
).bindparams(bindparam("status", type_=_SUBMISSIONS.c.status.type))


def has_open_question(connection: Connection, sender_id: str) -> bool:
    """Whether staff wait for this chat identity to answer a question (any of
    open_questions_for)."""
    found = connection.execute(
        _OPEN_QUESTION, {"sender_id": sender_id, "status": Status.needs_info}
    )
    return found.first() is not None
