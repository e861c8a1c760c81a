"""Shared fixtures: real databases (SQLite file and the machine's PostgreSQL) migrated
with the real Alembic scripts, and the real stack started the way `make run` starts it."""

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.settings import get_settings
from storage.db import get_engine
from storage.migrate import upgrade
from tests.stack import Stack

POSTGRES_URL = os.environ.get(
    "ENTRYWAY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'entryway.db'}"
    upgrade(url)
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the `test` database, dropped afterwards."""
    schema = f"entryway_test_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        yield url
    finally:
        get_engine(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def app_settings(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Iterator[str]:
    """Points the app and the actions (which read settings) at a fresh database."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The real Rasa server, action server, app and scheduler, on free loopback ports."""
    database = tmp_path_factory.mktemp("stack") / "entryway.db"
    running = Stack(database_url=f"sqlite:///{database}")
    running.start()
    try:
        yield running
    finally:
        running.stop()
