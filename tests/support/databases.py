"""The machine's PostgreSQL for tests: a fresh schema per use, migrated by the real
Alembic scripts and dropped afterwards."""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from storage.db import dispose
from storage.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "ENTRYWAY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema in the `test` database, migrated, dropped afterwards."""
    schema = f"entryway_test_{secrets.token_hex(4)}"
    # Pre-ping: the fault tests restart PostgreSQL while the schema is in use, and the
    # pooled connection that created it is gone when it comes to dropping it.
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        yield url
    finally:
        dispose(url)
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
