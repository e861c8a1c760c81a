"""Limits on what anyone can put before City staff: requests to talk to a person
(handoffs) and new submissions, per client and from everyone together, per hour
(ENTRYWAY_HANDOFF_LIMIT_*, ENTRYWAY_SUBMISSION_LIMIT_*).

Chat identities are free, so the client is not the identity but where the messages
come from: the address the app saw (bot/client_address.py), or the Slack user. The app
puts it in each message's Rasa metadata under CLIENT_KEY, overwriting anything a client
sent; the actions read it from the tracker's latest message. A conversation without it
(an action called by hand) counts as its own client.

Counted in the database (ClientIntake), in the same transaction as what is counted, so
the limits hold across hosts and restarts. A client's address is kept for the window
only: each new row removes those older than it, and the nightly purge the rest."""

import math
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, true
from sqlmodel import Session, col, select

from storage.models import ClientIntake, utcnow

CLIENT_KEY = "client"
WINDOW = timedelta(hours=1)


class Intake(StrEnum):
    handoff = "handoff"
    submission = "submission"


class Scope(StrEnum):
    client = "client"  # this client's own limit
    total = "total"  # everyone's together


@dataclass(frozen=True)
class Limits:
    per_client: int | None
    total: int | None


NO_LIMITS = Limits(None, None)


@dataclass(frozen=True)
class OverLimit:
    scope: Scope
    limit: int
    wait: timedelta  # until the oldest one counted leaves the window

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.wait.total_seconds() / 60))


def with_client(metadata: dict[str, Any] | None, client: str) -> dict[str, Any]:
    """Rasa message metadata with the client the app saw, whatever it said before."""
    return {**(metadata or {}), CLIENT_KEY: client}


def client_in(message: dict[str, Any] | None, sender_id: str) -> str:
    """The client of a Rasa message (tracker.latest_message): what the app put in its
    metadata, else the chat identity itself."""
    metadata = (message or {}).get("metadata")
    client = metadata.get(CLIENT_KEY) if isinstance(metadata, dict) else None
    return client[:128] if isinstance(client, str) and client else sender_id[:128]


def over_limit(session: Session, kind: Intake, client: str, limits: Limits) -> OverLimit | None:
    """The limit one more `kind` from `client` would go over, or None."""
    since = utcnow() - WINDOW
    checks = (
        (Scope.client, limits.per_client, ClientIntake.client == client),
        (Scope.total, limits.total, true()),
    )
    for scope, limit, which in checks:
        if limit is None:
            continue
        count, oldest = session.exec(
            select(func.count(), func.min(ClientIntake.at)).where(
                ClientIntake.kind == kind.value, col(ClientIntake.at) >= since, which
            )
        ).one()
        if count >= limit:
            return OverLimit(scope, limit, max(oldest - since, timedelta(0)))
    return None


def record(session: Session, kind: Intake, client: str) -> None:
    """Counts one `kind` from `client`, and forgets what is older than the window."""
    forget_old(session)
    session.add(ClientIntake(kind=kind.value, client=client[:128], at=utcnow()))


def forget_old(session: Session) -> int:
    """Removes what no limit counts any more; how many."""
    result = session.execute(delete(ClientIntake).where(col(ClientIntake.at) < utcnow() - WINDOW))
    return result.rowcount or 0
