"""Service levels: how many business days a submission may spend in each status, counted
in the City's time zone on business days (weekdays that are not US federal or Texas
state holidays, from the maintained `holidays` package).

They live in one file (service_levels.yml, or ENTRYWAY_SERVICE_LEVELS); every process
reads it at start, and a malformed file stops the start with a message naming the line.
Status answers in chat, the public API's next_decision_by, reminders and escalations all
come from it."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import yaml

from storage.models import Status
from storage.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent
# Reminders go out at this hour of the City's day, not at midnight.
REMINDER_HOUR = 9
SETTINGS = ("remind_before", "escalate_after", "lead_after")


class ServiceLevelError(ValueError):
    """The service-level file cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class ServiceLevels:
    days: dict[Status, int]  # target business days per status (statuses without one: none)
    remind_before: int  # remind the owner this many business days before the due date
    escalate_after: int  # overdue by this many business days: the triage channel hears
    lead_after: int  # overdue by this many: the lead hears


class BusinessCalendar:
    """Business days in the City's time zone."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._holidays = holidays.country_holidays("US", subdiv="TX")

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

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
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_business_day(day)
        return count

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


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def load(path: Path) -> ServiceLevels:
    """Reads and checks the file; raises ServiceLevelError naming the line of a problem."""
    name = path.name
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except OSError as problem:
        raise ServiceLevelError(f"{path}: cannot be read ({problem.strerror})") from problem
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ServiceLevelError(f"{name}{where}: not valid YAML ({problem})") from problem
    if not isinstance(root, yaml.MappingNode):
        raise ServiceLevelError(f"{name} line 1: expected 'status: business days' lines")
    days: dict[Status, int] = {}
    settings: dict[str, int] = {}
    for key_node, value_node in root.value:
        key, line = key_node.value, _line(key_node)
        if key not in Status.__members__ and key not in SETTINGS:
            known = ", ".join([*Status.__members__, *SETTINGS])
            raise ServiceLevelError(f"{name} line {line}: unknown key '{key}' (known: {known})")
        raw = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
        if raw is None or not str(raw).isdigit() or not 0 <= int(raw) <= 1000:
            raise ServiceLevelError(
                f"{name} line {_line(value_node)}: '{key}' must be a whole number of "
                f"business days between 0 and 1000 (got {raw!r})"
            )
        if key in SETTINGS:
            settings[key] = int(raw)
        else:
            days[Status(key)] = int(raw)
    closed = {Status.declined, Status.withdrawn, Status.closed} & set(days)
    if closed:
        raise ServiceLevelError(
            f"{name}: {', '.join(sorted(closed))} is a final status and has no service level"
        )
    missing = [key for key in SETTINGS if key not in settings]
    if missing:
        raise ServiceLevelError(f"{name}: missing {', '.join(missing)}")
    return ServiceLevels(days=days, **settings)


@lru_cache
def current(path: str) -> ServiceLevels:
    """The service levels in force (read once per process)."""
    file = Path(path)
    return load(file if file.is_absolute() else ROOT / file)


@lru_cache
def calendar(zone: str) -> BusinessCalendar:
    return BusinessCalendar(ZoneInfo(zone))


def in_force() -> tuple[ServiceLevels, BusinessCalendar]:
    """The service levels and business calendar the settings name."""
    settings = get_settings()
    return current(settings.service_levels_file), calendar(settings.timezone)


def due(status: Status, entered: datetime) -> date | None:
    """When a submission that entered `status` at `entered` is due to move on."""
    return due_date(*in_force(), status, entered)
