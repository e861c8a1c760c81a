"""Stored submissions in bulk, for measuring how look-ups and the open-data export grow
with years of them: rows go straight into the real tables with SQLAlchemy Core (one
multi-row INSERT per batch), seconds for 100,000 where the ORM would take minutes."""

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.dialects import postgresql

from storage.models import Kind, ReferenceCounter, Status, Submission
from storage.reference import format_reference

# A year holds at most 99,999 five-digit references, so seeded submissions fill whole
# years before the one the benchmark's own conversations submit in.
PER_YEAR = 10_000
FIRST_YEAR = 2000
BATCH = 5_000
KINDS = list(Kind)
STATUSES = list(Status)


def seeded_reference(number: int) -> str:
    """The reference of the `number`th seeded submission (from 0)."""
    return format_reference(FIRST_YEAR + number // PER_YEAR, number % PER_YEAR + 1)


def _row(number: int) -> dict:
    year, sequence = FIRST_YEAR + number // PER_YEAR, number % PER_YEAR + 1
    submitted = datetime(year, 1, 1, tzinfo=UTC) + timedelta(minutes=sequence * 50)
    status = STATUSES[number % len(STATUSES)]
    return {
        "reference": format_reference(year, sequence),
        "year": year,
        "sequence": sequence,
        "kind": KINDS[number % len(KINDS)],
        # Some titles are published, some not yet (a neutral title stands in); some start
        # with what spreadsheets would execute, so the CSV's defusing is exercised too.
        "title": f"{'=' if number % 97 == 0 else ''}Smart sensors for district {number} — café",
        "title_public": number % 3 != 0,
        "category": "mobility" if number % 2 else None,
        "status": status,
        "submitted_at": submitted,
        "updated_at": submitted + timedelta(days=3),
        "status_since": submitted + timedelta(days=3),
        "next_step": status.value,
        "next_decision_by": date(year, 12, 31) if number % 4 else None,
        "status_token_hash": hashlib.sha256(str(number).encode()).hexdigest(),
        "flags": [],
        "snoozes": 0,
    }


def _batches(start: int, stop: int) -> Iterator[list[dict]]:
    for first in range(start, stop, BATCH):
        yield [_row(number) for number in range(first, min(first + BATCH, stop))]


def seed_submissions(engine: Engine, start: int, stop: int) -> None:
    """Stores seeded submissions number `start` to `stop - 1` (PostgreSQL, the production
    database), and moves each year's reference counter past them so that submissions the
    app makes never collide with them."""
    with engine.begin() as connection:
        for rows in _batches(start, stop):
            connection.execute(insert(Submission.__table__), rows)
        years = range(FIRST_YEAR + start // PER_YEAR, FIRST_YEAR + (stop - 1) // PER_YEAR + 1)
        for year in years:
            last = min(PER_YEAR, stop - (year - FIRST_YEAR) * PER_YEAR)
            upsert = postgresql.insert(ReferenceCounter.__table__).values(
                year=year, last_sequence=last
            )
            connection.execute(
                upsert.on_conflict_do_update(index_elements=["year"], set_={"last_sequence": last})
            )


def stored_submissions(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(Submission.__table__)
        ).scalar_one()
