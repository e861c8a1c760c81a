"""The outbox on real SQLite and PostgreSQL: claimed atomically with a lease, sent once,
retried with backoff, re-sent once a dead sender's lease expires, never lost."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from bot.scheduler import purge_personal_data
from storage import outbox
from storage.db import session_scope
from storage.models import OutboxMessage, OutboxState, utcnow
from storage.settings import get_settings

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


def test_marking_sent_is_refused_once_the_lease_has_expired(database_url):
    """Even when nobody has claimed the message again yet: its sender overran, and the
    next claim decides (by what the channel answered) whether anything is left to do."""
    add(database_url)
    [late] = claim(database_url, "late", lease=timedelta(milliseconds=200))
    time.sleep(0.4)
    with session_scope(database_url) as session:
        assert not outbox.mark_sent(session, late.id, "late")
    assert row(database_url, late.id).state is OutboxState.pending


def test_a_send_begins_only_with_the_claim_held_for_the_whole_send(database_url):
    add(database_url)
    [held] = claim(database_url, "a", lease=timedelta(seconds=10))
    with session_scope(database_url) as session:
        assert not outbox.begin_send(session, held.id, "a", timedelta(seconds=20), doubt=True)
        assert not outbox.begin_send(session, held.id, "b", timedelta(seconds=1), doubt=True)
    assert row(database_url, held.id).in_doubt_since is None
    with session_scope(database_url) as session:
        assert outbox.begin_send(session, held.id, "a", timedelta(seconds=1), doubt=True)
    assert row(database_url, held.id).in_doubt_since is not None


def test_the_channel_s_answer_and_any_doubt_reach_the_next_claim(database_url):
    add(database_url)
    [first] = claim(database_url, "a", lease=timedelta(milliseconds=300))
    assert first.answer is None and not first.in_doubt
    with session_scope(database_url) as session:
        outbox.begin_send(session, first.id, "a", timedelta(0), doubt=True)
    time.sleep(0.5)  # the sender died mid-post
    [second] = claim(database_url, "b")
    assert second.in_doubt and second.answer is None
    with session_scope(database_url) as session:
        outbox.record_answer(session, second.id, {"channel": "C1", "ts": "1.000001"})
        outbox.record_answer(session, second.id, {"channel": "C1", "ts": "2.000002"})
        outbox.mark_failed(session, second.id, "b", "later step failed", 2, 12)
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    [third] = claim(database_url, "c")
    assert third.answer == {"channel": "C1", "ts": "1.000001"}  # the first answer stays
    assert not third.in_doubt


def test_staff_cannot_requeue_a_message_being_sent(database_url):
    add(database_url)
    [held] = claim(database_url, "a")
    with session_scope(database_url) as session:
        assert not outbox.requeue(session, held.id)
        assert outbox.in_flight_until(session, held.id) == held.until
    assert row(database_url, held.id).claimed_by == "a"


def test_errors_are_stored_without_addresses(database_url):
    add(database_url)
    [held] = claim(database_url, "a")
    refusal = (
        "SMTPRecipientsRefused: {'ann.vendor@x.example': (550, b'5.1.1 "
        "<ann.vendor@x.example>: Recipient address rejected')} mailto:bo@y.example"
    )
    with session_scope(database_url) as session:
        outbox.mark_failed(session, held.id, "a", refusal, 1, 12)
    stored = row(database_url, held.id).last_error
    assert "@" not in stored and "550" in stored and "Recipient address rejected" in stored
    assert stored.count(outbox.ADDRESS_SHOWN_AS) == 3


def test_sent_messages_are_purged_after_the_retention_period(database_url):
    for n in range(4):
        add(database_url, n=n)
    with session_scope(database_url) as session:
        ids = [c.id for c in outbox.claim(session, "a", LEASE, ["triage_card"])]
        for message_id in ids[:3]:
            assert outbox.mark_sent(session, message_id, "a")
    old_sent, recent_sent, week_old_sent, old_pending = ids

    def age(message_id: int, days: float) -> None:
        with session_scope(database_url) as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(
                    sent_at=utcnow() - timedelta(days=days),
                    created_at=utcnow() - timedelta(days=days),
                )
            )

    age(old_sent, 31)
    age(recent_sent, 29)
    age(week_old_sent, 3)
    age(old_pending, 40)
    with session_scope(database_url) as session:
        assert outbox.purge_sent(session, timedelta(days=30)) == 1
        # A short retention still keeps a week: the digest's key must outlive its week.
        assert outbox.purge_sent(session, timedelta(days=1)) == 1
    with session_scope(database_url) as session:
        left = {m.id for m in session.exec(select(OutboxMessage)).all()}
    assert left == {week_old_sent, old_pending}


def test_the_nightly_retention_job_purges_sent_messages(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ENTRYWAY_DRAFT_RETENTION_DAYS", "10")
    get_settings.cache_clear()
    add(database_url)
    [held] = claim(database_url, "a")
    with session_scope(database_url) as session:
        assert outbox.mark_sent(session, held.id, "a")
        session.execute(update(OutboxMessage).values(sent_at=utcnow() - timedelta(days=11)))
    try:
        purge_personal_data()
    finally:
        get_settings.cache_clear()
    assert row(database_url, held.id) is None
