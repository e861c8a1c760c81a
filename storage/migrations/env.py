"""Alembic environment: the URL comes from the app's settings (DATABASE_URL)."""

from alembic import context
from sqlmodel import SQLModel

# Both register their tables on SQLModel.metadata: the pilots' live in their own package.
import storage.models
import storage.pilots.models  # noqa: F401
from storage.db import get_engine
from storage.settings import get_settings

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    with get_engine(url).connect() as connection:
        _run(connection)
        connection.commit()


def _ours(name, type_, parent_names) -> bool:
    """Rasa keeps its conversations (table `events`) in the same database: autogenerate
    must neither drop it nor manage it."""
    return type_ != "table" or name in SQLModel.metadata.tables


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_name=_ours,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
