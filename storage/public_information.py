"""Public-information requests that touch a submission (Texas Public Information Act,
Government Code chapter 552). When someone asks the City for records that include a
vendor's proposal, the vendor may ask the Attorney General to withhold what is a trade
secret or commercial information (552.305), within a deadline counted from the City's
notice. Staff log the request with that deadline (`staff_cli pia add`); the vendor is
told at once through the submitter news (storage/workflow/submitter_news.py: inbox,
Slack DM, e-mail), and reminded once, ENTRYWAY_PUBLIC_INFORMATION_REMIND_DAYS business
days before the deadline at the morning hour reminders keep, unless the request was
closed by then. The scheduler calls `plan_reminders` with the other reminders.

Exactly once: logging the same request again (the same City request number, or without
one the same deadline) finds the one logged; the notice and the reminder are submitter
news under keys naming the request, and the reminder is claimed with a compare-and-set,
so two schedulers at once, or one that runs again after a crash, write it once."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage import service_levels
from storage.catalogue import text
from storage.contacts import get_contact
from storage.db import each_in_its_own_transaction, insert_once
from storage.models import Kind, PublicInformationRequest, Submission, utcnow
from storage.settings import get_settings
from storage.submissions import get_answers
from storage.workflow import submitter_news
from storage.workflow.evaluation import check_not_conflicted
from storage.workflow.roles import role_of
from storage.workflow.rules import Outcome, Refused, Staff, cleaned
from storage.workflow.versions import find, note_activity

# How a request ended, as staff record it when they close it.
OUTCOMES = ("released", "partly_withheld", "withheld", "withdrawn")
MAX_REQUEST_ID_CHARS = 60
# How the vendor hears: a Slack DM, an e-mail, or only the web chat's inbox (seen on
# their next visit, and in any status answer).
SLACK, EMAIL, INBOX = "slack", "email", "inbox"


@dataclass(frozen=True)
class Logged:
    """A logged request: `new` is False when it had been logged before (nobody was told
    again); `reached_by` how the vendor was told (empty: nobody to tell)."""

    request: PublicInformationRequest
    submission: Submission
    new: bool
    reached_by: tuple[str, ...]


def request_key(request_id: str | None, due: date) -> str:
    """What makes two loggings one request: the City's number for it, however cased, or
    without one its deadline."""
    return f"id:{request_id.casefold()}" if request_id else f"due:{due.isoformat()}"


def reminder_moment(due: date, now: datetime) -> datetime | None:
    """When the vendor is reminded of a deadline on `due`: the configured business days
    before it, in the morning; None when that moment is not after `now` (the notice
    itself is then the last word before the deadline)."""
    calendar = service_levels.in_force()[1]
    days = get_settings().public_information_remind_days
    moment = calendar.morning_of(calendar.add(due, -days))
    return moment if moment > now else None


def reach(session: Session, submission: Submission) -> tuple[str, ...]:
    """How the submitter of `submission` hears what they are told."""
    contact = get_contact(session, submission.contact_id) if submission.contact_id else None
    if contact is None:
        return ()
    found = [SLACK] if contact.channel == SLACK else []
    if contact.email and get_settings().smtp_url:
        found.append(EMAIL)
    return tuple(found) or (INBOX,)


def _checked_fields(session: Session, submission: Submission, fields: tuple[str, ...]) -> list[str]:
    """The answers staff named, each one the submission has."""
    answered = [answer.field for answer in get_answers(session, submission.id)]
    unknown = [field for field in fields if field not in answered]
    if unknown:
        raise Refused(
            text(
                "pia.unknown_fields",
                reference=submission.reference,
                fields=", ".join(unknown),
                known=", ".join(answered) or text("pia.no_answers"),
            )
        )
    return list(dict.fromkeys(fields))


def log_request(
    session: Session,
    reference: str,
    staff: Staff,
    due: date,
    request_id: str | None = None,
    note: str | None = None,
    fields: tuple[str, ...] = (),
) -> Logged:
    """Logs a public-information request touching a proposal and tells its vendor, once.
    Refused: someone off the roster, an unknown reference, a submission that is not a
    proposal (an idea or feedback has no vendor whose trade secrets the Act protects),
    a deadline already past in the City's calendar, an answer the submission lacks, and
    anyone with a declared conflict (the notice is a legal step toward the vendor)."""
    role_of(session, staff)
    submission = find(session, reference)
    check_not_conflicted(session, submission, staff)
    if submission.kind is not Kind.proposal:
        raise Refused(text("pia.not_a_proposal", reference=reference, kind=submission.kind.value))
    now = utcnow()
    today = service_levels.in_force()[1].local_date(now)
    if due < today:
        raise Refused(text("pia.due_past", due=due.isoformat(), today=today.isoformat()))
    request_id = cleaned(request_id, MAX_REQUEST_ID_CHARS)
    note = cleaned(note)
    key = request_key(request_id, due)
    values = {
        "submission_id": submission.id,
        "request_key": key,
        "request_id": request_id,
        "note": note,
        "fields": _checked_fields(session, submission, fields),
        "due": due,
        "logged_by": staff.identity,
        "logged_at": now,
        "remind_at": reminder_moment(due, now),
    }
    unique = [PublicInformationRequest.submission_id, PublicInformationRequest.request_key]
    new_id = insert_once(
        session, PublicInformationRequest, values, unique, PublicInformationRequest.id
    )
    reached_by = reach(session, submission)
    if new_id is None:
        logged = session.exec(
            select(PublicInformationRequest).where(
                PublicInformationRequest.submission_id == submission.id,
                PublicInformationRequest.request_key == key,
            )
        ).one()
        return Logged(logged, submission, False, reached_by)
    told = submitter_news.tell_submitter(
        session,
        submission,
        f"public_information:{new_id}",
        submitter_news.public_information_notice(submission, due, values["fields"]),
    )
    request = session.get(PublicInformationRequest, new_id)
    if told:
        request.notified_at = now
        session.add(request)
    note_activity(
        session,
        submission,
        staff.identity,
        "public_information_logged",
        request=new_id,
        request_id=request_id,
        due=due.isoformat(),
        fields=values["fields"],
        vendor_told=told,
    )
    return Logged(request, submission, True, reached_by if told else ())


def open_requests(session: Session) -> list[tuple[PublicInformationRequest, str]]:
    """Every request not closed yet, with its submission's reference, soonest due first."""
    rows = session.exec(
        select(PublicInformationRequest, Submission.reference)
        .join(Submission, col(Submission.id) == col(PublicInformationRequest.submission_id))
        .where(col(PublicInformationRequest.closed_at).is_(None))
        .order_by(col(PublicInformationRequest.due), col(PublicInformationRequest.id))
    ).all()
    return [(request, reference) for request, reference in rows]


def requests_for(session: Session, submission_id: int) -> list[PublicInformationRequest]:
    """Every request that touched a submission, oldest first (its record shows them)."""
    return list(
        session.exec(
            select(PublicInformationRequest)
            .where(PublicInformationRequest.submission_id == submission_id)
            .order_by(col(PublicInformationRequest.id))
        )
    )


def close_request(
    session: Session,
    reference: str,
    staff: Staff,
    outcome: str | None = None,
    request_id: str | None = None,
    due: date | None = None,
) -> Outcome:
    """Closes the submission's open request (the one named by its City number or its
    deadline, when it has several): no reminder comes after this. Not by anyone with a
    declared conflict."""
    role_of(session, staff)
    submission = find(session, reference)
    check_not_conflicted(session, submission, staff)
    if outcome is not None and outcome not in OUTCOMES:
        raise Refused(text("pia.unknown_outcome", known=", ".join(OUTCOMES)))
    candidates = [
        request
        for request in requests_for(session, submission.id)
        if request.closed_at is None
        and (request_id is None or (request.request_id or "").casefold() == request_id.casefold())
        and (due is None or request.due == due)
    ]
    if not candidates:
        raise Refused(text("pia.none_open", reference=reference))
    if len(candidates) > 1:
        listed = ", ".join(describe(request) for request in candidates)
        raise Refused(text("pia.several_open", reference=reference, requests=listed))
    request = candidates[0]
    now = utcnow()
    closed = session.execute(
        update(PublicInformationRequest)
        .where(
            PublicInformationRequest.id == request.id,
            col(PublicInformationRequest.closed_at).is_(None),
        )
        .values(closed_at=now, closed_by=staff.identity, outcome=outcome)
    )
    if closed.rowcount != 1:
        return Outcome(reference, False, text("pia.already_closed", reference=reference))
    note_activity(
        session,
        submission,
        staff.identity,
        "public_information_closed",
        request=request.id,
        outcome=outcome,
    )
    return Outcome(
        reference,
        True,
        text(
            "pia.closed",
            reference=reference,
            request=describe(request),
            outcome=text(f"pia.outcome.{outcome}") if outcome else text("pia.outcome.none"),
        ),
    )


def describe(request: PublicInformationRequest) -> str:
    """A request as staff name it: its City number, or its deadline."""
    if request.request_id:
        return text("pia.named", request_id=request.request_id, due=request.due.isoformat())
    return text("pia.unnamed", due=request.due.isoformat())


def summary(request: PublicInformationRequest) -> str:
    """One request as a submission's record shows it to staff: when it was logged and
    by whom, whether the vendor was told and reminded, and whether it is closed."""
    zone = get_settings().zone

    def when(moment: datetime) -> str:
        return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"

    if request.reminded_at:
        reminder = text("pia.record.reminded", at=when(request.reminded_at))
    elif request.remind_at and request.closed_at is None:
        reminder = text("pia.record.reminder_due", at=when(request.remind_at))
    else:
        reminder = text("pia.record.no_reminder")
    if request.closed_at:
        outcome = text(f"pia.outcome.{request.outcome}" if request.outcome else "pia.outcome.none")
        state = text("pia.record.closed", at=when(request.closed_at), outcome=outcome)
    else:
        state = text("pia.record.open")
    return text(
        "pia.record.line",
        request=describe(request),
        logged=when(request.logged_at),
        by=request.logged_by,
        told=text("pia.record.told", at=when(request.notified_at))
        if request.notified_at
        else text("pia.record.not_told"),
        reminder=reminder,
        state=state,
    )


def _remind_one(session: Session, request_id: int, now: datetime) -> int:
    request = session.get(PublicInformationRequest, request_id)
    if request is None or request.remind_at is None or request.remind_at > now:
        return 0  # another planner, or a close, got there first
    # Past the deadline (everything was down until now) a reminder would only confuse:
    # there is none, and the record says so (no reminder moment, nobody reminded).
    too_late = service_levels.in_force()[1].local_date(now) > request.due
    claimed = session.execute(
        update(PublicInformationRequest)
        .where(
            PublicInformationRequest.id == request.id,
            col(PublicInformationRequest.reminded_at).is_(None),
            col(PublicInformationRequest.closed_at).is_(None),
            PublicInformationRequest.remind_at == request.remind_at,
        )
        .values(**({"remind_at": None} if too_late else {"reminded_at": now}))
    )
    if claimed.rowcount != 1 or too_late:
        return 0
    submission = session.get(Submission, request.submission_id)
    return int(
        submitter_news.tell_submitter(
            session,
            submission,
            f"public_information_reminder:{request.id}",
            submitter_news.public_information_reminder(submission, request.due),
        )
    )


def plan_reminders(database_url: str, now: datetime) -> int:
    """Writes every reminder of a deadline to object that has fallen due, once; returns
    how many vendors it told. Each in a transaction of its own."""
    due = (
        select(PublicInformationRequest.id)
        .where(
            col(PublicInformationRequest.remind_at) <= now,
            col(PublicInformationRequest.reminded_at).is_(None),
            col(PublicInformationRequest.closed_at).is_(None),
        )
        .order_by(col(PublicInformationRequest.id))
    )
    return each_in_its_own_transaction(
        database_url, due, lambda session, request_id: _remind_one(session, request_id, now)
    )
