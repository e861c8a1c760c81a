"""`.venv-rasa/bin/python -m bench.tracker_stores`: what Rasa's persistent tracker stores
cost per message, as a conversation grows, on this machine: the SQL store on SQLite and
on PostgreSQL, and the Redis store. Each message is one retrieve and one save of the
conversation, as Rasa does; the figures decide the default (README, "Conversations that
survive a restart")."""

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

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("ENTRYWAY_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("ENTRYWAY_BENCH_REDIS_DB", "5")
LENGTHS = (1, 25, 100, 300)  # messages into one conversation
REPEATS = 30


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
    result, sent = {}, 0
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
    print(label, " ".join(f"{length}:{ms:.1f}ms" for length, ms in result.items()), flush=True)
    return result


async def main() -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    with tempfile.TemporaryDirectory() as folder:
        sqlite = SQLTrackerStore(domain, host=f"sqlite:///{folder}/tracker.db")
        await measure(sqlite, "SQL on SQLite     ")
    schema = f"bench_{secrets.token_hex(4)}"
    admin = sqlalchemy.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    try:
        postgres = SQLTrackerStore(domain, host=f"{POSTGRES}?options=-csearch_path%3D{schema}")
        await measure(postgres, "SQL on PostgreSQL ")
        postgres.engine.dispose()
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
