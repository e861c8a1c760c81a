"""Service levels: how many business days a submission may spend in each status, counted
in the City's time zone on business days (weekdays that are not one of the City's
holidays, listed in the same file).

They live in one file (service_levels.yml, or ENTRYWAY_SERVICE_LEVELS); every process
reads it at start, and a malformed file stops the start with a message naming the line.
Status answers in chat, the public API's next_decision_by, reminders and escalations all
come from it.

A holiday is given one of three ways, so the City's own calendar can be written down as
it is published: a date every year ("July 4": on a Saturday the Friday before is kept, on
a Sunday the Monday after, as the City observes federal holidays), a weekday rule ("third
Monday of January", "last Monday of May", "day after fourth Thursday of November"), or
the days themselves, year by year ([2027-03-29, 2028-03-27]) for one the City sets each
year. Two holidays kept on one day are two days off: the later one in the file moves to
the weekday before."""

import calendar as months
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from storage.models import Status, Submission
from storage.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
# Reminders go out at this hour of the City's day, not at midnight.
REMINDER_HOUR = 9
SETTINGS = ("remind_before", "escalate_after", "lead_after")
# Every status a submission can wait in has a service level; final ones have none.
OPEN = ("received", "screening", "needs_info", "evaluation", "pilot", "procurement")
WHOLE_NUMBER = re.compile(r"[0-9]+")
# A pilot's check-in (storage/pilots/checkins.py): its stages after the due date, in order.
CHECKIN = "pilot_checkin"
CHECKIN_SETTINGS = ("remind_after", "owner_after", "escalate_after")


class ServiceLevelError(ValueError):
    """The service-level file cannot be used; the message names the file and line."""


WEEKDAYS = {name.lower(): number for number, name in enumerate(months.day_name)}
MONTHS = {name.lower(): number for number, name in enumerate(months.month_name) if name}
NTH = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
FIXED = re.compile(rf"(?P<month>{'|'.join(MONTHS)}) (?P<day>[0-9]{{1,2}})", re.IGNORECASE)
RULE = re.compile(
    rf"(?P<after>day after )?(?P<nth>{'|'.join(NTH)}) (?P<weekday>{'|'.join(WEEKDAYS)}) "
    rf"of (?P<month>{'|'.join(MONTHS)})",
    re.IGNORECASE,
)
HOLIDAY_FORMS = (
    "a date every year ('July 4'), a weekday rule ('third Monday of January', "
    "'day after fourth Thursday of November') or a list of dates ([2027-03-29])"
)


@dataclass(frozen=True)
class Holiday:
    """One of the City's holidays, as the file gives it (exactly one form is set)."""

    name: str
    fixed: tuple[int, int] | None = None  # (month, day), kept on the nearest weekday
    rule: tuple[int, int, int, int] | None = None  # (nth, weekday, month, days after)
    dates: frozenset[date] = frozenset()

    def days_in(self, year: int) -> set[date]:
        """The days the City keeps for this holiday in `year` (none if they fall
        outside it: New Year's Day of the next year may be kept on 31 December)."""
        if self.dates:
            return {day for day in self.dates if day.year == year}
        found = {self._kept(y) for y in (year - 1, year, year + 1)}
        return {day for day in found if day.year == year}

    def _kept(self, year: int) -> date:
        if self.fixed is not None:
            day = date(year, *self.fixed)
            # The federal rule the City follows: Saturday's on Friday, Sunday's on Monday.
            shift = {5: -1, 6: 1}.get(day.weekday(), 0)
            return day + timedelta(days=shift)
        assert self.rule is not None
        nth, weekday, month, after = self.rule
        matching = [week[weekday] for week in months.monthcalendar(year, month) if week[weekday]]
        return date(year, month, matching[nth - 1 if nth > 0 else -1]) + timedelta(days=after)


@dataclass(frozen=True)
class CheckinStages:
    """Business days after a pilot check-in's due date (the vendor is asked on the day)."""

    remind_after: int = 2  # not answered: the vendor is reminded
    owner_after: int = 4  # still not: the owner (the assignee, or the triage channel)
    escalate_after: int = 6  # still not: ENTRYWAY_ESCALATION_LEAD


@dataclass(frozen=True)
class ServiceLevels:
    days: dict[Status, int]  # target business days per status (statuses without one: none)
    remind_before: int  # remind the owner this many business days before the due date
    escalate_after: int  # overdue by this many business days: the triage channel hears
    lead_after: int  # overdue by this many: the lead hears
    holidays: tuple[Holiday, ...] = ()  # the City's: no business days
    pilot_checkin: CheckinStages = CheckinStages()


class BusinessCalendar:
    """Business days in the City's time zone: weekdays that are none of the City's
    holidays."""

    EPOCH_YEAR = 1970

    def __init__(self, zone: ZoneInfo, holidays: tuple[Holiday, ...] = ()) -> None:
        self.zone = zone
        self._rules = holidays
        self._holidays: dict[int, frozenset[date]] = {}  # year -> the City's holidays
        self._within: dict[int, list[int]] = {}  # year -> business days since 1 Jan, per day
        self._before: dict[int, int] = {}  # year -> business days from EPOCH_YEAR to 1 Jan

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def holidays_in(self, year: int) -> frozenset[date]:
        found = self._holidays.get(year)
        if found is None:
            found = self._holidays[year] = frozenset(self._kept_in(year))
        return found

    def _kept_in(self, year: int) -> set[date]:
        """The City's holidays in `year`, in the file's order: one whose day another
        already took (Christmas on a Saturday is kept on Friday the 24th, Christmas Eve)
        is kept on the weekday before, so each is a day off of its own. Dates the file
        lists stay as given."""
        taken: set[date] = set()
        for holiday in self._rules:
            for day in sorted(holiday.days_in(year)):
                while day in taken and not holiday.dates:
                    day -= timedelta(days=1 if day.weekday() > 0 else 3)
                taken.add(day)
        return taken

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays_in(day.year)

    def _year(self, year: int) -> list[int]:
        counts = self._within.get(year)
        if counts is None:
            counts, running, day = [], 0, date(year, 1, 1)
            while day.year == year:
                running += self.is_business_day(day)
                counts.append(running)
                day += timedelta(days=1)
            self._within[year] = counts
        return counts

    def ordinal(self, day: date) -> int:
        """Business days from the epoch up to and including `day`: differences of two
        ordinals count business days in constant time (after a year's first use)."""
        if day.year not in self._before:
            total = 0
            for year in range(self.EPOCH_YEAR, day.year):
                self._before.setdefault(year, total)
                total += self._year(year)[-1]
            self._before[day.year] = total
        return self._before[day.year] + self._year(day.year)[day.timetuple().tm_yday - 1]

    def add(self, day: date, business_days: int) -> date:
        """The business day `business_days` after `day` (before, if negative); day 0 is
        the first business day on or after `day`."""
        step = 1 if business_days >= 0 else -1
        while not self.is_business_day(day):
            day += timedelta(days=1)
        remaining = abs(business_days)
        while remaining:
            day += timedelta(days=step)
            if self.is_business_day(day):
                remaining -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Business days after `start` up to and including `end` (0 if end <= start)."""
        return max(0, self.ordinal(end) - self.ordinal(start))

    def morning_of(self, day: date) -> datetime:
        """When reminders for that day go out."""
        return datetime.combine(day, time(REMINDER_HOUR), self.zone)


def due_date(
    levels: ServiceLevels, calendar: BusinessCalendar, status: Status, entered: datetime
) -> date | None:
    """The date a submission that entered `status` at `entered` is due to move on."""
    days = levels.days.get(status)
    if days is None:
        return None
    return calendar.add(calendar.local_date(entered), days)


# --- when reminders and escalations fall due (written by storage/reminders.py) ---------


@dataclass(frozen=True)
class Stage:
    name: str
    offset: int  # business days from the due date; negative: before it
    snoozable: bool


# The owner's own reminders: a snooze holds them, and brings them back once when it ends.
OWNER_STAGES = frozenset({"owner", "unanswered"})


def stages(status: Status, levels: ServiceLevels) -> tuple[Stage, ...]:
    if status is Status.needs_info:
        found = (("submitter", -levels.remind_before), ("unanswered", 1))
    else:
        found = (
            ("owner", -levels.remind_before),
            ("channel", levels.escalate_after),
            ("lead", levels.lead_after),
        )
    return tuple(Stage(name, offset, name in OWNER_STAGES) for name, offset in found)


def moment_of(
    due: date, snoozed_until: date | None, stage: Stage, calendar: BusinessCalendar
) -> datetime:
    """When the stage falls due for a stay due on `due` (a snooze holds the owner's
    reminders until the morning it ends)."""
    when = calendar.morning_of(calendar.add(due, stage.offset))
    if stage.snoozable and snoozed_until:
        return max(when, calendar.morning_of(snoozed_until))
    return when


def moment(submission: Submission, stage: Stage, calendar: BusinessCalendar) -> datetime:
    assert submission.next_decision_by is not None
    return moment_of(submission.next_decision_by, submission.snoozed_until, stage, calendar)


def next_after(
    submission: Submission, levels: ServiceLevels, calendar: BusinessCalendar, after: datetime
) -> datetime | None:
    """The first stage moment of the current stay later than `after`, if any."""
    if submission.next_decision_by is None or submission.status not in levels.days:
        return None
    later = [
        when
        for stage in stages(submission.status, levels)
        if (when := moment(submission, stage, calendar)) > after
    ]
    return min(later, default=None)


def first_reminder(status: Status, due: date | None) -> datetime | None:
    """When the first reminder of a stay in `status`, due on `due`, falls due (it may be
    at once)."""
    levels, calendar = in_force()
    if due is None or status not in levels.days:
        return None
    return min(moment_of(due, None, stage, calendar) for stage in stages(status, levels))


def after_snooze(status: Status, due: date | None, until: date) -> datetime | None:
    """When the owner's reminder comes back after a snooze until `until`."""
    levels, calendar = in_force()
    if due is None or status not in levels.days:
        return None
    return min(
        moment_of(due, until, stage, calendar)
        for stage in stages(status, levels)
        if stage.snoozable
    )


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _holiday(name: str, node: yaml.Node, file: str) -> Holiday:
    """One holiday's entry; raises ServiceLevelError naming its line."""
    where = f"{file} line {_line(node)}"
    if isinstance(node, yaml.SequenceNode) and node.value:
        days = set()
        for item in node.value:
            try:
                days.add(date.fromisoformat(str(item.value)))
            except (ValueError, TypeError):
                raise ServiceLevelError(
                    f"{file} line {_line(item)}: holiday '{name}': {item.value!r} is not a "
                    "date such as 2027-03-29"
                ) from None
        return Holiday(name, dates=frozenset(days))
    said = " ".join(str(node.value).split()) if isinstance(node, yaml.ScalarNode) else ""
    if fixed := FIXED.fullmatch(said):
        month, day = MONTHS[fixed["month"].lower()], int(fixed["day"])
        if not 1 <= day <= months.monthrange(2024, month)[1]:  # a leap year: 29 February
            raise ServiceLevelError(f"{where}: holiday '{name}': {said!r} is no day of the year")
        return Holiday(name, fixed=(month, day))
    if rule := RULE.fullmatch(said):
        return Holiday(
            name,
            rule=(
                NTH[rule["nth"].lower()],
                WEEKDAYS[rule["weekday"].lower()],
                MONTHS[rule["month"].lower()],
                1 if rule["after"] else 0,
            ),
        )
    raise ServiceLevelError(
        f"{where}: holiday '{name}' must be {HOLIDAY_FORMS} (got {said or node.value!r})"
    )


def _holidays(node: yaml.Node, file: str) -> tuple[Holiday, ...]:
    if not isinstance(node, yaml.MappingNode):
        raise ServiceLevelError(
            f"{file} line {_line(node)}: 'holidays' must be 'name: when' lines, one a holiday"
        )
    found: dict[str, Holiday] = {}
    for name_node, when in node.value:
        name = str(name_node.value).strip()
        if not isinstance(name_node, yaml.ScalarNode) or not name:
            raise ServiceLevelError(f"{file} line {_line(name_node)}: a holiday needs a name")
        if name in found:
            raise ServiceLevelError(
                f"{file} line {_line(name_node)}: holiday '{name}' is given twice"
            )
        found[name] = _holiday(name, when, file)
    return tuple(found.values())


def _business_days(key: str, node: yaml.Node, file: str) -> int:
    raw = node.value if isinstance(node, yaml.ScalarNode) else None
    if raw is None or not WHOLE_NUMBER.fullmatch(str(raw)) or int(raw) > 1000:
        raise ServiceLevelError(
            f"{file} line {_line(node)}: '{key}' must be a whole number of "
            f"business days between 0 and 1000 (got {raw!r})"
        )
    return int(raw)


def _checkin_stages(node: yaml.Node, file: str) -> CheckinStages:
    """The `pilot_checkin` entry: each stage after the one before it."""
    if not isinstance(node, yaml.MappingNode):
        raise ServiceLevelError(
            f"{file} line {_line(node)}: '{CHECKIN}' must be lines of {', '.join(CHECKIN_SETTINGS)}"
        )
    found: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        if key not in CHECKIN_SETTINGS or key in found:
            problem = "is given twice" if key in found else "is unknown"
            raise ServiceLevelError(
                f"{file} line {_line(key_node)}: '{CHECKIN}.{key}' {problem} "
                f"(known: {', '.join(CHECKIN_SETTINGS)})"
            )
        found[key] = _business_days(f"{CHECKIN}.{key}", value_node, file)
    stages = CheckinStages(**found)
    days = [getattr(stages, key) for key in CHECKIN_SETTINGS]
    if not 0 < days[0] < days[1] < days[2]:
        raise ServiceLevelError(
            f"{file} line {_line(node)}: '{CHECKIN}' needs 0 < remind_after < owner_after < "
            f"escalate_after (got {', '.join(map(str, days))}): each stage follows the one before"
        )
    return stages


def load(path: Path) -> ServiceLevels:
    """Reads and checks the file; raises ServiceLevelError naming the line of a problem."""
    name = path.name
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except OSError as problem:
        raise ServiceLevelError(f"{path}: cannot be read ({problem.strerror})") from problem
    except UnicodeDecodeError as problem:
        raise ServiceLevelError(f"{name}: not UTF-8 text ({problem.reason})") from problem
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ServiceLevelError(f"{name}{where}: not valid YAML ({problem})") from problem
    if not isinstance(root, yaml.MappingNode):
        raise ServiceLevelError(f"{name} line 1: expected 'status: business days' lines")
    days: dict[Status, int] = {}
    settings: dict[str, int] = {}
    holidays: tuple[Holiday, ...] | None = None
    checkin: CheckinStages | None = None  # optional: the defaults above
    for key_node, value_node in root.value:
        key, line = key_node.value, _line(key_node)
        if key not in Status.__members__ and key not in (*SETTINGS, "holidays", CHECKIN):
            known = ", ".join([*OPEN, *SETTINGS, "holidays", CHECKIN])
            raise ServiceLevelError(f"{name} line {line}: unknown key '{key}' (known: {known})")
        given = (key == "holidays" and holidays is not None) or (key == CHECKIN and checkin)
        if key in days or key in settings or given:
            raise ServiceLevelError(f"{name} line {line}: '{key}' is given twice")
        if key == "holidays":
            holidays = _holidays(value_node, name)
            continue
        if key == CHECKIN:
            checkin = _checkin_stages(value_node, name)
            continue
        raw = _business_days(key, value_node, name)
        if key in SETTINGS:
            settings[key] = raw
        elif key in OPEN:
            days[Status(key)] = raw
        else:
            raise ServiceLevelError(
                f"{name} line {line}: {key} is a final status and has no service level"
            )
    missing = [key for key in (*OPEN, *SETTINGS) if key not in days and key not in settings]
    if holidays is None:  # never silently none: `holidays: {}` says so
        missing.append("holidays")
    if missing:
        raise ServiceLevelError(f"{name}: missing {', '.join(missing)}")
    if settings["lead_after"] <= settings["escalate_after"]:
        raise ServiceLevelError(
            f"{name}: lead_after ({settings['lead_after']}) must come after escalate_after "
            f"({settings['escalate_after']}): the lead hears of what the channel did not settle"
        )
    assert holidays is not None
    return ServiceLevels(
        days=days, holidays=holidays, pilot_checkin=checkin or CheckinStages(), **settings
    )


@lru_cache
def current(path: str) -> ServiceLevels:
    """The service levels in force (read once per process)."""
    file = Path(path)
    return load(file if file.is_absolute() else ROOT / file)


@lru_cache
def _calendar(zone: str, path: str) -> BusinessCalendar:
    return BusinessCalendar(ZoneInfo(zone), current(path).holidays)


def calendar(zone: str) -> BusinessCalendar:
    """Business days in `zone`, with the holidays of the service-level file in force."""
    return _calendar(zone, get_settings().service_levels_file)


def in_force() -> tuple[ServiceLevels, BusinessCalendar]:
    """The service levels and business calendar the settings name."""
    settings = get_settings()
    return current(settings.service_levels_file), calendar(settings.timezone)


def due(status: Status, entered: datetime) -> date | None:
    """When a submission that entered `status` at `entered` is due to move on."""
    return due_date(*in_force(), status, entered)
