"""Requests to talk to a person: stored, counted against their client's limits
(storage/intake_limits.py) and placed in the triage channel's posts
(storage/handoff_pace.py) in the same transaction."""

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, func, select

from storage import handoff_pace, intake_limits
from storage.contacts import submitted_by
from storage.languages import DEFAULT_LANGUAGE, language_or_default
from storage.models import HandoffRequest, utcnow
from storage.submissions import get_submission


@dataclass(frozen=True)
class RecordedHandoff:
    request: HandoffRequest
    # The limit it went over (the person is told; staff still see the request), or None.
    over_limit: intake_limits.OverLimit | None


def create_handoff(
    session: Session,
    sender_id: str,
    channel: str,
    topic: str,
    contact: str | None,
    reference: str | None,
    *,
    client: str | None = None,
    limits: intake_limits.Limits = intake_limits.NO_LIMITS,
    language: str = DEFAULT_LANGUAGE,
) -> RecordedHandoff:
    """Stores the request, counted against its client's limits, and in the same
    transaction its post to the triage channel or its place in the window's summary
    post (storage/handoff_pace.py)."""
    pace = handoff_pace.locked(session)  # first: see there
    client = client or sender_id
    over = intake_limits.over_limit(session, intake_limits.Intake.handoff, client, limits)
    intake_limits.record(session, intake_limits.Intake.handoff, client)
    submission = get_submission(session, reference) if reference else None
    request = HandoffRequest(
        sender_id=sender_id,
        channel=channel,
        topic=topic,
        contact=contact,
        reference=reference,
        reference_verified=submission is not None and submitted_by(session, submission, sender_id),
        language=language_or_default(language),
    )
    session.add(request)
    session.flush()
    request.delivery = handoff_pace.place(session, pace, request, over is not None)
    session.add(request)
    return RecordedHandoff(request, over)


def recent_handoffs(session: Session, sender_id: str, window: timedelta) -> int:
    since = utcnow() - window
    return session.exec(
        select(func.count())
        .select_from(HandoffRequest)
        .where(HandoffRequest.sender_id == sender_id, HandoffRequest.created_at >= since)
    ).one()


def list_handoffs(session: Session, limit: int | None = 100) -> list[HandoffRequest]:
    """Newest first; every one with no limit."""
    return list(
        session.exec(select(HandoffRequest).order_by(col(HandoffRequest.id).desc()).limit(limit))
    )
