"""A tracker's applied events worked out once per state of its events, by event class.

Replaces `DialogueStateTracker.applied_events`, which walks the whole conversation twice
for each call, and is called many times per message (the session check, each
prediction's dialogue states, the forms' unhappy-path checks), with an `isinstance`
against Rasa's abstract event classes for each event: about 6% of a Rasa server's CPU
at 20 users under `make bench`, half of it in `ABCMeta.__instancecheck__`. Here what each
event class does to the list is looked up once per class (the same `issubclass` tests, in
Rasa's order), and the result is kept on the tracker with what it was worked out from:
the events' deque, its length and its first and last event objects. Rasa only appends to
that deque (a full one drops its first event), so a call with the same four has the same
applied events; each call gets a list of its own, as Rasa's callers expect.
"""

import itertools
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_env.patches.targets import Target, replace

APPLIED_EVENTS = Target(
    "rasa.shared.core.trackers",
    "DialogueStateTracker.applied_events",
    "764d5065ea9997d613c1984d9357370f9ae32d31ca21346086f16c54f0487aae",
)
TARGETS = (APPLIED_EVENTS,)
WORKED_OUT = "_entryway_applied_events"

# What an event of a class does to the applied events, in the order Rasa's loop asks.
STARTS_OVER, UNDOES_ACTION, UNDOES_UTTERANCE, ACTION, OTHER = range(5)
_kinds: dict[type, int] = {}
_loops: dict[type, bool] = {}


def _kind(cls: type) -> int:
    kind = _kinds.get(cls)
    if kind is None:
        if issubclass(cls, (Restarted, SessionStarted)):
            kind = STARTS_OVER
        elif issubclass(cls, ActionReverted):
            kind = UNDOES_ACTION
        elif issubclass(cls, UserUtteranceReverted):
            kind = UNDOES_UTTERANCE
        elif issubclass(cls, ActionExecuted):
            kind = ACTION
        else:
            kind = OTHER
        _kinds[cls] = kind
    return kind


def _is_loop(cls: type) -> bool:
    found = _loops.get(cls)
    if found is None:
        found = _loops[cls] = issubclass(cls, ActiveLoop)
    return found


def _loop_names(events: Iterable[Event]) -> set[str]:
    return {event.name for event in events if _is_loop(type(event)) and event.name}  # type: ignore[attr-defined]


def _go_on(
    tracker: DialogueStateTracker,
    applied: list[Event],
    events: Iterable[Event],
    loop_names: set[str],
) -> list[Event]:
    """Rasa's loop from where `applied` left off, with each event's class looked up
    instead of tested."""
    for event in events:
        kind = _kind(type(event))
        if kind == STARTS_OVER:
            applied = []
        elif kind == UNDOES_ACTION:
            tracker._undo_till_previous(ActionExecuted, applied)
        elif kind == UNDOES_UTTERANCE:
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            kind == ACTION
            and event.action_name in loop_names  # type: ignore[attr-defined]
            and not tracker._first_loop_execution_or_unhappy_path(
                event.action_name,  # type: ignore[attr-defined]
                applied,
            )
        ):
            tracker._undo_till_previous_loop_execution(
                event.action_name,  # type: ignore[attr-defined]
                applied,
            )
        else:
            applied.append(event)
    return applied


@dataclass(frozen=True)
class WorkedOut:
    """The applied events of a tracker's first `length` events, and what they were
    worked out from."""

    events: deque
    length: int
    first: Event | None
    last: Event | None
    loop_names: frozenset[str]
    applied: tuple[Event, ...]

    def still_begins(self, events: deque) -> bool:
        """Whether `events` are these ones with others appended, if any."""
        return (
            events is self.events
            and len(events) >= self.length
            and (
                self.length == 0
                or (events[0] is self.first and events[self.length - 1] is self.last)
            )
        )


def applied_events(self: DialogueStateTracker) -> list[Event]:
    events = self.events
    kept: WorkedOut | None = self.__dict__.get(WORKED_OUT)
    if kept is not None and kept.still_begins(events):
        if len(events) == kept.length:
            return list(kept.applied)
        added = list(itertools.islice(events, kept.length, None))
        if _loop_names(added) <= kept.loop_names:
            applied = _go_on(self, list(kept.applied), added, set(kept.loop_names))
            return _keep(self, events, kept.loop_names, applied)
    loop_names = _loop_names(events)
    return _keep(self, events, frozenset(loop_names), _go_on(self, [], events, loop_names))


def _keep(
    tracker: DialogueStateTracker, events: deque, loop_names: frozenset[str], applied: list[Event]
) -> list[Event]:
    tracker.__dict__[WORKED_OUT] = WorkedOut(
        events,
        len(events),
        events[0] if events else None,
        events[-1] if events else None,
        loop_names,
        tuple(applied),
    )
    return applied


def apply() -> None:
    replace(APPLIED_EVENTS, applied_events)
