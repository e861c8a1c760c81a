"""A metric's value, reported against the iteration the pilot runs on (the newest
approved one), for a day within the pilot and not after today (City time). One value per
metric and day: reporting the same day again corrects it, the earlier value kept in the
activity log. A pilot already decided takes no more values."""

import math
from datetime import date

from sqlmodel import Session, select

from storage.catalogue import text
from storage.models import utcnow
from storage.pilots import checkins
from storage.pilots.models import PilotDecision, PilotIteration, PilotReading, PlanState
from storage.pilots.plans import changed, in_pilot, iterations, metrics, newest_standing
from storage.settings import get_settings
from storage.workflow.evaluation import check_not_conflicted
from storage.workflow.roles import role_of
from storage.workflow.rules import Outcome, Refused, Staff, cleaned
from storage.workflow.versions import find, record_change

REPORTERS = ("vendor", "city")


def today() -> date:
    """Today on the City's clock."""
    return utcnow().astimezone(get_settings().zone).date()


def _reported_against(session: Session, submission_id: int, reference: str) -> PilotIteration:
    """The iteration a value belongs to, or Refused saying why there is none."""
    found = iterations(session, submission_id)
    if not found:
        raise Refused(text("pilots.no_plan", reference=reference))
    approved = [i for i in found if i.state is PlanState.approved]
    if approved:
        return approved[-1]
    newest = newest_standing(found)
    if newest.state is PlanState.decided:
        decision = session.get(PilotDecision, newest.id)
        outcome = decision.outcome.value if decision else "-"
        raise Refused(text("pilots.report_decided", reference=reference, outcome=outcome))
    raise Refused(text("pilots.report_not_approved", reference=reference, iteration=newest.number))


def report(
    session: Session,
    reference: str,
    staff: Staff,
    metric_name: str,
    value: float,
    on: date | None = None,
    note: str | None = None,
    reported_by: str | None = None,
) -> Outcome:
    """Records a metric's value (`reported_by`: who measured it, vendor or city; by
    default whoever the plan says reports it)."""
    role_of(session, staff)
    submission = find(session, reference)
    check_not_conflicted(session, submission, staff)
    iteration = _reported_against(session, submission.id, reference)  # a decided pilot says so
    in_pilot(submission, "report")
    known = metrics(session, iteration.id)
    metric = next((m for m in known if m.name == metric_name), None)
    if metric is None:
        raise Refused(
            text(
                "pilots.unknown_metric",
                reference=reference,
                metric=metric_name,
                known=", ".join(m.name for m in known),
            )
        )
    if not math.isfinite(value):
        raise Refused(text("pilots.value_not_a_number"))
    if reported_by is not None and reported_by not in REPORTERS:
        raise Refused(text("pilots.unknown_reporter", known=", ".join(REPORTERS)))
    on = on or today()
    if not iteration.starts <= on <= iteration.ends:
        raise Refused(
            text(
                "pilots.outside_pilot",
                on=on.isoformat(),
                starts=iteration.starts.isoformat(),
                ends=iteration.ends.isoformat(),
            )
        )
    if on > today():
        raise Refused(text("pilots.in_the_future", on=on.isoformat()))
    note = cleaned(note)
    existing = session.exec(
        select(PilotReading).where(
            PilotReading.metric_id == metric.id, PilotReading.measured_on == on
        )
    ).first()
    if existing is not None and existing.value == value and existing.note == note:
        return Outcome(
            reference,
            False,
            text(
                "pilots.already_reported", metric=metric.name, on=on.isoformat(), value=f"{value:g}"
            ),
        )
    stale = changed(session, submission)
    if stale is not None:
        return stale
    previous = existing.value if existing else None
    reading = existing or PilotReading(metric_id=metric.id, measured_on=on)
    reading.value, reading.note = value, note
    reading.reported_by = reported_by or metric.reported_by
    reading.recorded_by, reading.recorded_at = staff.identity, utcnow()
    session.add(reading)
    if existing is None:  # a correction answers nothing more
        checkins.reading_arrived(session, metric, on, staff.identity)
    record_change(
        session,
        submission,
        staff.identity,
        "pilot_reported",
        iteration=iteration.number,
        metric=metric.name,
        on=on.isoformat(),
        value=value,
        previous=previous,
    )
    key = "pilots.corrected" if existing else "pilots.reported"
    return Outcome(
        reference,
        True,
        text(
            key,
            metric=metric.name,
            on=on.isoformat(),
            value=f"{value:g}",
            unit=metric.unit,
            baseline=f"{metric.baseline:g}",
            target=f"{metric.target:g}",
        ),
    )
