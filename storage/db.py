"""Engine and sessions. SQLite (embedded, the default) and PostgreSQL share every code path."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.sql.schema import Column
from sqlmodel import Session, SQLModel, create_engine


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


@lru_cache
def get_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database))
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            hide_parameters=True,
        )
        _prepare_sqlite(engine)
        return engine
    # hide_parameters: an error logs the statement, never the values (people's answers).
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True
    )


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
