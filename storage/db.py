"""Engine and sessions. SQLite (embedded, the default) and PostgreSQL share every code path."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.schema import Column
from sqlmodel import Session, SQLModel, create_engine
from sqlmodel.sql.expression import Select

logger = logging.getLogger(__name__)
T = TypeVar("T")


def normalise_url(url: str) -> str:
    """Lets operators paste a plain `postgresql://` URL; the app ships psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _prepare_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets readers (status look-ups) run while a submission is written;
        # busy_timeout makes concurrent writers queue instead of failing.
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL still survives a crash or restart of any process; only a
        # power cut can lose the last commits. It saves an fsync on every saved answer.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _create_engine(url: str, **options: object) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database))
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            hide_parameters=True,
            **options,
        )
        _prepare_sqlite(engine)
        return engine
    # hide_parameters: an error logs the statement, never the values (people's answers).
    return create_engine(url, pool_size=10, max_overflow=20, hide_parameters=True, **options)


@lru_cache
def get_engine(url: str) -> Engine:
    return _create_engine(url, pool_pre_ping=True)


@lru_cache
def _autocommit_engine(url: str) -> Engine:
    # A pool of its own, in autocommit from the start: switching a pooled connection
    # there and back costs round trips of its own on PostgreSQL.
    return _create_engine(url, isolation_level="AUTOCOMMIT")


def _private_file(database: Path) -> None:
    """The SQLite file (and its WAL and shared-memory files, which SQLite creates with the
    database file's mode) holds contact details: readable by this account only."""
    database.parent.mkdir(parents=True, exist_ok=True)
    database.touch(mode=0o600, exist_ok=True)
    database.chmod(0o600)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One unit of work: committed on success, rolled back on any error."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def each_in_its_own_transaction(url: str, due: Select, work: Callable[[Session, int], int]) -> int:
    """Reads the ids `due` selects, then does `work` on each in a transaction of its own,
    so that a planner's run never holds a lock for long. Returns the sum of what `work`
    returned (what it wrote)."""
    with session_scope(url) as session:
        ids = session.exec(due).all()
    done = 0
    for found in ids:
        with session_scope(url) as session:
            done += work(session, found)
    return done


def dispose(url: str) -> None:
    """Closes every pooled connection to `url`'s database (before dropping it, say)."""
    get_engine(url).dispose()
    _autocommit_engine(url).dispose()


def in_single_statements(url: str, work: Callable[[Connection], T]) -> T:
    """Runs `work` on a connection where each statement commits by itself: for work that
    needs no transaction around its statements, such as saving a form answer to its draft
    (Rasa's conversation lock already keeps one conversation's turns apart). No BEGIN,
    no COMMIT and no pool pre-ping: three round trips fewer than `session_scope`
    (docs/performance/2026-11-28-2214.md). When the
    database dropped the connection (it restarted), the statement that meets it fails,
    whichever it is (the first, or the upsert after a read); SQLAlchemy then empties the
    pool, and `work` runs once more from the start on a new connection, so it must be
    safe to repeat, even after its writes went through. Any other error is raised."""
    engine = _autocommit_engine(url)
    try:
        with engine.connect() as connection:
            return work(connection)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        logger.info("Database connection dropped; running the work again: %s", type(error).__name__)
    with engine.connect() as connection:
        return work(connection)


def insert_for(session: Session, model: type[SQLModel]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with ON CONFLICT clauses, for whichever of the two databases is in use."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def insert_once(
    session: Session,
    model: type[SQLModel],
    values: dict,
    unique: Column | list[Column],
    returned: Column,
) -> object | None:
    """Inserts the row unless one with the same `unique` value(s) exists, atomically (two
    processes racing insert it once); returns its `returned` column, or None if it was
    there already. RETURNING says whether a row went in: rowcount does not, with it, on
    PostgreSQL."""
    statement = (
        insert_for(session, model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=unique if isinstance(unique, list) else [unique])
        .returning(returned)
    )
    return session.execute(statement).scalar_one_or_none()
