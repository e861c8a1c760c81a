"""`python -m rasa_env.endpoints`: prints the endpoints file for one Rasa server of this
deployment, from the same environment variables the app reads.

- Conversations are kept where they survive a restart: the SQL tracker store on
  DATABASE_URL (SQLite for `make run`, PostgreSQL in production), or Redis when
  ENTRYWAY_TRACKER_STORE=redis (REDIS_URL); docs/operations.md says why SQL is the
  default. The SQL store is Rasa's, reading only a bounded recent window of a long
  conversation (rasa_env/tracker_store.py). Whichever store, it is one of
  rasa_env/tracker_store.py's, which store nothing rasa_env/redaction.py removes (a
  private status code, the answers of an anonymous submission).
- Whenever REDIS_URL is set, conversations are locked in Redis, so several Rasa
  processes (on one host or several) may serve the same conversation, one message at
  a time (Rasa's ticket lock, one script per step: rasa_env/lock_store.py). Without
  it, each conversation stays on one process (the app pins it).
- The action server is on this host's loopback; ENTRYWAY_ACTIONS_TOKEN, when set, goes
  with every call.

Printed rather than kept in endpoints.yml because which stores exist depends on the
environment; Rasa reads the printed file like any endpoints.yml."""

import os
import sys
from urllib.parse import unquote, urlsplit

import yaml

DEFAULT_DATABASE = "sqlite:///var/entryway.db"


def tracker_url(database_url: str) -> str:
    """The app's SQLAlchemy URL in the form the Rasa environment's drivers take."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql://" + database_url.removeprefix(prefix)
    if database_url.startswith("sqlite:///") and not database_url.startswith("sqlite:////"):
        # Relative to the checkout, as the app reads it; Rasa may run from elsewhere.
        return "sqlite:///" + os.path.abspath(database_url.removeprefix("sqlite:///"))
    return database_url


def redis(url: str) -> dict:
    parts = urlsplit(url)
    found = {"url": parts.hostname or "127.0.0.1", "port": parts.port or 6379}
    database = parts.path.lstrip("/")
    found["db"] = int(database) if database.isdigit() else 0
    if parts.password:
        found["password"] = unquote(parts.password)
    if parts.scheme == "rediss":
        found["use_ssl"] = True
    return found


def endpoints(environ: dict[str, str]) -> dict:
    actions = f"http://127.0.0.1:{environ.get('ENTRYWAY_ACTIONS_PORT', '5055')}/webhook"
    found: dict = {"action_endpoint": {"url": actions}}
    if environ.get("ENTRYWAY_ACTIONS_TOKEN"):
        found["action_endpoint"]["token"] = environ["ENTRYWAY_ACTIONS_TOKEN"]
    redis_url = environ.get("REDIS_URL")
    if environ.get("ENTRYWAY_TRACKER_STORE", "sql") == "redis":
        if not redis_url:
            raise SystemExit("ENTRYWAY_TRACKER_STORE=redis needs REDIS_URL")
        days = int(environ.get("ENTRYWAY_DRAFT_RETENTION_DAYS", "30"))
        found["tracker_store"] = {
            "type": "rasa_env.tracker_store.PrivateRedisTrackerStore",
            "key_prefix": "entryway:tracker:",
            # Conversations hold personal answers: Redis forgets idle ones after the
            # same time as drafts (each message renews it).
            "record_exp": days * 24 * 3600,
            # Nor is anything kept longer than this, however active it stays.
            "max_age_days": int(environ.get("ENTRYWAY_CONVERSATION_MAX_AGE_DAYS", "90")),
            **redis(redis_url),
        }
    else:
        # Rasa's SQL store reading a bounded window of long conversations
        # (rasa_env/tracker_store.py); ENTRYWAY_TRACKER_WINDOW=0 reads as Rasa's own does
        # (every event of the session), to compare.
        windowed = environ.get("ENTRYWAY_TRACKER_WINDOW", "1") != "0"
        store = "WindowedSQLTrackerStore" if windowed else "PrivateSQLTrackerStore"
        found["tracker_store"] = {
            "type": f"rasa_env.tracker_store.{store}",
            "url": tracker_url(environ.get("DATABASE_URL", DEFAULT_DATABASE)),
        }
    if redis_url:
        found["lock_store"] = {
            "type": "rasa_env.lock_store.RedisTicketLockStore",
            "key_prefix": "entryway",
            **redis(redis_url),
        }
    return found


if __name__ == "__main__":
    yaml.safe_dump(endpoints(dict(os.environ)), sys.stdout, sort_keys=False)
