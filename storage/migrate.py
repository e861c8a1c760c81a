"""Applies Alembic migrations up to head (`make migrate`, `make run`, tests)."""

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from storage import service_levels
from storage.db import normalise_url
from storage.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "storage" / "migrations"))
    # ConfigParser treats % as interpolation; URLs may contain it (encoded passwords).
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def main() -> None:
    # `make run` migrates before it starts anything: a malformed service-level file is
    # reported here, naming its line, before any process starts.
    try:
        service_levels.in_force()
    except service_levels.ServiceLevelError as problem:
        sys.exit(f"service levels: {problem}")
    url = sys.argv[1] if len(sys.argv) > 1 else get_settings().database_url
    upgrade(url)
    print("database: migrations applied")


if __name__ == "__main__":
    main()
