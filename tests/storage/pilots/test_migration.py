"""The pilot tables' migration, by the real Alembic scripts on SQLite, up and down."""

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect

from storage.migrate import alembic_config

PILOTS = "a7c2e4f60b13"
TABLES = {
    "pilotiteration", "pilotmetric", "pilotreading", "pilotmilestone", "pilotbudgetline",
    "pilotdataterms", "pilotdecision",
}  # fmt: skip


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_pilot_tables_come_and_go(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'pilots.db'}"
    config = alembic_config(url)
    command.upgrade(config, PILOTS)
    assert tables(url) >= TABLES
    command.downgrade(config, f"{PILOTS}-1")
    assert not TABLES & tables(url) and "submission" in tables(url)
    command.upgrade(config, PILOTS)
    assert tables(url) >= TABLES
