"""Shared fixtures: real databases (SQLite file and the machine's PostgreSQL) migrated
with the real Alembic scripts, and the real stack started the way `make run` starts it."""

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from storage.db import dispose
from storage.migrate import upgrade
from storage.settings import get_settings
from tests.support.databases import postgres_schema
from tests.support.fake_slack import FakeSlack
from tests.support.mailbox import Mailbox
from tests.support.sending import slack_env
from tests.support.stack import ARTIFACTS, Stack

# The suite talks to every app it starts from 127.0.0.1, far faster than people do, and
# hands off and submits from there many times an hour: the per-client limits are lifted
# for it (tests of the limits set their own).
for _limit in (
    "ENTRYWAY_RATE_LIMIT_CHAT",
    "ENTRYWAY_RATE_LIMIT_PUBLIC",
    "ENTRYWAY_HANDOFF_LIMIT_PER_CLIENT",
    "ENTRYWAY_HANDOFF_LIMIT_TOTAL",
    "ENTRYWAY_SUBMISSION_LIMIT_PER_CLIENT",
    "ENTRYWAY_SUBMISSION_LIMIT_TOTAL",
):
    os.environ.setdefault(_limit, "")

# These run in the Rasa server's own environment (tests/support/in_rasa.py), not here.
collect_ignore = ["rasa_env", "nlu"]

STARTED = time.time()


@pytest.fixture(autouse=True)
def settings_read_afresh() -> Iterator[None]:
    """The settings are read once per process (storage/settings.py caches them): each
    test reads its own environment's, never those an earlier test left cached."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once by the real Alembic scripts, which each test that
    wants SQLite gets a copy of: the same database, without running every migration again
    for each of some two hundred tests."""
    database = tmp_path_factory.mktemp("migrated") / "entryway.db"
    url = f"sqlite:///{database}"
    upgrade(url)
    dispose(url)
    return database


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    database = tmp_path / "entryway.db"
    # SQLite's backup API: a consistent copy, with whatever the template's WAL holds.
    with (
        closing(sqlite3.connect(migrated_sqlite)) as source,
        closing(sqlite3.connect(database)) as copy,
    ):
        source.backup(copy)
    return f"sqlite:///{database}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


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


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A fake Slack of this test's own."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def mail() -> Iterator[Mailbox]:
    """A mailbox of this test's own."""
    with Mailbox() as box:
        yield box


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    with Mailbox() as box:
        yield box


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, fake_slack: FakeSlack, mailbox: Mailbox
) -> Iterator[Stack]:
    """The real Rasa server, action server, app and scheduler, on free loopback ports,
    with Slack pointed at the fake Slack and e-mail at the local mailbox."""
    database = tmp_path_factory.mktemp("stack") / "entryway.db"
    running = Stack(database_url=f"sqlite:///{database}", env=slack_env(fake_slack, mailbox))
    running.start()
    try:
        yield running
    finally:
        running.stop()


def pytest_terminal_summary(terminalreporter) -> None:
    """The fault tests' recovery table, when they ran (tests/end_to_end/test_faults.py)."""
    table = ARTIFACTS / "fault-recovery.md"
    if table.exists() and table.stat().st_mtime >= STARTED:
        terminalreporter.write_sep("-", "recovery per fault")
        terminalreporter.write_line(table.read_text())
