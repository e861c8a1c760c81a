"""What is due to be said about submissions, worked out from the database alone.

Each open submission carries `next_reminder_at`: when its next reminder or escalation
falls due (set when it enters a status, and by a snooze). The scheduler calls `plan`
every minute (and at start); `plan` takes only the submissions whose moment has come,
writes every stage of their current stay that is due to the outbox under a key naming
the submission, the stay, the stage (and for the owner's own reminders the snooze
round), and moves `next_reminder_at` on with a compare-and-set. The key is unique, so
however often `plan` runs (twice at once on two hosts, again after a crash, after the
clock jumps) each reminder exists once; the notifier sends it once; one that fell due
while everything was down is written at the first run after the start. The weekly
digest is planned the same way, under its week's key, with its figures computed then.

Stages, in business days from the due date (service_levels.yml), at 09:00 City time:
- owner: remind_before days before: the assignee by DM, or the triage channel if nobody
  owns it. Snoozable: a snooze holds it, then brings it back once;
- channel: overdue by escalate_after days: the triage channel;
- lead: overdue by lead_after days: ENTRYWAY_ESCALATION_LEAD (the channel, if unset, or
  if that person is not a lead on the roster).
Escalations are not snoozable: they exist for when the owner does not act.
While waiting for the submitter's answer (needs_info):
- submitter: remind_before days before the answer is due: the submitter, once;
- unanswered: the business day after it was due: the owner (snoozable)."""

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage import outbox, reports, service_levels
from storage.db import each_in_its_own_transaction, session_scope
from storage.models import OutboxMessage, StaffRole, Submission
from storage.service_levels import BusinessCalendar, Stage, moment, next_after, stages
from storage.workflow import info_requests, roles, rules, submitter_news

DIGEST_WEEKDAY = 0  # Monday, at service_levels.REMINDER_HOUR
BATCH = 500  # submissions planned per run (the rest on the next run, a minute later)


def stay_of(submission: Submission) -> str:
    """Names the submission's current stay in its status: a new status, a new stay."""
    return submission.status_since.isoformat()


def reminder_key(submission: Submission, stage: Stage) -> str:
    key = f"reminder:{submission.id}:{stay_of(submission)}:{stage.name}"
    return f"{key}:{submission.snoozes}" if stage.snoozable else key


def owner_on_roster(session: Session, submission: Submission) -> str | None:
    """The owner a reminder may name and write to: only someone still on the roster."""
    owner = rules.Staff(submission.assignee or "")
    return owner.identity if roles.roster_member(session, owner.slack_user) else None


def recipient(
    session: Session, submission: Submission, stage: str, escalation_lead: str | None
) -> str | None:
    """Whom a reminder stage goes to, as a Slack user id; None for the triage channel.
    Only roster members are written to: the owner's stages go to the owner, the lead's
    to ENTRYWAY_ESCALATION_LEAD when that is a lead on the roster."""
    if stage == "lead":
        member = roles.roster_member(session, (escalation_lead or "").strip() or None)
        return member.slack_user if member and member.role is StaffRole.lead else None
    if stage in service_levels.OWNER_STAGES:
        owner = owner_on_roster(session, submission)
        return rules.Staff(owner).slack_user if owner else None
    return None


def _remind_submitter(session: Session, submission: Submission, key: str) -> None:
    question = info_requests.open_info_request(session, submission.id)
    if question is None:
        return
    submitter_news.tell_submitter(
        session, submission, key, submitter_news.answer_reminder(submission, question.question)
    )


def _plan_one(session: Session, submission_id: int, now: datetime) -> int:
    levels, calendar = service_levels.in_force()
    submission = session.get(Submission, submission_id)
    planned_for = submission.next_reminder_at if submission else None
    if submission is None or planned_for is None or planned_for > now:
        return 0  # another planner, or a change, got there first
    claimed = session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.next_reminder_at == planned_for)
        .values(next_reminder_at=next_after(submission, levels, calendar, now))
    )
    if claimed.rowcount != 1:
        return 0
    written = 0
    for stage in stages(submission.status, levels):
        if moment(submission, stage, calendar) > now:
            continue
        key = reminder_key(submission, stage)
        if stage.name == "submitter":
            _remind_submitter(session, submission, key)
            continue
        payload = {"stage": stage.name, "stay": stay_of(submission), "snoozes": submission.snoozes}
        written += outbox.enqueue(
            session, "reminder", payload, submission_id=submission.id, dedupe_key=key
        )
    return written


def plan(database_url: str, now: datetime) -> int:
    """Writes every reminder and escalation that is due and not yet written, and the
    week's digest; returns how many messages it wrote. Each submission is planned in a
    transaction of its own, so a run never holds a lock for long."""
    due = (
        select(Submission.id)
        .where(col(Submission.next_reminder_at) <= now)
        .order_by(col(Submission.id))
        .limit(BATCH)
    )
    written = each_in_its_own_transaction(
        database_url, due, lambda session, submission_id: _plan_one(session, submission_id, now)
    )
    with session_scope(database_url) as session:
        written += plan_digest(session, now, service_levels.in_force()[1])
    return written


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
    """The week's digest, with its figures as of now (so sending it is only a post)."""
    since, until = digest_week(now, calendar)
    year, week, _ = until.isocalendar()
    key = f"digest:{year}-W{week:02d}"
    if session.exec(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).first():
        return 0
    figures = reports.digest(session, calendar, since, until).to_payload()
    return int(outbox.enqueue(session, "digest", figures, dedupe_key=key))
