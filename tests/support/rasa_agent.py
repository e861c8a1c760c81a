"""Real parts for the tests of the Rasa environment (tests/rasa_env). Conversations through
real Rasa inside the test process: the trained model, Rasa's own code (none of
rasa_env/launch.py's patches, which would stay applied for every later test of the
run, those comparing with Rasa's own functions included), the real action server
started from the app's environment, and a database migrated as the app migrates it
(SQLite file or a fresh schema in the machine's PostgreSQL).

Messages are handled as Rasa's REST channel hands them over (under the conversation's
lock), and slots are set the way the app sets `question_open` through Rasa's HTTP API
(rasa.server.update_conversation_with_events, then a save, under the same lock).

The app itself (`python -m bot`) is started from its own environment when a test reads
what it serves."""

import copy
import os
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import TrackerStore
from rasa.server import update_conversation_with_events
from rasa.shared.core.events import Event
from rasa.utils.endpoints import EndpointConfig

from rasa_env.endpoints import tracker_url

ROOT = Path(__file__).resolve().parents[2]
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
POSTGRES_URL = os.environ.get(
    "ENTRYWAY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# As tests/conftest.py does for the app: the tests talk far faster than people do.
LIFTED_LIMITS = {
    name: ""
    for name in (
        "ENTRYWAY_RATE_LIMIT_CHAT",
        "ENTRYWAY_HANDOFF_LIMIT_PER_CLIENT",
        "ENTRYWAY_HANDOFF_LIMIT_TOTAL",
        "ENTRYWAY_SUBMISSION_LIMIT_PER_CLIENT",
        "ENTRYWAY_SUBMISSION_LIMIT_TOTAL",
    )
}


def _app_environment(database_url: str, **more: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        **LIFTED_LIMITS,
        **more,
    }


def migrate(database_url: str) -> None:
    """The app's migrations (Alembic lives in the app's environment, not Rasa's)."""
    subprocess.run(
        [str(APP_PYTHON), "-m", "storage.migrate", database_url],
        cwd=ROOT,
        env=_app_environment(database_url),
        check=True,
        capture_output=True,
    )


@contextmanager
def app_database(kind: str, folder: Path) -> Iterator[str]:
    """A migrated database of `kind` ("sqlite" or "postgres"), as the app's URL."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'entryway.db'}"
        migrate(url)
        yield url
        return
    schema = f"entryway_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(tracker_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _app_process(module: str, database_url: str, probe: str, **env: str) -> Iterator[None]:
    """`python -m <module>` from the app's environment, until `probe` answers at all."""
    process = subprocess.Popen(
        [str(APP_PYTHON), "-m", module],
        cwd=ROOT,
        env=_app_environment(database_url, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{module} exited: {process.stderr.read()[-2000:]}")
            try:
                with urllib.request.urlopen(probe, timeout=2):
                    break
            except urllib.error.HTTPError:
                break  # it answers (a 503 of /healthz is an answer)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield
    finally:
        process.terminate()
        process.wait(15)


@contextmanager
def action_server(database_url: str) -> Iterator[str]:
    """The action server (`python -m actions`) on `database_url`; yields its webhook URL."""
    port = _free_port()
    with _app_process(
        "actions",
        database_url,
        f"http://127.0.0.1:{port}/health",
        ENTRYWAY_ACTIONS_PORT=str(port),
    ):
        yield f"http://127.0.0.1:{port}/webhook"


@contextmanager
def app_server(database_url: str, **env: str) -> Iterator[str]:
    """The app (`python -m bot`) on `database_url`, no Rasa server or action server
    answering; yields its URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with _app_process(
        "bot",
        database_url,
        f"{url}/healthz",
        ENTRYWAY_PORT=str(port),
        ENTRYWAY_RASA_PORT=str(_free_port()),
        ENTRYWAY_RASA_WORKERS="1",
        ENTRYWAY_ACTIONS_PORT=str(_free_port()),
        **env,
    ):
        yield url


class Assistant:
    """One Rasa server's message handling with the given tracker store."""

    def __init__(self, loaded: MessageProcessor, store: TrackerStore, actions: str) -> None:
        self.processor = copy.copy(loaded)
        self.processor.tracker_store = store
        self.processor.lock_store = InMemoryLockStore()
        self.processor.action_endpoint = EndpointConfig(url=actions)
        self.store = store

    async def say(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list:
        """The replies to `text`, handled as Rasa's REST channel hands a message over."""
        replies = CollectingOutputChannel()
        message = UserMessage(text, replies, sender, input_channel="rest", metadata=metadata)
        async with self.processor.lock_store.lock(sender):
            await self.processor.handle_message(message)
        return replies.messages

    async def append(self, sender: str, events: list[dict]) -> None:
        """What Rasa's HTTP API does for POST /conversations/<sender>/tracker/events."""
        async with self.processor.lock_store.lock(sender):
            tracker = await update_conversation_with_events(
                sender,
                self.processor,
                self.processor.domain,
                [Event.from_parameters(event) for event in events],
            )
            await self.store.save(tracker)
