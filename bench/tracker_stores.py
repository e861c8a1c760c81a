"""`.venv-rasa/bin/python -m bench.tracker_stores`: what Rasa's persistent tracker stores
cost per message, as a conversation grows, on this machine: the SQL store on SQLite and
on PostgreSQL, and the Redis store. Each message is one retrieve and one save of the
conversation, as Rasa does; the figures decide the default (docs/operations.md, "Conversations
that survive a restart"). Each SQL store is also measured as the windowed one Entryway
runs (rasa_env/tracker_store.py; docs/architecture.md), alternating with Rasa's own."""

import asyncio
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy
from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from rasa_env.tracker_store import WindowedSQLTrackerStore

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("ENTRYWAY_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("ENTRYWAY_BENCH_REDIS_DB", "5")
LENGTHS = (1, 25, 100, 300)  # messages into one conversation
REPEATS = 30
ROUNDS = 3  # stock and windowed alternate; the machine is shared and noisy


def one_message(number: int) -> list:
    """What one form turn adds to a conversation: the message, a slot, the action, a reply."""
    return [
        UserUttered(f"answer {number}", {"name": "inform", "confidence": 0.9}),
        SlotSet("requested_slot", f"slot_{number % 20}"),
        ActionExecuted("proposal_form"),
        BotUttered(f"question {number}"),
        ActionExecuted("action_listen"),
    ]


async def measure(store, label: str) -> dict[int, float]:
    sender = f"bench-{secrets.token_hex(6)}"
    tracker = await store.get_or_create_tracker(sender)
    result: dict[int, float] = {}
    tail: dict[int, float] = {}
    sent = 0
    for length in LENGTHS:
        while sent < length - 1:
            for event in one_message(sent):
                tracker.update(event)
            await store.save(tracker)
            sent += 1
        timings = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            tracker = await store.retrieve(sender)
            for event in one_message(sent):
                tracker.update(event)
            await store.save(tracker)
            timings.append((time.perf_counter() - started) * 1000)
            sent += 1
        result[length] = statistics.median(timings)
        tail[length] = statistics.quantiles(timings, n=20, method="inclusive")[-1]
    print(
        label,
        " ".join(f"{n}:{ms:.1f}ms(p95 {tail[n]:.1f})" for n, ms in result.items()),
        flush=True,
    )
    return result


async def main() -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(ROUNDS):
            sqlite = SQLTrackerStore(domain, host=f"sqlite:///{folder}/tracker.db")
            await measure(sqlite, "SQL on SQLite     ")
            windowed = WindowedSQLTrackerStore(domain, host=f"sqlite:///{folder}/tracker.db")
            await measure(windowed, "windowed, SQLite  ")
    schema = f"bench_{secrets.token_hex(4)}"
    admin = sqlalchemy.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    try:
        url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
        for _ in range(ROUNDS):
            postgres = SQLTrackerStore(domain, host=url)
            await measure(postgres, "SQL on PostgreSQL ")
            postgres.engine.dispose()
            windowed = WindowedSQLTrackerStore(domain, host=url)
            await measure(windowed, "windowed, Postgres")
            windowed.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
    redis = RedisTrackerStore(domain, host="127.0.0.1", db=int(REDIS), key_prefix=schema)
    try:
        await measure(redis, "Redis             ")
    finally:
        for key in redis.red.scan_iter(f"{schema}*"):
            redis.red.delete(key)


if __name__ == "__main__":
    asyncio.run(main())
