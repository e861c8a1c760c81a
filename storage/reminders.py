"""What is due to be said about submissions, worked out from the database alone.

The scheduler calls `plan` every minute (and at start). It looks at every open
submission near or past its due date and, for each reminder or escalation whose time has
come, writes an outbox row under a key naming the submission, its current stay in its
status, the stage and the snooze round. The key is unique, so however often `plan` runs
(twice at once on two hosts, again after a crash, after the clock jumps) each reminder
exists once; the notifier sends it once; one that fell due while everything was down is
written at the first run after the start. The weekly digest is planned the same way,
under its week's key.

Stages, in business days from the due date (service_levels.yml):
- owner: remind_before days before: the assignee by DM, or the triage channel if nobody
  owns it;
- channel: overdue by escalate_after days: the triage channel;
- lead: overdue by lead_after days: ENTRYWAY_ESCALATION_LEAD, if one is set;
and while waiting for the submitter's answer (needs_info):
- submitter: remind_before days before the answer is due: the submitter, once;
- unanswered: the business day after it was due: the owner (or the channel)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from storage import outbox, service_levels, workflow
from storage.catalogue import text
from storage.models import Status, Submission
from storage.service_levels import BusinessCalendar, ServiceLevels
from storage.settings import get_settings

DIGEST_WEEKDAY = 0  # Monday, at service_levels.REMINDER_HOUR


@dataclass(frozen=True)
class Stage:
    name: str
    offset: int  # business days from the due date; negative: before it


def stages(status: Status, levels: ServiceLevels, lead: bool) -> tuple[Stage, ...]:
    if status is Status.needs_info:
        return (Stage("submitter", -levels.remind_before), Stage("unanswered", 1))
    found = [Stage("owner", -levels.remind_before), Stage("channel", levels.escalate_after)]
    if lead:
        found.append(Stage("lead", levels.lead_after))
    return tuple(found)


def stay_of(submission: Submission) -> str:
    """Names the submission's current stay in its status: a new status, a new stay."""
    return submission.status_since.isoformat()


def reminder_key(submission: Submission, stage: str) -> str:
    return f"reminder:{submission.id}:{stay_of(submission)}:{stage}:{submission.snoozes}"


def _remind_submitter(session: Session, submission: Submission, key: str) -> None:
    question = workflow.open_info_request(session, submission.id)
    if question is None:
        return
    workflow.tell_submitter(
        session,
        submission,
        key,
        text(
            "notify.answer_reminder",
            reference=submission.reference,
            question=question.question,
            date=f"{submission.next_decision_by:%d %B %Y}",
        ),
        [workflow.answer_button(submission.reference)],
    )


def plan(session: Session, now: datetime) -> int:
    """Writes every reminder and escalation that is due and not yet written; returns how
    many it wrote."""
    levels, calendar = service_levels.in_force()
    lead = bool(get_settings().escalation_lead)
    today = calendar.local_date(now)
    horizon = calendar.add(today, levels.remind_before)
    candidates = session.exec(
        select(Submission).where(
            col(Submission.status).in_(list(levels.days)),
            or_(
                col(Submission.next_decision_by).is_(None),
                col(Submission.next_decision_by) <= horizon,
            ),
        )
    )
    written = 0
    for submission in candidates:
        if submission.next_decision_by is None:  # from before service levels existed
            submission.next_decision_by = service_levels.due_date(
                levels, calendar, submission.status, submission.status_since
            )
            session.add(submission)
            if submission.next_decision_by is None or submission.next_decision_by > horizon:
                continue
        if submission.snoozed_until and now < calendar.morning_of(submission.snoozed_until):
            continue
        for stage in stages(submission.status, levels, lead):
            when = calendar.add(submission.next_decision_by, stage.offset)
            if now < calendar.morning_of(when):
                continue
            key = reminder_key(submission, stage.name)
            if stage.name == "submitter":
                _remind_submitter(session, submission, key)
                continue
            payload = {
                "stage": stage.name,
                "stay": stay_of(submission),
                "snoozes": submission.snoozes,
            }
            written += outbox.enqueue(
                session, "reminder", payload, submission_id=submission.id, dedupe_key=key
            )
    return written + plan_digest(session, now, calendar)


def digest_week(now: datetime, calendar: BusinessCalendar) -> tuple[datetime, datetime]:
    """The week the latest digest covers: from the Monday morning before last to last
    Monday morning (City time)."""
    local = now.astimezone(calendar.zone)
    monday = local.date() - timedelta(days=(local.weekday() - DIGEST_WEEKDAY) % 7)
    until = calendar.morning_of(monday)
    if local < until:
        until -= timedelta(days=7)
    return until - timedelta(days=7), until


def plan_digest(session: Session, now: datetime, calendar: BusinessCalendar) -> int:
    since, until = digest_week(now, calendar)
    year, week, _ = until.isocalendar()
    return int(
        outbox.enqueue(
            session,
            "digest",
            {"since": since.isoformat(), "until": until.isoformat()},
            dedupe_key=f"digest:{year}-W{week:02d}",
        )
    )
