"""How handoff requests reach the triage channel without crowding it: triage cards and
reminders share the channel's posting rate (Slack allows about one post a second), and
a flood of requests, each with a post of its own, kept them waiting for hours.

A window opens with the first request after the last one closed and lasts WINDOW. In
it, up to POSTS_PER_WINDOW requests get a post of their own; every further one, and
every one over a per-client or total limit (storage/intake_limits.py), is only recorded,
and the window gets one summary post ("N more requests to talk to a person: see
`staff_cli handoffs`"), sent with the first such request and brought up to date once,
when the window closes. So a window costs the channel at most POSTS_PER_WINDOW + 1
posts, and every request is still listed for staff.

Requests are placed one at a time: each first locks the one HandoffPace row (an upsert,
which PostgreSQL locks to the end of the transaction and which takes SQLite's write
lock), so two at once never both take the window's last post or both queue a summary."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage import outbox
from storage.db import insert_for
from storage.models import HandoffDelivery, HandoffPace, HandoffRequest

POSTS_PER_WINDOW = 3
WINDOW = timedelta(minutes=10)
PACE_ROW = 1
SUMMARY = "handoff_summary"  # outbox kinds: the summary post, and its update at the close
SUMMARY_UPDATE = "handoff_summary_update"


@dataclass(frozen=True)
class Window:
    opened_at: datetime
    closes_at: datetime

    @property
    def payload(self) -> dict[str, str]:
        return {"opened_at": self.opened_at.isoformat(), "closes_at": self.closes_at.isoformat()}

    @classmethod
    def from_payload(cls, payload: dict) -> "Window":
        return cls(
            datetime.fromisoformat(payload["opened_at"]),
            datetime.fromisoformat(payload["closes_at"]),
        )


def locked(session: Session) -> HandoffPace:
    """The pace row, locked until this transaction ends. Call it first in the
    transaction: on SQLite, a transaction that read before its first write could not
    take the write lock once another had written."""
    statement = (
        insert_for(session, HandoffPace)
        .values(id=PACE_ROW, posts=0, summary_queued=False)
        .on_conflict_do_update(index_elements=[HandoffPace.id], set_={"id": PACE_ROW})
    )
    session.execute(statement)
    return session.exec(
        select(HandoffPace)
        .where(HandoffPace.id == PACE_ROW)
        .execution_options(populate_existing=True)
    ).one()


def place(
    session: Session, pace: HandoffPace, request: HandoffRequest, over_limit: bool
) -> HandoffDelivery:
    """Decides how `request` (stored, with its id) reaches staff, and queues its post or
    the window's summary; `pace` is the row `locked` returned."""
    now = request.created_at
    if pace.closes_at is None or pace.closes_at <= now:
        pace.opened_at, pace.closes_at = now, now + WINDOW
        pace.posts, pace.summary_queued = 0, False
    if not over_limit and pace.posts < POSTS_PER_WINDOW:
        pace.posts += 1
        outbox.enqueue(
            session,
            "handoff",
            {"handoff_id": request.id},
            dedupe_key=f"handoff:{request.id}",
        )
        delivery = HandoffDelivery.posted
    else:
        if not pace.summary_queued:
            window = Window(pace.opened_at, pace.closes_at)
            outbox.enqueue(
                session, SUMMARY, window.payload, dedupe_key=f"{SUMMARY}:{window.opened_at}"
            )
            pace.summary_queued = True
        delivery = HandoffDelivery.held if over_limit else HandoffDelivery.summarised
    session.add(pace)
    return delivery


def recorded_only(session: Session, window: Window) -> int:
    """How many requests of `window` had no post of their own."""
    return session.exec(
        select(func.count())
        .select_from(HandoffRequest)
        .where(
            HandoffRequest.delivery != HandoffDelivery.posted,
            col(HandoffRequest.created_at) >= window.opened_at,
            col(HandoffRequest.created_at) < window.closes_at,
        )
    ).one()


def queue_update(session: Session, window: Window, channel: str, ts: str) -> None:
    """Once the summary is posted: its update, when the window closes."""
    outbox.enqueue(
        session,
        SUMMARY_UPDATE,
        {**window.payload, "channel": channel, "ts": ts},
        dedupe_key=f"{SUMMARY_UPDATE}:{window.opened_at}",
        not_before=window.closes_at,
    )
