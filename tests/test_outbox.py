"""The outbox on real SQLite and PostgreSQL: claimed atomically with a lease, sent once,
retried with backoff, re-sent once a dead sender's lease expires, never lost."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from storage import outbox
from storage.db import session_scope
from storage.models import OutboxMessage, OutboxState, utcnow

LEASE = timedelta(seconds=30)


def add(url: str, kind: str = "triage_card", key: str | None = None, **payload) -> bool:
    with session_scope(url) as session:
        return outbox.enqueue(session, kind, payload, dedupe_key=key)


def claim(url: str, owner: str, kinds=("triage_card",), lease: timedelta = LEASE):
    with session_scope(url) as session:
        return outbox.claim(session, owner, lease, list(kinds))


def row(url: str, message_id: int) -> OutboxMessage:
    with session_scope(url) as session:
        return session.get(OutboxMessage, message_id)


def test_a_dedupe_key_makes_a_message_exist_once(database_url):
    assert add(database_url, key="digest:2026-W48")
    assert not add(database_url, key="digest:2026-W48")
    assert add(database_url)  # without a key, every enqueue is a message
    assert add(database_url)
    with session_scope(database_url) as session:
        assert outbox.counts(session)["pending"] == 3


def test_claims_are_exclusive_and_only_of_the_kinds_asked(database_url):
    add(database_url, n=1)
    add(database_url, "handoff", n=2)
    [first] = claim(database_url, "a")
    assert first.kind == "triage_card" and first.payload == {"n": 1} and first.attempt == 1
    assert claim(database_url, "b") == []  # held by a, lease not expired
    [second] = claim(database_url, "b", ["handoff", "triage_card"])
    assert second.kind == "handoff"


def test_twenty_senders_at_once_claim_each_message_exactly_once(database_url):
    for n in range(40):
        add(database_url, n=n)
    claimed: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def sender(name: str) -> None:
        start.wait()
        while True:
            got = claim(database_url, name)
            if not got:
                return
            with lock:
                claimed.extend(c.id for c in got)

    threads = [threading.Thread(target=sender, args=(f"s{i}",)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 40


def test_sent_only_by_the_holder_of_the_claim(database_url):
    add(database_url)
    [held] = claim(database_url, "a")
    with session_scope(database_url) as session:
        assert not outbox.mark_sent(session, held.id, "b")
        assert outbox.mark_sent(session, held.id, "a")
    assert row(database_url, held.id).state is OutboxState.sent
    assert claim(database_url, "c") == []


def test_an_expired_lease_is_claimed_again_and_the_first_holder_loses_it(database_url):
    add(database_url)
    [dead] = claim(database_url, "dies-mid-send", lease=timedelta(milliseconds=200))
    time.sleep(0.4)
    [again] = claim(database_url, "survivor")
    assert again.id == dead.id and again.attempt == 2
    with session_scope(database_url) as session:
        assert not outbox.mark_sent(session, dead.id, "dies-mid-send")
        assert outbox.mark_sent(session, again.id, "survivor")


def test_failures_back_off_then_give_up_and_can_be_retried_by_staff(database_url):
    add(database_url)
    for attempt in range(1, 4):
        with session_scope(database_url) as session:
            session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        [held] = claim(database_url, "a")
        assert held.attempt == attempt
        with session_scope(database_url) as session:
            outbox.mark_failed(session, held.id, "a", "SlackApiError: boom", attempt, 3)
        waiting = row(database_url, held.id)
        assert waiting.last_error == "SlackApiError: boom"
        assert waiting.next_attempt_at > utcnow() + timedelta(seconds=5)
    assert row(database_url, held.id).state is OutboxState.dead
    with session_scope(database_url) as session:
        assert [m.id for m in outbox.troubled(session)] == [held.id]
        assert outbox.requeue(session, held.id)
    [again] = claim(database_url, "a")
    assert again.attempt == 1


def test_postponing_does_not_count_as_an_attempt(database_url):
    add(database_url)
    [held] = claim(database_url, "a")
    with session_scope(database_url) as session:
        outbox.postpone(session, held.id, "a", timedelta(0))
    [again] = claim(database_url, "a")
    assert again.attempt == 1


def test_backoff_grows_and_is_capped():
    delays = [outbox.retry_delay(n).total_seconds() for n in range(1, 20)]
    assert delays[0] == pytest.approx(10, rel=0.25)
    assert delays[3] == pytest.approx(80, rel=0.25)
    assert max(delays) <= 3600 * 1.2
