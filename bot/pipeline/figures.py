"""The public figures on where the City's own process holds submissions up: one dataset
per chart of /reports/pipeline, each also served as CSV and JSON under /api/open-data/
with its data dictionary. The scheduler computes them every few minutes and stores them
(`publish`), so a request to the public page never does the counting. Only aggregates
from storage.reports' public functions, with small cells suppressed (None, published as
empty): no contact, no confidential value, no staff name, no cell that could single out
one submission."""

from dataclasses import dataclass, field
from datetime import date, datetime

from babel.dates import format_skeleton
from sqlmodel import Session

from storage import reports, service_levels
from storage.catalogue import folder, text
from storage.db import session_scope
from storage.languages import DEFAULT_LANGUAGE, LANGUAGES
from storage.models import Kind, utcnow
from storage.published_figures import published_figures, store_figures
from storage.settings import get_settings


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # string | integer | number | month


# The columns whose values are codes (open data keeps codes, in any language), and where
# the catalogue names each code for a reader: <prefix><code>. A status as the public
# reads it is storage's (storage.rendering.public_status_label); the rest are the report's.
CODED = {
    "kind": "report.label.kind.",
    "status": "status.public_label.",
    "waiting_on": "report.label.waiting_on.",
    "step": "report.label.step.",
    "approach": "report.label.approach.",
    "outcome": "register.outcome.",
}


def label(column: str, value: object, language: str) -> str:
    """A value as a reader reads it: a code by its name in `language` ("needs_info" ->
    "waiting for information from the submitter"), a month by its name ("2026-09" ->
    "September 2026" / "septiembre de 2026"); anything else, or a code the catalogue does
    not know (a barrier step someone typed), as it is."""
    if column == "month" and isinstance(value, str):
        try:
            first = date.fromisoformat(f"{value}-01")
        except ValueError:
            return value
        return format_skeleton("yMMMM", first, locale=language)
    if column in CODED and isinstance(value, str):
        try:
            return text(f"{CODED[column]}{value}", language)
        except KeyError:
            return value
    return str(value)


# Coded columns that hold only some of the codes their catalogue prefix names: pilots by
# outcome counts where pilots stand, never the register's "revised" or "ended".
HOLDS_ONLY = {"outcome": reports.PILOT_OUTCOMES}


def codes(column: str) -> list[dict]:
    """Every code a coded column may hold, with its name in each language."""
    prefix = CODED[column]
    known = [key.removeprefix(prefix) for key in folder(DEFAULT_LANGUAGE) if key.startswith(prefix)]
    if column in HOLDS_ONLY:
        known = [code for code in known if code in HOLDS_ONLY[column]]
    return [
        {
            "code": code,
            "labels": {language: label(column, code, language) for language in LANGUAGES},
        }
        for code in known
    ]


@dataclass(frozen=True)
class Dataset:
    name: str  # the file name under /api/open-data/
    columns: tuple[Column, ...]
    rows: list[tuple] = field(default_factory=list)
    computed_at: datetime | None = None

    def title(self, language: str = DEFAULT_LANGUAGE) -> str:
        return text(f"report.{self.name}.title", language)

    def describe(self, language: str = DEFAULT_LANGUAGE) -> dict:
        """The data dictionary served beside the data, in `language`; a coded column lists
        its codes with their names in every language."""
        return {
            "dataset": self.name,
            "language": language,
            "title": self.title(language),
            "description": text(f"report.{self.name}.description", language),
            "suppression": text("report.suppression", language, minimum=reports.MIN_CELL),
            "fields": [
                {
                    "name": column.name,
                    "type": column.type,
                    "meaning": text(f"report.{self.name}.fields.{column.name}", language),
                    **({"codes": codes(column.name)} if column.name in CODED else {}),
                }
                for column in self.columns
            ],
        }

    def records(self) -> list[dict]:
        return [dict(zip((c.name for c in self.columns), row, strict=True)) for row in self.rows]

    @property
    def charted(self) -> bool:
        """Whether the chart has anything to draw: some published figure above zero. (A
        chart of nothing drew an empty axis from -0.04 to 0.04.)"""
        figures = CHARTED.get(self.name, range(1, len(self.columns)))
        return any(
            isinstance(row[i], int | float) and not isinstance(row[i], bool) and row[i] > 0
            for row in self.rows
            for i in figures
            if self.columns[i].type in ("integer", "number")
        )


# In the page's order.
NAMES = (
    "submissions-by-month",
    "time-in-status",
    "blocked-by",
    "barriers-by-month",
    "time-to-contract",
    "pilots-by-outcome",
)
# The columns a chart draws, where it does not draw every figure: time charts draw the
# times, not the counts beside them.
CHARTED: dict[str, range] = {"time-in-status": range(2, 4), "time-to-contract": range(2, 3)}


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
    "time-to-contract": (
        Column("approach", "string"),
        Column("contracts_signed", "integer"),
        Column("median_business_days", "number"),
        Column("still_open", "integer"),
        Column("ended_without_contract", "integer"),
    ),
    "pilots-by-outcome": (Column("outcome", "string"), Column("pilots", "integer")),
}


def _compute(session: Session) -> dict[str, list[tuple]]:
    calendar = service_levels.calendar(get_settings().timezone)
    by_kind = reports.by_month(session, calendar)
    times = reports.public_time_in_status(session, calendar, utcnow())
    blocked = reports.public_counts(reports.blocked_now(session))
    barriers = reports.by_month(session, calendar, Kind.feedback)
    contracts = reports.public_time_to_contract(session, calendar)
    pilots = reports.public_counts(reports.pilots_by_outcome(session))
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
        "time-to-contract": [
            (
                c.approach,
                c.contracts_signed,
                c.median_business_days,
                c.still_open,
                c.ended_without_contract,
            )
            for c in contracts
        ],
        "pilots-by-outcome": list(pilots.items()),
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
