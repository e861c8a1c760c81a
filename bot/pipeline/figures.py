"""The public figures on where the City's own process holds submissions up: one dataset
per chart of /reports/pipeline, each also served as CSV and JSON under /api/open-data/
with its data dictionary. Only aggregates from storage.reports' public functions, with
small cells suppressed (None, published as empty): no contact, no confidential value,
no staff name, no cell that could single out one submission."""

import threading
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, select

from storage import reports, service_levels
from storage.catalogue import text
from storage.db import session_scope
from storage.models import Activity, Kind, StatusChange, utcnow
from storage.settings import get_settings


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # string | integer | number | month


@dataclass(frozen=True)
class Dataset:
    name: str  # the file name under /api/open-data/
    columns: tuple[Column, ...]
    rows: list[tuple] = field(default_factory=list)

    @property
    def title(self) -> str:
        return text(f"report.{self.name}.title")

    def describe(self) -> dict:
        """The data dictionary served beside the data."""
        return {
            "dataset": self.name,
            "title": self.title,
            "description": text(f"report.{self.name}.description"),
            "suppression": text("report.suppression", minimum=reports.MIN_CELL),
            "fields": [
                {
                    "name": column.name,
                    "type": column.type,
                    "meaning": text(f"report.{self.name}.fields.{column.name}"),
                }
                for column in self.columns
            ],
        }

    def records(self) -> list[dict]:
        return [dict(zip((c.name for c in self.columns), row, strict=True)) for row in self.rows]


NAMES = ("submissions-by-month", "time-in-status", "blocked-by", "barriers-by-month")


def _version(session: Session, today: str) -> tuple:
    """Changes whenever a figure could: a status change (new submissions have one), a
    blocker set (it is logged), or a new day (what is overdue)."""
    changes = session.exec(select(func.max(StatusChange.id))).one()
    activity = session.exec(select(func.max(Activity.id))).one()
    return (changes, activity, today)


def _compute(session: Session) -> dict[str, Dataset]:
    calendar = service_levels.calendar(get_settings().timezone)
    by_kind = reports.by_month(session, calendar)
    times = reports.public_time_in_status(session, calendar, utcnow())
    blocked = reports.public_counts(reports.blocked_now(session))
    barriers = reports.by_month(session, calendar, Kind.feedback)
    return {
        "submissions-by-month": Dataset(
            "submissions-by-month",
            (Column("month", "month"), Column("kind", "string"), Column("submissions", "integer")),
            [(month, kind, reports.suppressed(n)) for (month, kind), n in by_kind.items()],
        ),
        "time-in-status": Dataset(
            "time-in-status",
            (
                Column("status", "string"),
                Column("completed_stays", "integer"),
                Column("median_business_days", "number"),
                Column("p90_business_days", "number"),
                Column("in_status_now", "integer"),
                Column("overdue_now", "integer"),
            ),
            [
                (
                    t.status,
                    t.stays,
                    t.median_business_days,
                    t.p90_business_days,
                    t.in_status_now,
                    t.overdue_now,
                )
                for t in times
            ],
        ),
        "blocked-by": Dataset(
            "blocked-by",
            (Column("waiting_on", "string"), Column("open_submissions", "integer")),
            list(blocked.items()),
        ),
        "barriers-by-month": Dataset(
            "barriers-by-month",
            (Column("month", "month"), Column("step", "string"), Column("reports", "integer")),
            [(month, step, reports.suppressed(n)) for (month, step), n in barriers.items()],
        ),
    }


_cache: tuple[tuple, dict[str, Dataset]] | None = None
_lock = threading.Lock()


def datasets() -> dict[str, Dataset]:
    """Every public dataset, computed again only when the data behind it changed."""
    global _cache
    settings = get_settings()
    today = service_levels.calendar(settings.timezone).local_date(utcnow()).isoformat()
    with _lock, session_scope(settings.database_url) as session:
        version = _version(session, today)
        if _cache is None or _cache[0] != version:
            _cache = (version, _compute(session))
        return _cache[1]
