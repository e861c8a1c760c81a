"""The public figures on where the City's own process holds submissions up: one dataset
per chart of /reports/pipeline, each also served as CSV and JSON under /api/open-data/
with its data dictionary. The scheduler computes them every few minutes and stores them
(`publish`), so a request to the public page never does the counting. Only aggregates
from storage.reports' public functions, with small cells suppressed (None, published as
empty): no contact, no confidential value, no staff name, no cell that could single out
one submission."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from storage import reports, service_levels
from storage.catalogue import text
from storage.db import session_scope
from storage.models import Kind, utcnow
from storage.published_figures import published_figures, store_figures
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
    computed_at: datetime | None = None

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


COLUMNS: dict[str, tuple[Column, ...]] = {
    "submissions-by-month": (
        Column("month", "month"),
        Column("kind", "string"),
        Column("submissions", "integer"),
    ),
    "time-in-status": (
        Column("status", "string"),
        Column("completed_stays", "integer"),
        Column("median_business_days", "number"),
        Column("p90_business_days", "number"),
        Column("in_status_now", "integer"),
        Column("overdue_now", "integer"),
    ),
    "blocked-by": (Column("waiting_on", "string"), Column("open_submissions", "integer")),
    "barriers-by-month": (
        Column("month", "month"),
        Column("step", "string"),
        Column("reports", "integer"),
    ),
}


def _compute(session: Session) -> dict[str, list[tuple]]:
    calendar = service_levels.calendar(get_settings().timezone)
    by_kind = reports.by_month(session, calendar)
    times = reports.public_time_in_status(session, calendar, utcnow())
    blocked = reports.public_counts(reports.blocked_now(session))
    barriers = reports.by_month(session, calendar, Kind.feedback)
    return {
        "submissions-by-month": [
            (month, kind, reports.suppressed(n)) for (month, kind), n in by_kind.items()
        ],
        "time-in-status": [
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
        "blocked-by": list(blocked.items()),
        "barriers-by-month": [
            (month, step, reports.suppressed(n)) for (month, step), n in barriers.items()
        ],
    }


def publish() -> None:
    """Computes every public dataset and stores it (the scheduler, every few minutes)."""
    with session_scope(get_settings().database_url) as session:
        for name, rows in _compute(session).items():
            store_figures(session, name, rows)


def datasets() -> dict[str, Dataset]:
    """Every public dataset as last published; published now if it never was (a new
    installation), so the page never shows nothing."""
    with session_scope(get_settings().database_url) as session:
        stored = published_figures(session)
    if set(stored) != set(NAMES):
        publish()
        with session_scope(get_settings().database_url) as session:
            stored = published_figures(session)
    return {
        name: Dataset(name, COLUMNS[name], [tuple(row) for row in stored[name].rows],
                      stored[name].computed_at)
        for name in NAMES
    }  # fmt: skip
