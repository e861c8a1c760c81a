"""Service levels in business days (the City of Austin's holidays from the file, City
time), the dates submitters and the public API are given, and a malformed file stopping
the start."""

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from storage import contacts, inbox, service_levels, submissions
from storage.db import session_scope
from storage.models import Kind, Status
from storage.service_levels import ServiceLevelError, load
from storage.workflow import rules, transitions
from tests.support.stack import ROOT

AUSTIN = ZoneInfo("America/Chicago")
CALENDAR = service_levels.calendar("America/Chicago")
FRIDAY_BEFORE_THANKSGIVING = date(2026, 11, 20)
OPEN_STATUSES = "".join(
    f"{status}: 5\n"
    for status in ("received", "screening", "needs_info", "evaluation", "pilot", "procurement")
)
LEVELS = OPEN_STATUSES + "remind_before: 2\nescalate_after: 2\nlead_after: 5\n"  # 9 lines


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Thanksgiving (Thu 26) and the Friday after are holidays; so is the weekend.
        (FRIDAY_BEFORE_THANKSGIVING, 5, date(2026, 12, 1)),
        (date(2026, 11, 21), 5, date(2026, 12, 2)),  # a Saturday counts from Monday
        (date(2026, 11, 26), 0, date(2026, 11, 30)),  # Thanksgiving itself is no business day
        (date(2026, 12, 23), 2, date(2026, 12, 29)),  # Christmas Eve, Day, weekend
        (date(2026, 6, 18), 1, date(2026, 6, 22)),  # Juneteenth (Fri 19)
        (date(2026, 3, 27), 1, date(2026, 3, 31)),  # César Chávez Day (Mon 30): the City's
        (date(2026, 10, 9), 1, date(2026, 10, 12)),  # Columbus Day: federal, not the City's
        (date(2026, 3, 1), 1, date(2026, 3, 3)),  # Texas Independence Day (2): the State's
        (date(2026, 7, 2), 1, date(2026, 7, 6)),  # Independence Day, a Saturday: Fri 3 off
        (date(2027, 12, 22), 1, date(2027, 12, 27)),  # Christmas (Sat) and Eve: Thu 23, Fri 24
        (date(2027, 12, 30), 1, date(2028, 1, 3)),  # New Year's Day 2028 (Sat): Fri 31 off
        (date(2026, 12, 1), -2, date(2026, 11, 25)),  # backwards, over the holidays too
    ],
)
def test_business_days_skip_weekends_and_the_citys_holidays(start, days, due):
    assert CALENDAR.add(start, days) == due


def test_the_citys_holidays_are_read_from_the_file_in_each_of_its_forms(tmp_path):
    path = tmp_path / "levels.yml"
    path.write_text(
        OPEN_STATUSES
        + "remind_before: 2\nescalate_after: 2\nlead_after: 5\n"
        + "holidays:\n"
        + "  Founders' Day: october 6\n"  # any case, kept on a weekday
        + "  Rodeo Day: Second Tuesday of March\n"
        + "  Staff Day: day after last Thursday of April\n"
        + "  Council recess: [2026-08-14, 2027-08-13]\n",
        encoding="utf-8",
    )
    calendar = service_levels.BusinessCalendar(AUSTIN, load(path).holidays)
    assert calendar.holidays_in(2026) == {
        date(2026, 10, 6),
        date(2026, 3, 10),
        date(2026, 5, 1),  # the day after 30 April
        date(2026, 8, 14),
    }
    assert date(2027, 8, 13) in calendar.holidays_in(2027)
    assert date(2027, 10, 6) in calendar.holidays_in(2027)  # a Wednesday
    assert date(2030, 10, 7) in calendar.holidays_in(2030)  # a Sunday: the Monday after
    # Thanksgiving is a business day in this City: only the file decides.
    assert calendar.is_business_day(date(2026, 11, 26))


def test_the_default_file_lists_the_citys_published_holidays():
    names = [holiday.name for holiday in load(ROOT / "service_levels.yml").holidays]
    assert names == [
        "New Year's Day",
        "Martin Luther King Jr. Day",
        "Presidents' Day",
        "César Chávez Day",
        "Memorial Day",
        "Juneteenth",
        "Independence Day",
        "Labor Day",
        "Veterans Day",
        "Thanksgiving Day",
        "Day after Thanksgiving",
        "Christmas Eve",
        "Christmas Day",
    ]
    assert len(CALENDAR.holidays_in(2026)) == 13


def test_business_days_between():
    assert CALENDAR.between(FRIDAY_BEFORE_THANKSGIVING, date(2026, 12, 1)) == 5
    assert CALENDAR.between(date(2026, 12, 1), FRIDAY_BEFORE_THANKSGIVING) == 0


def test_the_day_is_the_citys_day():
    friday_evening_in_austin = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)  # 21:00 CST, Friday
    saturday_in_austin = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)  # 01:00 CST, Saturday
    levels = load(ROOT / "service_levels.yml")
    received = Status.received
    assert service_levels.due_date(levels, CALENDAR, received, friday_evening_in_austin) == date(
        2026, 12, 1
    )
    assert service_levels.due_date(levels, CALENDAR, received, saturday_in_austin) == date(
        2026, 12, 2
    )
    assert service_levels.due_date(levels, CALENDAR, Status.declined, saturday_in_austin) is None


def _submit(url: str) -> str:
    new = submissions.NewSubmission(
        kind=Kind.idea,
        title="Shade at bus stops",
        category=None,
        answers={"idea_text": "Shade"},
        confidential_fields=frozenset(),
        contact=contacts.ContactDetails(sender_id="web-1"),
    )
    with session_scope(url) as session:
        return submissions.create_submission(session, new, AUSTIN).reference


def test_every_status_gets_its_due_date_and_submitters_are_told_it(database_url):
    with time_machine.travel(datetime(2026, 11, 20, 16, 0, tzinfo=UTC), tick=False):
        reference = _submit(database_url)
        with session_scope(database_url) as session:
            public = submissions.get_public_submission(session, reference)
            assert public.next_decision_by == date(2026, 12, 1)
    with time_machine.travel(datetime(2026, 11, 30, 15, 0, tzinfo=UTC), tick=False):
        with session_scope(database_url) as session:
            transitions.advance(session, reference, rules.Staff("cli:operator:ann"))
        with session_scope(database_url) as session:
            submission = submissions.get_submission(session, reference)
            assert submission.next_decision_by == date(2026, 12, 7)  # screening: 5
            message = inbox.latest_message(session, submission.id).text
            assert "Next decision expected by December 7, 2026." in message
            transitions.decline(
                session, reference, rules.Staff("cli:operator:ann"), "Parks has it planned."
            )
        with session_scope(database_url) as session:
            assert submissions.get_public_submission(session, reference).next_decision_by is None


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("received: 5\nscreening: five\n", "line 2: 'screening' must be a whole number"),
        ("received: 5\nrecieved: 3\n", "line 2: unknown key 'recieved'"),
        ("received: -1\n", "line 1: 'received' must be a whole number"),
        ("received: [5]\n", "line 1: 'received' must be a whole number"),
        ("received: 5\n  screening: 3\n", "line 2: not valid YAML"),
        ("- received\n", "line 1: expected 'status: business days' lines"),
        ("received: 5\nclosed: 3\n", "line 2: closed is a final status"),
        ("received: 5\nscreening: 2\nreceived: 4\n", "line 3: 'received' is given twice"),
        ("received: ²\n", "line 1: 'received' must be a whole number"),
        ("received: 5\n", "missing screening, needs_info, evaluation, pilot, procurement"),
        (LEVELS, "missing holidays"),
        (f"{LEVELS}holidays:\n  A: July 4\n  B: Jully 4\n", "line 12: holiday 'B' must be"),
        (f"{LEVELS}holidays:\n  A: February 30\n", "line 11: holiday 'A': 'February 30' is no"),
        (f"{LEVELS}holidays:\n  A: sixth Monday of May\n", "line 11: holiday 'A' must be"),
        (f"{LEVELS}holidays:\n  A: [2026-02-30]\n", "line 11: holiday 'A': '2026-02-30' is not"),
        (f"{LEVELS}holidays:\n  A: [2026-03-01,\n    soon]\n", "line 12: holiday 'A': 'soon'"),
        (f"{LEVELS}holidays:\n  A: July 4\n  A: July 5\n", "line 12: holiday 'A' is given twice"),
        (f"{LEVELS}holidays:\n  - July 4\n", "line 11: 'holidays' must be 'name: when' lines"),
        (f"{LEVELS}holidays:\n  A: {{date: July 4}}\n", "line 11: holiday 'A' must be"),
        (f"{LEVELS}holidays:\n  A: []\n", "line 11: holiday 'A' must be"),
        (f"{LEVELS}holidays: {{}}\nholidays: {{}}\n", "line 11: 'holidays' is given twice"),
        (
            OPEN_STATUSES + "remind_before: 2\nescalate_after: 5\nlead_after: 5\nholidays: {}\n",
            "lead_after (5) must come after escalate_after (5)",
        ),
    ],
)
def test_a_malformed_file_is_refused_naming_the_line(tmp_path, content, problem):
    path = tmp_path / "service_levels.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ServiceLevelError) as refused:
        load(path)
    assert problem in str(refused.value)


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "storage.migrate"],
        ["-m", "bot.scheduler"],
        ["-m", "bot"],
        ["-m", "actions"],
        ["-m", "bot.staff_cli", "list"],
    ],
)
def test_a_malformed_file_stops_the_start_with_the_line(tmp_path, command):
    bad = tmp_path / "levels.yml"
    bad.write_text("received: 5\nscreening: five\n")
    result = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env={
            **os.environ,
            "ENTRYWAY_SERVICE_LEVELS": str(bad),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "levels.yml line 2: 'screening' must be a whole number" in result.stderr
