"""Every status look-up by reference, found or not, so repeated guessing of references
can be limited per chat identity."""

from datetime import timedelta

from sqlmodel import Session, select

from storage.models import StatusLookup, utcnow


def record_lookup(session: Session, sender_id: str, reference: str, found: bool) -> None:
    session.add(StatusLookup(sender_id=sender_id, reference=reference, found=found))
    session.flush()


def recent_lookups(session: Session, sender_id: str, window: timedelta) -> tuple[int, int]:
    """(all, not found) look-ups by this sender within the window."""
    since = utcnow() - window
    rows = session.exec(
        select(StatusLookup.found).where(
            StatusLookup.sender_id == sender_id, StatusLookup.at >= since
        )
    ).all()
    return len(rows), sum(1 for found in rows if not found)
