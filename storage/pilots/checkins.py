"""Pilot check-ins: when a plan is approved, the dates the vendor is asked to report are
computed and stored, and the scheduler asks, reminds and escalates on them.

What is due, for an approved iteration (each moved to the next business day):
- one check-in per milestone, on its due date, asking for the metrics whose cadence is
  `at_milestones` (and how the milestone went);
- one per period of each periodic cadence (weekly, biweekly, monthly, quarterly), counted
  from `starts` while the period ends by `ends`, asking for that cadence's metrics;
- one at `ends` for the `at_end` metrics.
Only check-ins due on or after the approval day are stored (an approval mid-pilot does not
chase what is already past). Each has a `slot` unique within its iteration, so computing
them again stores none twice. Approving a later iteration cancels the open check-ins of
the one it supersedes that are not yet due.

Stages, in business days after the due date (service_levels.yml, `pilot_checkin`), at
09:00 City time, the way storage/reminders.py plans staff reminders: `asked` on the day
and `reminded` after remind_after days, both to the vendor as submitter news (inbox, Slack
DM, e-mail, in their language); `owner` after owner_after days (the assignee by DM, or the
triage channel) and `escalated` after escalate_after days (ENTRYWAY_ESCALATION_LEAD, or
the channel), both Slack posts through the outbox. Each check-in carries `next_stage_at`;
`plan` takes those whose moment has come, claims each with a compare-and-set, and writes
every stage due under a key naming the check-in and the stage, so however often it runs
each stage exists once. An answered check-in, or one whose iteration no longer runs
(superseded, decided, the submission out of `pilot`), has no next stage.

A check-in is answered when a value for each of its metrics arrives measured within its
period or later: from staff (`pilot report`, through `reading_arrived`) or from the vendor
(`answer_checkin`); one without metrics (a milestone alone) by the vendor's progress."""

import calendar as months
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage import outbox, service_levels
from storage.db import each_in_its_own_transaction, insert_once
from storage.models import Status, Submission, utcnow
from storage.pilots.models import (
    CheckinState,
    PilotCheckin,
    PilotIteration,
    PilotMetric,
    PilotMilestone,
    PilotReading,
    PlanState,
)
from storage.service_levels import BusinessCalendar, CheckinStages
from storage.workflow import submitter_news
from storage.workflow.rules import ANY
from storage.workflow.submitter_news import News
from storage.workflow.versions import change_as_seen, record_change

PERIODIC = {"weekly": (7, 0), "biweekly": (14, 0), "monthly": (0, 1), "quarterly": (0, 3)}
AT_MILESTONES, AT_END = "at_milestones", "at_end"
VENDOR = "vendor"
CITY = "city"  # a reading the City measured (PilotReading.reported_by)
# The stages to the vendor (submitter news) and to staff (Slack posts, outbox kind below).
VENDOR_STAGES = ("asked", "reminded")
STAFF_STAGES = ("owner", "escalated")
OUTBOX_KIND = "pilot_checkin"
BATCH = 500  # check-ins planned per run (the rest on the next run, a minute later)


@dataclass(frozen=True)
class Due:
    """A check-in as computed from the plan, before it is stored."""

    slot: str
    period_start: date
    due: date
    metrics: list[str]
    milestone_id: int | None = None


def _months_after(day: date, count: int) -> date:
    """The same day `count` months later (the month's last day when it has fewer)."""
    month0 = day.month - 1 + count
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, months.monthrange(year, month)[1]))


def period_ends(cadence: str, starts: date, ends: date) -> list[date]:
    """The last day of each whole period of a periodic cadence within starts..ends."""
    days, count = PERIODIC[cadence]
    found, step = [], 1
    while (
        day := starts + timedelta(days=days * step) if days else _months_after(starts, count * step)
    ) <= ends:
        found.append(day)
        step += 1
    return found


def due_checkins(
    iteration: PilotIteration,
    metrics: list[PilotMetric],
    milestones: list[PilotMilestone],
    calendar: BusinessCalendar,
) -> list[Due]:
    """Every check-in of the iteration's plan, on business days, by due date."""
    by_cadence: dict[str, list[str]] = {}
    for metric in metrics:
        by_cadence.setdefault(metric.cadence, []).append(metric.name)
    found: list[Due] = []
    since = iteration.starts
    for milestone in sorted(milestones, key=lambda m: (m.due, m.position)):
        found.append(
            Due(
                f"milestone:{milestone.position}",
                since,
                calendar.add(milestone.due, 0),
                by_cadence.get(AT_MILESTONES, []),
                milestone.id,
            )
        )
        since = max(since, milestone.due)
    for cadence, names in by_cadence.items():
        if cadence not in PERIODIC:
            continue
        since = iteration.starts
        for end in period_ends(cadence, iteration.starts, iteration.ends):
            found.append(Due(f"{cadence}:{end.isoformat()}", since, calendar.add(end, 0), names))
            since = end
    if AT_END in by_cadence:
        found.append(
            Due("end", iteration.starts, calendar.add(iteration.ends, 0), by_cadence[AT_END])
        )
    return sorted(found, key=lambda d: (d.due, d.slot))


def _parts(session: Session, iteration_id: int) -> tuple[list, list]:
    metrics = session.exec(select(PilotMetric).where(PilotMetric.iteration_id == iteration_id))
    milestones = session.exec(
        select(PilotMilestone).where(PilotMilestone.iteration_id == iteration_id)
    )
    return list(metrics), list(milestones)


def schedule(session: Session, iteration: PilotIteration) -> int:
    """Stores the check-ins of a just-approved iteration due from today on (those already
    stored are kept), and cancels the not-yet-due open check-ins of the other iterations of
    the submission; returns how many it stored."""
    _, calendar = service_levels.in_force()
    today = calendar.local_date(utcnow())
    others = select(PilotIteration.id).where(
        PilotIteration.submission_id == iteration.submission_id, PilotIteration.id != iteration.id
    )
    session.execute(
        update(PilotCheckin)
        .where(
            col(PilotCheckin.iteration_id).in_(others),
            PilotCheckin.state == CheckinState.open,
            col(PilotCheckin.due) > today,
        )
        .values(state=CheckinState.cancelled, next_stage_at=None)
        .execution_options(synchronize_session=False)
    )
    stored = 0
    for due in due_checkins(iteration, *_parts(session, iteration.id), calendar):
        if due.due < today:
            continue
        values = {
            "iteration_id": iteration.id,
            "slot": due.slot,
            "milestone_id": due.milestone_id,
            "period_start": due.period_start,
            "due": due.due,
            "metrics": due.metrics,
            "received": [],
            "state": CheckinState.open,
            "next_stage_at": calendar.morning_of(due.due),
        }
        unique = [PilotCheckin.iteration_id, PilotCheckin.slot]
        stored += insert_once(session, PilotCheckin, values, unique, PilotCheckin.id) is not None
    return stored


def checkins(session: Session, iteration_id: int) -> list[PilotCheckin]:
    """An iteration's check-ins, by due date."""
    return list(
        session.exec(
            select(PilotCheckin)
            .where(PilotCheckin.iteration_id == iteration_id)
            .order_by(col(PilotCheckin.due), col(PilotCheckin.slot))
        )
    )


# --- answering -----------------------------------------------------------------------


def _receive(checkin: PilotCheckin, metric: str) -> None:
    if metric in checkin.metrics and metric not in checkin.received:
        checkin.received = [*checkin.received, metric]


def _settle(checkin: PilotCheckin, by: str) -> None:
    """Answered once every metric it asks for came (a check-in without metrics: once the
    vendor said how it is going)."""
    complete = set(checkin.metrics) <= set(checkin.received)
    if checkin.state is CheckinState.open and complete and (checkin.metrics or checkin.progress):
        checkin.state, checkin.next_stage_at = CheckinState.answered, None
        checkin.answered_by, checkin.answered_at = by, utcnow()


def reading_arrived(session: Session, metric: PilotMetric, on: date, by: str) -> None:
    """A new value of `metric` measured `on` answers, for that metric, the oldest open
    check-in of its iteration asking for it whose period began by then."""
    for checkin in checkins(session, metric.iteration_id):
        if (
            checkin.state is CheckinState.open
            and metric.name in checkin.metrics
            and metric.name not in checkin.received
            and checkin.period_start <= on
        ):
            _receive(checkin, metric.name)
            _settle(checkin, by)
            session.add(checkin)
            return


class CheckinRefused(ValueError):
    """The vendor's answer cannot be taken; `code` says why, `detail` gives the facts
    (worded by whoever shows it, in the vendor's language):
    - no_checkin: there is no such check-in;
    - not_open: it was answered or cancelled already (detail: state);
    - not_running: its iteration no longer runs (superseded, decided, out of pilot);
    - unknown_metric: a value for a metric it does not ask for (detail: metric, known);
    - not_a_number: a value that is not a finite number (detail: metric);
    - nothing_given: neither values nor progress;
    - city_measured: the City recorded its own measurement of the metric that day, which
      the vendor's does not replace (detail: metric, on)."""

    def __init__(self, code: str, **detail: object) -> None:
        super().__init__(code)
        self.code, self.detail = code, detail


def _running(session: Session, iteration: PilotIteration | None) -> Submission | None:
    """The submission, when the iteration is the approved plan of a pilot still running."""
    if iteration is None or iteration.state is not PlanState.approved:
        return None
    submission = session.get(Submission, iteration.submission_id)
    return submission if submission and submission.status is Status.pilot else None


def answer_checkin(
    session: Session, checkin_id: int, values: dict[str, float], progress: str | None
) -> PilotCheckin:
    """The vendor's answer to a check-in: a value for some or all of its metrics and a
    line on how the pilot is going. Values are stored as the vendor's readings, measured
    today (the pilot's last day once it ended, its first before it began); a value for
    the same day corrects it, unless the City measured it that day: a reading is one per
    metric and day, and the City's own measurement is kept over the vendor's (refused,
    city_measured). Returns the check-in: answered once every metric has its value.
    Refused (CheckinRefused) as a whole, nothing stored, when any of it cannot be taken.

    The caller must have proven that the person answering is the pilot's vendor (their
    chat identity or private status code): this function trusts `checkin_id`."""
    checkin = session.get(PilotCheckin, checkin_id)
    if checkin is None:
        raise CheckinRefused("no_checkin")
    if checkin.state is not CheckinState.open:
        raise CheckinRefused("not_open", state=checkin.state.value)
    iteration = session.get(PilotIteration, checkin.iteration_id)
    submission = _running(session, iteration)
    if submission is None or iteration is None:
        raise CheckinRefused("not_running")
    progress = (progress or "").strip() or None
    if not values and not progress:
        raise CheckinRefused("nothing_given")
    by_name = {m.name: m for m in _parts(session, iteration.id)[0]}
    for name, value in values.items():
        if name not in checkin.metrics:
            raise CheckinRefused("unknown_metric", metric=name, known=list(checkin.metrics))
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value):
            raise CheckinRefused("not_a_number", metric=name)
    today = service_levels.in_force()[1].local_date(utcnow())
    on = max(iteration.starts, min(today, iteration.ends))  # a day of the pilot
    found = {
        name: session.exec(
            select(PilotReading).where(
                PilotReading.metric_id == by_name[name].id, PilotReading.measured_on == on
            )
        ).first()
        for name in values
    }
    for name, reading in found.items():
        if reading is not None and reading.reported_by == CITY:
            raise CheckinRefused("city_measured", metric=name, on=on.isoformat())
    if values:
        # The card is redrawn with the values; a change racing this one redraws it too.
        change_as_seen(session, submission, ANY)
    for name, value in values.items():
        metric = by_name[name]
        reading = found[name] or PilotReading(metric_id=metric.id, measured_on=on)
        previous = reading.value if reading.id else None
        reading.value, reading.reported_by = float(value), VENDOR
        reading.recorded_by, reading.recorded_at = VENDOR, utcnow()
        session.add(reading)
        record_change(
            session,
            submission,
            VENDOR,
            "pilot_reported",
            iteration=iteration.number,
            metric=name,
            on=on.isoformat(),
            value=float(value),
            previous=previous,
        )
        _receive(checkin, name)
    if progress:
        checkin.progress = progress
    _settle(checkin, VENDOR)
    session.add(checkin)
    return checkin


# --- asking and escalating -----------------------------------------------------------


def stage_offsets(stages: CheckinStages) -> tuple[tuple[str, int], ...]:
    return (
        ("asked", 0),
        ("reminded", stages.remind_after),
        ("owner", stages.owner_after),
        ("escalated", stages.escalate_after),
    )


def stage_moment(checkin: PilotCheckin, offset: int, calendar: BusinessCalendar) -> datetime:
    return calendar.morning_of(calendar.add(checkin.due, offset))


def stage_key(checkin: PilotCheckin, stage: str) -> str:
    return f"pilot_checkin:{checkin.id}:{stage}"


def _next_stage(
    checkin: PilotCheckin, stages: CheckinStages, calendar: BusinessCalendar, after: datetime
) -> datetime | None:
    later = [
        when
        for _, offset in stage_offsets(stages)
        if (when := stage_moment(checkin, offset, calendar)) > after
    ]
    return min(later, default=None)


def checkin_news(
    session: Session, submission: Submission, checkin: PilotCheckin, stage: str
) -> News:
    """What the vendor is told: which metrics (with their units) over which period, and
    which milestone; worded in their language when read (submitter_news.wording)."""
    metrics, milestones = _parts(session, checkin.iteration_id)
    units = {m.name: m.unit for m in metrics}
    milestone = next((m.name for m in milestones if m.id == checkin.milestone_id), None)
    return News(
        "pilot_checkin" if stage == "asked" else "pilot_checkin_reminder",
        {
            "reference": submission.reference,
            "title": submission.title,
            "checkin_id": checkin.id,
            "date": checkin.due.isoformat(),
            "since": checkin.period_start.isoformat(),
            "metrics": [{"name": name, "unit": units.get(name, "")} for name in checkin.metrics],
            "milestone": milestone,
        },
    )


def _plan_one(session: Session, checkin_id: int, now: datetime) -> int:
    levels, calendar = service_levels.in_force()
    checkin = session.get(PilotCheckin, checkin_id)
    planned_for = checkin.next_stage_at if checkin else None
    if checkin is None or planned_for is None or planned_for > now:
        return 0  # another planner, or an answer, got there first
    submission = _running(session, session.get(PilotIteration, checkin.iteration_id))
    following = _next_stage(checkin, levels.pilot_checkin, calendar, now) if submission else None
    claimed = session.execute(
        update(PilotCheckin)
        .where(
            PilotCheckin.id == checkin.id,
            PilotCheckin.next_stage_at == planned_for,
            PilotCheckin.state == CheckinState.open,
        )
        .values(
            next_stage_at=following,
            state=CheckinState.open if submission else CheckinState.cancelled,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1 or submission is None:
        return 0  # taken by another planner, or the pilot no longer runs on it: cancelled
    written = 0
    for stage, offset in stage_offsets(levels.pilot_checkin):
        if stage_moment(checkin, offset, calendar) > now:
            continue
        key = stage_key(checkin, stage)
        if stage in VENDOR_STAGES:
            news = checkin_news(session, submission, checkin, stage)
            written += submitter_news.tell_submitter(session, submission, key, news)
            continue
        written += outbox.enqueue(
            session,
            OUTBOX_KIND,
            {"checkin_id": checkin.id, "stage": stage},
            submission_id=submission.id,
            dedupe_key=key,
        )
    return written


def plan(database_url: str, now: datetime) -> int:
    """Writes every check-in stage that is due and not yet written; returns how many.
    Each check-in is planned in a transaction of its own."""
    due = (
        select(PilotCheckin.id)
        .where(PilotCheckin.state == CheckinState.open, col(PilotCheckin.next_stage_at) <= now)
        .order_by(col(PilotCheckin.id))
        .limit(BATCH)
    )
    return each_in_its_own_transaction(
        database_url, due, lambda session, checkin_id: _plan_one(session, checkin_id, now)
    )


@dataclass(frozen=True)
class StaffAlert:
    """What a staff stage says, read when it is sent: None when there is nothing to say
    (answered since, or the pilot no longer runs on it)."""

    submission: Submission
    checkin: PilotCheckin
    milestone: str | None
    missing: list[str]


def staff_alert(session: Session, checkin_id: int) -> StaffAlert | None:
    checkin = session.get(PilotCheckin, checkin_id)
    if checkin is None or checkin.state is not CheckinState.open:
        return None
    submission = _running(session, session.get(PilotIteration, checkin.iteration_id))
    if submission is None:
        return None
    milestone = session.get(PilotMilestone, checkin.milestone_id) if checkin.milestone_id else None
    missing = [name for name in checkin.metrics if name not in checkin.received]
    return StaffAlert(submission, checkin, milestone.name if milestone else None, missing)
