"""The keys of Slack events and requests already handled, so a retry or a replay is
handled once, on any instance. Forgetting old keys is retention's job
(storage/retention.py)."""

from sqlmodel import Session

from storage.db import insert_once
from storage.models import SlackDelivery, utcnow


def first_sight(session: Session, key: str) -> bool:
    """Records a Slack event or request key; False when it was seen before (a retry or a
    replay), on this instance or any other, before a restart or after."""
    values = {"key": key, "seen_at": utcnow()}
    return (
        insert_once(session, SlackDelivery, values, SlackDelivery.key, SlackDelivery.key)
        is not None
    )
