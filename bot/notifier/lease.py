"""What a sender does to keep to its claim (storage/outbox.py): it checks the claim is
still its own, for the rest of its send, before anything goes out; it marks a post in
doubt before sending it; and it stores what the channel answered as soon as it arrives."""

from dataclasses import dataclass
from datetime import timedelta

from storage import outbox
from storage.db import session_scope


class ClaimLost(Exception):
    """The claim expired or was taken over before the send went out: the message is the
    new holder's (or the next claim's) to send."""


@dataclass(frozen=True)
class Lease:
    database_url: str
    owner: str
    # How long a whole send may take: the claim must be held at least this long more
    # before a send begins.
    send_deadline: timedelta

    def begin(self, claim: outbox.Claim, *, doubt: bool) -> None:
        """Raises ClaimLost unless the claim is still held for the whole send; with
        `doubt` (a post that cannot be repeated harmlessly), marks it in doubt first."""
        with session_scope(self.database_url) as session:
            held = outbox.begin_send(session, claim.id, self.owner, self.send_deadline, doubt=doubt)
            if not held:
                raise ClaimLost(f"outbox #{claim.id}: claim lost before sending")

    def taken(self, claim: outbox.Claim, answer: dict) -> None:
        """The channel took the message and answered this."""
        with session_scope(self.database_url) as session:
            outbox.record_answer(session, claim.id, answer)

    def refused(self, claim: outbox.Claim) -> None:
        """The channel answered that it did not take the post; a doubt left by an earlier
        attempt stays (this answer says nothing of that one)."""
        if not claim.in_doubt:
            with session_scope(self.database_url) as session:
                outbox.not_taken(session, claim.id, self.owner)
