"""What a sender tells the notifier about one message."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session


class Postpone(Exception):
    """The message cannot go yet (a card update before its card is posted); it is tried
    again after `delay` without counting as a failed attempt."""

    def __init__(self, delay: timedelta) -> None:
        super().__init__(f"not ready, postponed by {delay}")
        self.delay = delay


@dataclass(frozen=True)
class Sent:
    """A send that worked. `record`, if any, stores what the send produced (where a card
    was posted) in the same transaction that marks the message sent."""

    record: Callable[[Session], None] | None = None
