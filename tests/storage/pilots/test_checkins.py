"""Pilot check-ins on real database sessions, pushed through time with a test clock: the
check-ins an approved plan is due, on business days; one answered by `pilot report` (no
reminder follows), one missed (the vendor reminded, then the owner, then the lead, each
once however often the planner runs); a decided pilot hears nothing more; the vendor's
own answer."""

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from alembic import command
from sqlalchemy import create_engine, inspect
from sqlmodel import col, select

from storage import contacts, inbox, service_levels
from storage.db import session_scope
from storage.migrate import alembic_config
from storage.models import OutboxMessage, SubmitterMessage
from storage.pilots import checkins, decisions, plan_input, plans, readings
from storage.pilots.checkins import CheckinRefused
from storage.pilots.models import CheckinState, PilotCheckin, PilotIteration, PilotReading
from storage.submissions import get_submission
from storage.workflow.rules import Staff
from storage.workflow.submitter_news import wording
from tests.storage.pilots.plans import a_plan, in_pilot
from tests.support.roster import on_roster

AUSTIN = ZoneInfo("America/Chicago")
LEAD = Staff("slack:U0LEAD")
APPROVED = datetime(2027, 1, 4, 10, 0, tzinfo=AUSTIN)  # a Monday, the pilot's first day
METRICS = [
    {**a_plan()["metrics"][0], "cadence": "monthly"},  # parking_turnover, the vendor's
    {**a_plan()["metrics"][1], "cadence": "at_milestones"},  # cruising_minutes
    {
        "name": "driver_satisfaction",
        "unit": "% satisfied",
        "baseline": 40,
        "target": 60,
        "direction": "increase",
        "method": "survey",
        "cadence": "at_end",
    },
]
PLAN = a_plan(
    starts="2027-01-04",
    ends="2027-03-31",
    metrics=METRICS,
    milestones=[
        # A Sunday before Martin Luther King Jr. Day: due the Tuesday after.
        {"name": "Sensors installed", "due": "2027-01-17"},
        {"name": "Mid-pilot review", "due": "2027-03-01"},
    ],
)
# The milestone check-in (due Tuesday 19 January) and its stages, in business days.
MILESTONE_DUE = date(2027, 1, 19)
ASKED = datetime(2027, 1, 19, 9, 0, tzinfo=AUSTIN)
REMINDED = datetime(2027, 1, 21, 9, 0, tzinfo=AUSTIN)  # + 2
OWNER = datetime(2027, 1, 25, 9, 0, tzinfo=AUSTIN)  # + 4
ESCALATED = datetime(2027, 1, 27, 9, 0, tzinfo=AUSTIN)  # + 6
MONTHLY_ASKED = datetime(2027, 2, 4, 9, 0, tzinfo=AUSTIN)  # a Thursday
MONTHLY_REMINDER = datetime(2027, 2, 8, 9, 0, tzinfo=AUSTIN)  # + 2, had it not been answered


def act(url: str, when: datetime, work):
    with time_machine.travel(when, tick=False), session_scope(url) as session:
        return work(session)


def approved_pilot(url: str, plan: dict = PLAN, when: datetime = APPROVED, **vendor) -> str:
    on_roster(url, "U0LEAD")
    with time_machine.travel(when - timedelta(days=3), tick=False):
        reference = in_pilot(url, **vendor)
    act(
        url,
        when,
        lambda s: plans.set_plan(s, reference, LEAD, plan_input.checked(plan, reference)),
    )
    assert act(url, when, lambda s: plans.approve(s, reference, LEAD)).changed
    return reference


def stored(url: str, reference: str) -> list[PilotCheckin]:
    def read(session):
        submission = get_submission(session, reference)
        found = session.exec(
            select(PilotCheckin)
            .join_from(PilotCheckin, PilotIteration)
            .where(PilotIteration.submission_id == submission.id)
            .order_by(col(PilotCheckin.due), col(PilotCheckin.slot))
        ).all()
        for checkin in found:
            session.expunge(checkin)
        return found

    with session_scope(url) as session:
        return read(session)


def plan_at(url: str, when: datetime) -> int:
    with time_machine.travel(when, tick=False):
        return checkins.plan(url, datetime.now(UTC))


def stages_written(url: str) -> list[str]:
    """Every check-in stage written so far, to the vendor or to staff, by key."""
    with session_scope(url) as session:
        vendor = session.exec(
            select(SubmitterMessage.key).where(col(SubmitterMessage.key).startswith("pilot_"))
        ).all()
        staff = session.exec(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == checkins.OUTBOX_KIND)
        ).all()
    return sorted([*vendor, *staff])


def test_an_approved_plan_is_due_its_check_ins_on_business_days_once(sqlite_url):
    reference = approved_pilot(sqlite_url)
    found = stored(sqlite_url, reference)
    assert [(c.slot, c.period_start, c.due, c.metrics) for c in found] == [
        ("milestone:0", date(2027, 1, 4), MILESTONE_DUE, ["cruising_minutes"]),
        ("monthly:2027-02-04", date(2027, 1, 4), date(2027, 2, 4), ["parking_turnover"]),
        ("milestone:1", date(2027, 1, 17), date(2027, 3, 1), ["cruising_minutes"]),
        ("monthly:2027-03-04", date(2027, 2, 4), date(2027, 3, 4), ["parking_turnover"]),
        ("end", date(2027, 1, 4), date(2027, 3, 31), ["driver_satisfaction"]),
    ]
    assert {c.state for c in found} == {CheckinState.open}
    assert found[0].next_stage_at == ASKED

    # Computing them again (a second run, a retried approval) stores none twice.
    def again(session):
        iteration = plans.latest(session, get_submission(session, reference).id)
        return checkins.schedule(session, iteration)

    assert act(sqlite_url, APPROVED, again) == 0
    assert len(stored(sqlite_url, reference)) == 5


def test_weekly_and_quarterly_periods_and_a_month_end():
    calendar = service_levels.calendar("America/Chicago")
    assert checkins.period_ends("weekly", date(2027, 1, 4), date(2027, 1, 25)) == [
        date(2027, 1, 11),
        date(2027, 1, 18),
        date(2027, 1, 25),
    ]
    assert checkins.period_ends("biweekly", date(2027, 1, 4), date(2027, 2, 14)) == [
        date(2027, 1, 18),
        date(2027, 2, 1),
    ]
    assert checkins.period_ends("quarterly", date(2027, 1, 4), date(2027, 12, 31)) == [
        date(2027, 4, 4),
        date(2027, 7, 4),
        date(2027, 10, 4),
    ]
    # From 31 January, a month later is the month's last day.
    assert checkins.period_ends("monthly", date(2027, 1, 31), date(2027, 4, 30)) == [
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]
    # 4 July 2027 is a Sunday, kept on Monday the 5th: due Tuesday the 6th.
    assert calendar.add(date(2027, 7, 4), 0) == date(2027, 7, 6)


def test_approved_mid_pilot_only_what_is_still_to_come(sqlite_url):
    reference = approved_pilot(sqlite_url, when=datetime(2027, 2, 10, 10, 0, tzinfo=AUSTIN))
    assert [c.slot for c in stored(sqlite_url, reference)] == [
        "milestone:1",
        "monthly:2027-03-04",
        "end",
    ]
    assert plan_at(sqlite_url, datetime(2027, 2, 11, 9, 0, tzinfo=AUSTIN)) == 0


def test_one_answered_by_pilot_report_one_missed_each_stage_once(database_url):
    """The milestone check-in is missed: asked, reminded, the owner told, escalated, each
    once over repeated runs; the monthly one is answered by a staff report, and nobody is
    reminded of it."""
    url = database_url
    reference = approved_pilot(url)
    milestone_key = f"pilot_checkin:{stored(url, reference)[0].id}"
    monthly_key = f"pilot_checkin:{stored(url, reference)[1].id}"

    assert plan_at(url, ASKED - timedelta(minutes=1)) == 0
    for when in (ASKED, ASKED + timedelta(minutes=1), ASKED + timedelta(hours=5)):
        plan_at(url, when)
    assert stages_written(url) == [f"{milestone_key}:asked"]
    for when in (REMINDED, REMINDED + timedelta(minutes=1), OWNER, OWNER, ESCALATED):
        plan_at(url, when)
    for when in (ESCALATED + timedelta(days=1), ESCALATED + timedelta(days=6)):
        plan_at(url, when)
    missed = [f"{milestone_key}:{stage}" for stage in ("asked", "escalated", "owner", "reminded")]
    assert [key for key in stages_written(url) if key.startswith(milestone_key)] == missed
    assert stored(url, reference)[0].next_stage_at is None
    assert stored(url, reference)[0].state is CheckinState.open

    # The monthly check-in is asked for; staff record the value the vendor e-mailed.
    plan_at(url, MONTHLY_ASKED)
    assert f"{monthly_key}:asked" in stages_written(url)
    reported = act(
        url,
        MONTHLY_ASKED + timedelta(days=1),
        lambda s: readings.report(s, reference, LEAD, "parking_turnover", 3.8, date(2027, 2, 4)),
    )
    assert reported.changed
    monthly = stored(url, reference)[1]
    assert monthly.state is CheckinState.answered and monthly.answered_by == LEAD.identity
    assert monthly.received == ["parking_turnover"] and monthly.next_stage_at is None
    for when in (MONTHLY_REMINDER, MONTHLY_REMINDER + timedelta(days=10)):
        plan_at(url, when)
    assert [k for k in stages_written(url) if k.startswith(monthly_key)] == [f"{monthly_key}:asked"]
    # The next monthly one was not answered by that value: it is still to come.
    assert stored(url, reference)[3].state is CheckinState.open


def test_a_decided_pilot_hears_nothing_more(sqlite_url):
    reference = approved_pilot(sqlite_url)
    plan_at(sqlite_url, ASKED)
    act(
        sqlite_url,
        ASKED + timedelta(hours=2),
        lambda s: decisions.decide(s, reference, LEAD, "stop", "The sensors did not hold up."),
    )
    for when in (REMINDED, OWNER, ESCALATED, MONTHLY_ASKED, datetime(2027, 4, 1, tzinfo=AUSTIN)):
        plan_at(sqlite_url, when)
    assert [key.rpartition(":")[2] for key in stages_written(sqlite_url)] == ["asked"]
    assert {c.state for c in stored(sqlite_url, reference)} == {CheckinState.cancelled}


def test_a_new_iteration_cancels_what_the_old_one_had_still_to_come(sqlite_url):
    reference = approved_pilot(sqlite_url)
    later = datetime(2027, 2, 10, 10, 0, tzinfo=AUSTIN)
    revised = {**PLAN, "ends": "2027-05-31"}
    act(
        sqlite_url,
        later,
        lambda s: plans.set_plan(s, reference, LEAD, plan_input.checked(revised, reference)),
    )
    act(sqlite_url, later, lambda s: plans.approve(s, reference, LEAD))
    found = {(c.iteration_id, c.slot): c.state for c in stored(sqlite_url, reference)}
    first, second = sorted({iteration for iteration, _ in found})
    # The first iteration's check-ins already due stay as they were; the rest are cancelled.
    assert found[(first, "milestone:0")] is CheckinState.open
    assert found[(first, "monthly:2027-03-04")] is CheckinState.cancelled
    assert found[(first, "end")] is CheckinState.cancelled
    assert (second, "monthly:2027-05-04") in found and (second, "end") in found
    # The old one's overdue check-in no longer runs: the planner closes it, telling nobody.
    assert plan_at(sqlite_url, later + timedelta(hours=1)) == 0
    assert {
        state
        for (iteration, _), state in _states(sqlite_url, reference).items()
        if iteration == first
    } == {CheckinState.cancelled}


def _states(url: str, reference: str) -> dict:
    return {(c.iteration_id, c.slot): c.state for c in stored(url, reference)}


def test_the_vendor_answers_a_check_in(sqlite_url):
    reference = approved_pilot(sqlite_url)
    plan_at(sqlite_url, MONTHLY_ASKED)
    monthly = stored(sqlite_url, reference)[1]
    later = MONTHLY_ASKED + timedelta(hours=3)

    def answer(values, progress=None, checkin_id=monthly.id):
        return act(
            sqlite_url, later, lambda s: checkins.answer_checkin(s, checkin_id, values, progress)
        )

    refusals = [
        (lambda: answer({}), "nothing_given"),
        (lambda: answer({"cruising_minutes": 7.0}), "unknown_metric"),
        (lambda: answer({"parking_turnover": float("nan")}), "not_a_number"),
        (lambda: answer({"parking_turnover": "4"}), "not_a_number"),
        (lambda: answer({"parking_turnover": 4.0}, checkin_id=999_999), "no_checkin"),
    ]
    for attempt, code in refusals:
        with pytest.raises(CheckinRefused) as refused:
            attempt()
        assert refused.value.code == code
    with session_scope(sqlite_url) as session:
        assert session.exec(select(PilotReading)).all() == []  # nothing kept from a refusal

    answered = answer({"parking_turnover": 4.1}, "  Twelve sensors were re-aimed.  ")
    assert answered.state is CheckinState.answered and answered.answered_by == "vendor"
    assert answered.progress == "Twelve sensors were re-aimed."
    with session_scope(sqlite_url) as session:
        [reading] = session.exec(select(PilotReading)).all()
    assert (reading.value, reading.measured_on, reading.reported_by) == (
        4.1,
        date(2027, 2, 4),
        "vendor",
    )
    with pytest.raises(CheckinRefused) as refused:
        answer({"parking_turnover": 4.2})
    assert refused.value.code == "not_open" and refused.value.detail == {"state": "answered"}

    # A word on progress alone keeps a check-in open while its metric's value is missing.
    milestone = stored(sqlite_url, reference)[2]
    kept = answer({}, "Review held with Transportation.", milestone.id)
    assert kept.state is CheckinState.open and kept.progress == "Review held with Transportation."
    assert answer({"cruising_minutes": 6.5}, None, milestone.id).state is CheckinState.answered


def test_the_vendor_reads_which_values_and_milestone_in_their_language():
    facts = {
        "reference": "SC-2027-00001",
        "title": "Smart kerb sensors",
        "checkin_id": 1,
        "date": "2027-01-19",
        "since": "2027-01-04",
        "metrics": [{"name": "cruising_minutes", "unit": "minutes"}],
        "milestone": "Sensors installed",
    }
    english = wording("pilot_checkin", facts, "en")
    assert "Check-in time for your pilot SC-2027-00001" in english
    assert "by January 19, 2027" in english and "Milestone: Sensors installed" in english
    assert "from January 4, 2027 to January 19, 2027:\n- cruising_minutes (minutes)" in english
    spanish = wording("pilot_checkin_reminder", facts, "es")
    assert spanish.startswith("Recordatorio sobre tu piloto SC-2027-00001")
    assert "del 4 de enero de 2027 al 19 de enero de 2027" in spanish
    assert "Hito: Sensors installed" in spanish


def test_check_in_stages_in_the_service_level_file(tmp_path: Path):
    levels = service_levels.load(service_levels.ROOT / "service_levels.yml")
    assert levels.pilot_checkin == service_levels.CheckinStages(2, 4, 6)
    base = (service_levels.ROOT / "service_levels.yml").read_text(encoding="utf-8")
    file = tmp_path / "levels.yml"
    file.write_text(base.replace("  owner_after: 4", "  owner_after: 1"), encoding="utf-8")
    with pytest.raises(service_levels.ServiceLevelError, match="remind_after < owner_after"):
        service_levels.load(file)
    file.write_text(base.replace("  owner_after: 4", "  owner_afterwards: 4"), encoding="utf-8")
    with pytest.raises(service_levels.ServiceLevelError, match="owner_afterwards' is unknown"):
        service_levels.load(file)
    without = base.split("# A pilot's check-ins")[0] + base.split("escalate_after: 6")[1]
    file.write_text(without, encoding="utf-8")
    assert service_levels.load(file).pilot_checkin == service_levels.CheckinStages()


def test_the_check_in_table_comes_and_goes(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'checkins.db'}"
    config = alembic_config(url)

    def has_table() -> bool:
        engine = create_engine(url)
        try:
            return "pilotcheckin" in inspect(engine).get_table_names()
        finally:
            engine.dispose()

    command.upgrade(config, "b4d8f1a26c3e")
    assert has_table()
    command.downgrade(config, "b4d8f1a26c3e-1")
    assert not has_table()
    command.upgrade(config, "b4d8f1a26c3e")
    assert has_table()


def test_two_planners_at_once_write_each_stage_once(postgres_url):
    """Two schedulers (threads here, hosts in production) planning the same minute on
    PostgreSQL: the compare-and-set and the unique keys let each stage through once."""
    reference = approved_pilot(postgres_url)
    start = threading.Barrier(4)
    written: list[int] = []

    def planner(when: datetime) -> None:
        start.wait()
        written.append(checkins.plan(postgres_url, when.astimezone(UTC)))

    for when in (ASKED, ESCALATED):
        runs = [threading.Thread(target=planner, args=(when,)) for _ in range(4)]
        for run in runs:
            run.start()
        for run in runs:
            run.join()
        start.reset()
    milestone = stored(postgres_url, reference)[0]
    stages = [
        f"pilot_checkin:{milestone.id}:{s}" for s in ("asked", "escalated", "owner", "reminded")
    ]
    assert stages_written(postgres_url) == stages
    assert sum(written) == 4


def test_the_vendors_answer_does_not_replace_what_the_city_measured_that_day(sqlite_url):
    """One reading per metric and day: the City's own measurement stays, the vendor's
    answer is refused as a whole and can be given another day."""
    reference = approved_pilot(sqlite_url)
    plan_at(sqlite_url, MONTHLY_ASKED)
    later = MONTHLY_ASKED + timedelta(hours=3)
    # The City's reading answers the first milestone's check-in; the second stays open.
    act(
        sqlite_url,
        later,
        lambda s: readings.report(
            s, reference, LEAD, "cruising_minutes", 6.9, date(2027, 2, 4), reported_by="city"
        ),
    )
    second = stored(sqlite_url, reference)[2]
    assert second.slot == "milestone:1" and second.state is CheckinState.open
    with pytest.raises(CheckinRefused) as refused:
        act(
            sqlite_url,
            later,
            lambda s: checkins.answer_checkin(s, second.id, {"cruising_minutes": 9.0}, "x"),
        )
    assert refused.value.code == "city_measured"
    assert refused.value.detail == {"metric": "cruising_minutes", "on": "2027-02-04"}
    with session_scope(sqlite_url) as session:
        [reading] = session.exec(select(PilotReading)).all()
        assert (reading.value, reading.reported_by) == (6.9, "city")
        assert session.get(PilotCheckin, second.id).progress is None


def approval_news(url: str) -> list[SubmitterMessage]:
    with session_scope(url) as session:
        found = session.exec(
            select(SubmitterMessage).where(col(SubmitterMessage.key).startswith("plan_approved:"))
        ).all()
        for message in found:
            session.expunge(message)
        return list(found)


def test_the_vendor_is_told_once_their_plan_is_approved_in_their_language(sqlite_url):
    reference = approved_pilot(sqlite_url)
    [told] = approval_news(sqlite_url)
    assert (told.news, told.sender_id) == ("pilot_approved", "web-vendor")
    with session_scope(sqlite_url) as session:
        contacts.keep_language(session, "web-vendor", "es")
    with session_scope(sqlite_url) as session:
        read = inbox.message_for(session, told.id)
    assert read is not None and read.text.startswith(f"Se aprobó el plan del piloto {reference}")
    assert "del 4 de enero de 2027 al 31 de marzo de 2027" in read.text
    # The first check-in is the milestone's, after Martin Luther King Jr. Day.
    assert "Tu primera revisión vence el 19 de enero de 2027" in read.text
    # Approving again changes nothing and tells nothing more.
    assert not act(sqlite_url, APPROVED, lambda s: plans.approve(s, reference, LEAD)).changed
    assert len(approval_news(sqlite_url)) == 1
