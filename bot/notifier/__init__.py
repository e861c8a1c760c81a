"""The notifier: the one sender of everything in the outbox (storage/outbox.py).

It claims due messages with a lease, hands each to the sender of its kind, and marks it
sent, failed (retried with backoff) or postponed. It runs in the scheduler process
(`python -m bot.scheduler`); any number of instances may run, on any number of hosts,
because a message is only ever held by one claim at a time."""

import logging
import os
import smtplib
import socket
import uuid
from collections.abc import Callable
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.notifier.email import EmailSender
from bot.notifier.results import Postpone, Sent
from bot.notifier.slack import SlackSender
from storage import outbox
from storage.db import session_scope
from storage.settings import Settings

logger = logging.getLogger("entryway.notifier")
Sender = Callable[[outbox.Claim], Sent]


class Notifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = timedelta(seconds=settings.outbox_lease_seconds)
        self.senders: dict[str, Sender] = {}
        if settings.slack_enabled:
            self.senders.update(SlackSender(settings).senders())
        if settings.smtp_url:
            self.senders.update(EmailSender(settings).senders())
        logger.info(
            "notifier %s: sends %s", self.owner, ", ".join(sorted(self.senders)) or "nothing"
        )

    def run_once(self, limit: int = 50) -> int:
        """Sends what is due, one claim at a time (a claim's lease covers one send, never a
        queue of them); returns how many messages were sent."""
        sent = 0
        for _ in range(limit if self.senders else 0):
            with session_scope(self.settings.database_url) as session:
                claims = outbox.claim(session, self.owner, self.lease, list(self.senders), 1)
            if not claims:
                break
            sent += self._send(claims[0])
        return sent

    def _send(self, claim: outbox.Claim) -> bool:
        try:
            result = self.senders[claim.kind](claim)
        except Postpone as wait:
            with session_scope(self.settings.database_url) as session:
                outbox.postpone(session, claim.id, self.owner, wait.delay)
            return False
        except Exception as problem:  # whatever failed, the message is retried, and shown
            retry_after = _retry_after(problem)
            expected = isinstance(problem, (SlackApiError, OSError, smtplib.SMTPException))
            (logger.warning if expected else logger.exception)(
                "outbox #%s (%s) attempt %s failed: %s",
                claim.id,
                claim.kind,
                claim.attempt,
                problem,
            )
            with session_scope(self.settings.database_url) as session:
                outbox.mark_failed(
                    session,
                    claim.id,
                    self.owner,
                    f"{type(problem).__name__}: {problem}",
                    claim.attempt,
                    self.settings.outbox_max_attempts,
                    retry_after,
                )
            return False
        with session_scope(self.settings.database_url) as session:
            if not outbox.mark_sent(session, claim.id, self.owner):
                logger.warning("outbox #%s: claim lost before it was marked sent", claim.id)
                return False
            if result.record is not None:
                result.record(session)
        return True


def _retry_after(problem: Exception) -> timedelta | None:
    """Slack's own wait when it rate-limits us (HTTP 429 with Retry-After)."""
    response = getattr(problem, "response", None)
    if response is None or getattr(response, "status_code", None) != 429:
        return None
    try:
        return timedelta(seconds=float(response.headers.get("Retry-After", "30")))
    except (TypeError, ValueError):
        return timedelta(seconds=30)
