"""The two bots under test, trained and started the way each is meant to run: the bot
`rasa init` makes, as it makes it; Entryway in its production configuration (SQL tracker
store on PostgreSQL, Redis for Rasa's lock store and the shared rate-limit counts)."""

import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
import sqlalchemy

from bench.processes import RunningStack
from storage.migrate import upgrade
from tests.support.stack import free_port, free_ports

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
# The default bot runs on Rasa 3.6 as Rasa supports it, Python 3.10 (make bench installs it:
# rasa_env/default-bot.in); Entryway's Rasa on 3.11 (rasa_env/requirements.in).
DEFAULT_BOT_PYTHON = ROOT / ".venv-rasa-default" / "bin" / "python"
DEFAULT_BOT_RASA = ROOT / ".venv-rasa-default" / "bin" / "rasa"
# The machine's PostgreSQL (a database is created for each stack and dropped after) and a
# Redis database index nothing else uses (emptied before and after).
POSTGRES = os.environ.get(
    "ENTRYWAY_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("ENTRYWAY_BENCH_REDIS", "redis://127.0.0.1:6379/10")
# Like the production limits, two moving windows counted in Redis on every request, so
# that cost is measured; but the simulated users share one address, so out of reach.
UNREACHABLE_LIMIT = "100000/second;1000000/minute"
DEFAULT_BOT = "Default bot (rasa init)"
ENTRYWAY = "Entryway (app + Rasa + actions)"


def rasa_env() -> dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT)}


def default_project(work: Path) -> Path:
    """The files `rasa init` writes, copied from the pinned Rasa."""
    initial = subprocess.run(
        [
            str(DEFAULT_BOT_PYTHON),
            "-c",
            "import os, rasa.cli; "
            "print(os.path.join(os.path.dirname(rasa.cli.__file__), 'initial_project'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    project = work / "default-bot"
    shutil.copytree(initial, project)
    return project


def train_from_scratch(bot: str, project: Path, out: Path) -> float:
    """Seconds of `rasa train --force` with an empty training cache."""
    arguments = ["--out", str(out), "--quiet", "--force"]
    if bot == ENTRYWAY:
        arguments += ["--data", "nlu", "--domain", "domain.yml", "--config", "config.yml"]
    with tempfile.TemporaryDirectory(prefix="rasa-cache-") as cache:
        started = time.monotonic()
        subprocess.run(
            [str(RASA if bot == ENTRYWAY else DEFAULT_BOT_RASA), "train", *arguments],
            cwd=project,
            env={**rasa_env(), "RASA_CACHE_DIRECTORY": cache},
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return time.monotonic() - started


@dataclass
class Served:
    stack: RunningStack
    base_url: str
    database_url: str | None = None


@contextmanager
def default_bot(project: Path, log: Path) -> Iterator[Served]:
    port = free_port()
    stack = RunningStack(
        [
            str(DEFAULT_BOT_RASA),
            *("run", "--enable-api", "-i", "127.0.0.1", "-p", str(port), "-m", "models"),
        ],
        project,
        rasa_env(),
        log,
    )
    try:
        stack.wait_until_ready(f"http://127.0.0.1:{port}/status")
        yield Served(stack, f"http://127.0.0.1:{port}")
    finally:
        stack.stop()


@contextmanager
def fresh_database() -> Iterator[str]:
    """A PostgreSQL database of its own, migrated, dropped afterwards."""
    name = f"entryway_bench_{secrets.token_hex(4)}"
    admin = sqlalchemy.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text(f"CREATE DATABASE {name}"))
    url = sqlalchemy.make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def _flush_redis() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    client.close()


@contextmanager
def entryway(log: Path) -> Iterator[Served]:
    """Entryway as `make run` starts it (scripts/supervise), on a fresh database."""
    _flush_redis()
    with fresh_database() as database_url:
        ports = {
            "ENTRYWAY_PORT": str(free_port()),
            "ENTRYWAY_RASA_PORT": str(free_ports(2)),
            "ENTRYWAY_ACTIONS_PORT": str(free_port()),
        }
        env = {
            **os.environ,
            **ports,
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "ENTRYWAY_RATE_LIMIT_CHAT": UNREACHABLE_LIMIT,
            "ENTRYWAY_RATE_LIMIT_PUBLIC": UNREACHABLE_LIMIT,
            "PYTHONPATH": str(ROOT),
        }
        stack = RunningStack([str(ROOT / "scripts/supervise")], ROOT, env, log)
        base = f"http://127.0.0.1:{ports['ENTRYWAY_PORT']}"
        try:
            stack.wait_until_ready(f"{base}/healthz")
            yield Served(stack, base, database_url)
        finally:
            stack.stop()
            _flush_redis()
