"""Each custom action call carries the conversation's last two turns, not all of it.

Replaces `RemoteAction._action_call_format`, which sends every event of the conversation
with each call to the action server: 15 KB of JSON for the bench conversation's second
call, 40 KB for its last, built and sent by Rasa and read by the action server again for
every form turn. Here the events start at the user message before the latest one;
everything else the call carries (slots, the latest message, the active loop, the latest
action) is Rasa's, as is the domain. On the bench's conversation, one call at a time
(docs/performance/2026-12-07-python-311.md): 0.19 ms less of a Rasa server's CPU per
message (lower in 11 of 12 alternating rounds) and 0.28 ms less of the action server's, a
fifth of it.

That is all Entryway's actions and rasa-sdk read of the events: the slot events a form
has just added (`Tracker.slots_to_validate`), the latest user event's input channel, and
the action before the latest message (actions/clarify.py). An action that needs more of
the conversation must not be written against this window: switched off
(ENTRYWAY_RASA_PATCHES=-action_call_window), every call carries every event, as in Rasa.
domain_digest replaces the same function after this patch and calls this one.
"""

import itertools
from collections.abc import Sequence
from typing import Any

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from rasa_env.patches.targets import Target, replace

CALL_FORMAT = Target(
    "rasa.core.actions.action",
    "RemoteAction._action_call_format",
    "428795b944f22edba142d278ec47a30098975b01463ba337ec447dade52a0492",
)
TARGETS = (CALL_FORMAT,)
TURNS = 2  # the latest user message and the one before it, with what followed each


def window(events: Sequence[Event]) -> list[Event]:
    """The events from the `TURNS`th user message from the end (all, with fewer)."""
    seen = 0
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            seen += 1
            if seen == TURNS:
                return list(itertools.islice(events, index, None))
    return list(events)


def action_call_format(
    self: RemoteAction, tracker: DialogueStateTracker, domain: Domain
) -> dict[str, Any]:
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in window(tracker.events)]
    result = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(
        self.name()
    ):
        result["domain"] = domain.as_dict()
    return result


def apply() -> None:
    replace(CALL_FORMAT, action_call_format)
