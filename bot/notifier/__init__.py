"""The notifier: the one sender of everything in the outbox (storage/outbox.py).

It claims due messages with a lease, hands each to the sender of its kind, and marks it
sent, failed (retried with backoff) or postponed. It runs in the scheduler process
(`python -m bot.scheduler`); any number of instances may run, on any number of hosts,
because a message is only ever held by one claim at a time.

A whole send (a Slack post with its look-ups, or the nine-odd commands of one e-mail)
ends within SEND_SHARE_OF_LEASE of the lease, cancelled if need be, so a sender that
keeps to its deadline still holds its claim when it marks the message sent; one that
does not (a paused process) is refused, and the message's next claim finds what the
channel answered."""

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.notifier import failures
from bot.notifier.email import EmailSender
from bot.notifier.lease import ClaimLost, Lease
from bot.notifier.results import Postpone, Sent
from bot.notifier.slack import SlackSender
from storage import outbox
from storage.db import session_scope
from storage.settings import Settings

logger = logging.getLogger("entryway.notifier")
Sender = Callable[[outbox.Claim], Awaitable[Sent]]
# Under half: what is left of the lease after a send that took its whole deadline is
# more than the send itself took, ample to mark the message sent.
SEND_SHARE_OF_LEASE = 0.4


class Notifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = timedelta(seconds=settings.outbox_lease_seconds)
        self.deadline = self.lease * SEND_SHARE_OF_LEASE
        lease = Lease(settings.database_url, self.owner, self.deadline)
        self.senders: dict[str, Sender] = {}
        if settings.slack_enabled:
            self.senders.update(SlackSender(settings, lease).senders())
        if settings.smtp_url:
            self.senders.update(EmailSender(settings, lease).senders())
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
            sent += self.send(claims[0])
        return sent

    def send(self, claim: outbox.Claim) -> bool:
        """Sends one claimed message and records how it went; True if it was sent."""
        try:
            result = asyncio.run(self.deliver(claim))
        except Postpone as wait:
            with session_scope(self.settings.database_url) as session:
                outbox.postpone(session, claim.id, self.owner, wait.delay)
            return False
        except ClaimLost:
            logger.warning("outbox #%s: claim lost before sending; left to its holder", claim.id)
            return False
        except Exception as problem:  # whatever failed, the message is retried, and shown
            error = failures.describe(problem, self.deadline)
            expected = isinstance(problem, failures.EXPECTED)  # the deadline too
            (logger.warning if expected else logger.exception)(
                "outbox #%s (%s) attempt %s failed: %s", claim.id, claim.kind, claim.attempt, error
            )
            with session_scope(self.settings.database_url) as session:
                outbox.mark_failed(
                    session,
                    claim.id,
                    self.owner,
                    error,
                    claim.attempt,
                    self.settings.outbox_max_attempts,
                    failures.retry_after(problem),
                )
            return False
        return self.settle(claim, result)

    async def deliver(self, claim: outbox.Claim) -> Sent:
        """The send itself, cancelled at the deadline (TimeoutError)."""
        async with asyncio.timeout(self.deadline.total_seconds()):
            return await self.senders[claim.kind](claim)

    def settle(self, claim: outbox.Claim, result: Sent) -> bool:
        """Marks a delivered message sent, if the claim is still live and this sender's."""
        with session_scope(self.settings.database_url) as session:
            if not outbox.mark_sent(session, claim.id, self.owner):
                logger.warning("outbox #%s: claim lost before it was marked sent", claim.id)
                return False
            if result.record is not None:
                result.record(session)
        return True
