"""The outbox: everything that must be sent to someone (triage cards and their updates,
handoff posts, messages to submitters, reminders) is a row written in the same
transaction as the change that causes it. The notifier (bot/notifier) claims rows with
an atomic conditional UPDATE and a lease, sends them, and marks them sent; a failed send
is retried with backoff, and a row whose sender died mid-send is claimed again once its
lease has expired, so nothing is lost.

Nothing is sent twice either: a sender holds a claim for one send, finishes (or gives up)
well within its lease, and may only mark the message sent while its lease is live; what
the channel answered is stored the moment it arrives, so a later attempt knows the
message was taken, and a post that went out unanswered is marked "in doubt" beforehand,
so the next attempt looks for it first."""

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from storage.db import insert_once
from storage.models import OutboxMessage, OutboxState, utcnow

# Backoff after the n-th failure: 10 s, 20 s, 40 s ... capped at one hour, with jitter
# so that many messages failing together (Slack down) do not retry in lockstep.
FIRST_RETRY = timedelta(seconds=10)
LONGEST_RETRY = timedelta(hours=1)
# A sent message's dedupe key must outlive the time its writer could write it again: the
# weekly digest is planned for the latest week, so its key is kept at least that long.
SHORTEST_KEEP = timedelta(days=8)
# Where an error text is cut into words, to find the e-mail addresses among them (a
# split, not a pattern around "@", so that a long text costs linear time).
_WORD_BREAKS = re.compile(r"""([\s<>()\[\]{}'",;]+)""")
ADDRESS_SHOWN_AS = "[address]"


def enqueue(
    session: Session,
    kind: str,
    payload: dict,
    *,
    submission_id: int | None = None,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Adds a message to send; False when one with the same dedupe key already exists
    (so a job that runs twice, or on two hosts, still sends it once)."""
    values = {
        "kind": kind,
        "payload": payload,
        "submission_id": submission_id,
        "dedupe_key": dedupe_key,
        "state": OutboxState.pending,
        "created_at": utcnow(),
        "next_attempt_at": not_before or utcnow(),
        "attempts": 0,
    }
    if dedupe_key is None:
        session.add(OutboxMessage(**values))
        return True
    return (
        insert_once(session, OutboxMessage, values, OutboxMessage.dedupe_key, OutboxMessage.id)
        is not None
    )


def touch_unclaimed(session: Session, kind: str, submission_id: int) -> bool:
    """Whether an unsent, unclaimed message of this kind about this submission exists, found
    by an UPDATE that locks it until this transaction ends: a sender cannot claim it (and
    send what it says of the submission now) before the caller's change is committed."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.kind == kind,
            OutboxMessage.submission_id == submission_id,
            OutboxMessage.state == OutboxState.pending,
            col(OutboxMessage.claimed_by).is_(None),
        )
        .values(next_attempt_at=utcnow())
    )
    return result.rowcount > 0


def pending_for(session: Session, kind: str, submission_id: int) -> list[OutboxMessage]:
    """Unsent messages of one kind about one submission."""
    return list(
        session.exec(
            select(OutboxMessage).where(
                OutboxMessage.kind == kind,
                OutboxMessage.submission_id == submission_id,
                OutboxMessage.state == OutboxState.pending,
            )
        )
    )


def _claimable(now: datetime):
    return (
        OutboxMessage.state == OutboxState.pending,
        col(OutboxMessage.next_attempt_at) <= now,
        or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now),
    )


@dataclass(frozen=True)
class Claim:
    """A message this sender may send until `until`; `attempt` counts from 1. `answer`
    is what the channel answered to an earlier attempt that was taken; `in_doubt` says an
    earlier post went out and nobody heard whether it was taken."""

    id: int
    kind: str
    payload: dict
    submission_id: int | None
    attempt: int
    until: datetime
    answer: dict | None = None
    in_doubt: bool = False


def claim(
    session: Session, owner: str, lease: timedelta, kinds: Sequence[str], limit: int = 20
) -> list[Claim]:
    """Claims up to `limit` due messages of these kinds for `owner`, oldest first.

    Each claim is a conditional UPDATE of one row that only succeeds while the row is
    still claimable, so two senders (threads, processes, hosts) never hold the same
    message; a row whose lease expired is claimable again."""
    now = utcnow()
    candidates = session.exec(
        select(OutboxMessage.id)
        .where(*_claimable(now), col(OutboxMessage.kind).in_(kinds))
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    ).all()
    claimed = []
    until = now + lease
    for message_id in candidates:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, *_claimable(now))
            .values(
                claimed_by=owner,
                claimed_until=until,
                attempts=OutboxMessage.attempts + 1,
            )
        )
        if result.rowcount == 1:
            row = session.get(OutboxMessage, message_id)
            session.refresh(row)
            claimed.append(
                Claim(
                    row.id,
                    row.kind,
                    dict(row.payload),
                    row.submission_id,
                    row.attempts,
                    until,
                    dict(row.answer) if row.answer else None,
                    row.in_doubt_since is not None,
                )
            )
    return claimed


def _owned(message_id: int, owner: str):
    return (
        OutboxMessage.id == message_id,
        OutboxMessage.claimed_by == owner,
        OutboxMessage.state == OutboxState.pending,
    )


def begin_send(
    session: Session, message_id: int, owner: str, needed: timedelta, *, doubt: bool
) -> bool:
    """Whether the claim is still this sender's for at least `needed` (the rest of its
    send); committed before anything goes out. With `doubt`, the message is marked in doubt
    until an answer is stored, so that if the sender dies or gives up waiting the next
    attempt looks for the post before posting again."""
    held = (*_owned(message_id, owner), col(OutboxMessage.claimed_until) > utcnow() + needed)
    if not doubt:
        return session.exec(select(OutboxMessage.id).where(*held)).first() is not None
    result = session.execute(
        update(OutboxMessage)
        .where(*held)
        .values(in_doubt_since=func.coalesce(OutboxMessage.in_doubt_since, utcnow()))
    )
    return result.rowcount == 1


def not_taken(session: Session, message_id: int, owner: str) -> None:
    """The channel refused the post (it answered, with an error): no doubt is left of
    this attempt. Only for an attempt that began without doubt from an earlier one."""
    session.execute(
        update(OutboxMessage).where(*_owned(message_id, owner)).values(in_doubt_since=None)
    )


def record_answer(session: Session, message_id: int, answer: dict) -> None:
    """Stores what the channel answered when it took the message, whoever holds the
    claim now: it is a fact about the channel, and the next attempt must know it. The
    first answer stays (a later one could only come from a repeated post)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, col(OutboxMessage.answer).is_(None))
        .values(answer=answer, in_doubt_since=None)
    )


def mark_sent(session: Session, message_id: int, owner: str) -> bool:
    """Records a successful send; False if the claim expired or was taken over meanwhile
    (the message is then claimed again, and its stored answer says it was taken)."""
    result = session.execute(
        update(OutboxMessage)
        .where(*_owned(message_id, owner), col(OutboxMessage.claimed_until) > utcnow())
        .values(
            state=OutboxState.sent,
            sent_at=utcnow(),
            claimed_until=None,
            last_error=None,
            in_doubt_since=None,
        )
    )
    return result.rowcount == 1


def retry_delay(attempt: int) -> timedelta:
    delay = min(FIRST_RETRY * 2 ** max(attempt - 1, 0), LONGEST_RETRY)
    return delay * random.uniform(0.8, 1.2)


def mark_failed(
    session: Session,
    message_id: int,
    owner: str,
    error: str,
    attempt: int,
    max_attempts: int,
    retry_after: timedelta | None = None,
) -> None:
    """Releases a failed claim: retried after a backoff, or given up after max_attempts."""
    give_up = attempt >= max_attempts
    session.execute(
        update(OutboxMessage)
        .where(*_owned(message_id, owner))
        .values(
            state=OutboxState.dead if give_up else OutboxState.pending,
            claimed_by=None,
            claimed_until=None,
            last_error=without_addresses(error[:2000])[:1000],
            next_attempt_at=utcnow() + (retry_after or retry_delay(attempt)),
        )
    )


def without_addresses(error: str) -> str:
    """An error text fit to store and show: every word with an "@" in it (an e-mail
    address an SMTP server echoed, a mailto: link) is replaced."""
    return "".join(ADDRESS_SHOWN_AS if "@" in word else word for word in _WORD_BREAKS.split(error))


def postpone(session: Session, message_id: int, owner: str, delay: timedelta) -> None:
    """Releases a claim without counting an attempt: the message is not ready yet."""
    session.execute(
        update(OutboxMessage)
        .where(*_owned(message_id, owner))
        .values(
            claimed_by=None,
            claimed_until=None,
            attempts=OutboxMessage.attempts - 1,
            next_attempt_at=utcnow() + delay,
        )
    )


def troubled(session: Session, limit: int = 100) -> list[OutboxMessage]:
    """Messages that failed at least once and are not sent yet, most attempts first."""
    return list(
        session.exec(
            select(OutboxMessage)
            .where(
                OutboxMessage.state != OutboxState.sent, col(OutboxMessage.last_error).is_not(None)
            )
            .order_by(col(OutboxMessage.attempts).desc(), col(OutboxMessage.id))
            .limit(limit)
        )
    )


def counts(session: Session) -> dict[str, int]:
    """How many messages are pending, sent and dead."""
    found = dict(
        session.exec(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all()
    )
    return {state.value: found.get(state, 0) for state in OutboxState}


def requeue(session: Session, message_id: int) -> bool:
    """Gives a dead (or failing) message a fresh set of attempts, at once. Refused (False)
    for a message being sent right now (see `in_flight_until`): clearing a live claim
    would let a second sender send it while the first one still is. What the channel
    answered, and any doubt, is kept: a message it took is not sent again."""
    now = utcnow()
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.state != OutboxState.sent,
            or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now),
        )
        .values(
            state=OutboxState.pending,
            attempts=0,
            next_attempt_at=utcnow(),
            claimed_by=None,
            claimed_until=None,
        )
    )
    return result.rowcount == 1


def in_flight_until(session: Session, message_id: int) -> datetime | None:
    """Until when a sender holds this message, if one does now."""
    until = session.exec(
        select(OutboxMessage.claimed_until).where(
            OutboxMessage.id == message_id, OutboxMessage.state == OutboxState.pending
        )
    ).first()
    return until if until is not None and until > utcnow() else None


def purge_sent(session: Session, older_than: timedelta) -> int:
    """Deletes messages sent longer ago than `older_than` (at least SHORTEST_KEEP): they
    name who was told what and when, which is kept no longer than the drafts."""
    cutoff = utcnow() - max(older_than, SHORTEST_KEEP)
    result = session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.state == OutboxState.sent, col(OutboxMessage.sent_at) < cutoff
        )
    )
    return result.rowcount or 0
