"""A tracker copied from the state its events left, not by replaying them all.

Replaces `DialogueStateTracker.copy`, which replays every event into a new tracker: Rasa
copies the tracker for every action it runs (3.1% of a Rasa server's busy time under
`make bench`). Here the copy is made from the state those events left (`_reset`'s fields,
which are all that events change; its source is checked too), the follow-up action as the
replay leaves it: 0.06 ms against 0.15 for the bench's 111-event conversation. A tracker
that keeps only its latest events (`max_event_history`), or whose follow-up action depends
on a revert, is replayed as before. Checked against the replay after every event of a
conversation with reverts, pauses, restarts and follow-up actions
(tests/rasa_env/patches/test_tracker_copy_from_state.py).
"""

import dataclasses

from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    FollowupAction,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_env.patches.targets import Target, original, replace

COPY = Target(
    "rasa.shared.core.trackers",
    "DialogueStateTracker.copy",
    "dfa48dca9f355ad1b42c625bc6f6370bafe83514ed17a77904ed64c67bf07285",
)
RESET = Target(
    "rasa.shared.core.trackers",
    "DialogueStateTracker._reset",
    "190858eaf560a0c0a86f45dca86498f8a9fada57ddb6c7dd1e68648c9779e103",
)
TARGETS = (COPY, RESET)
REPLAY_NEEDED = "\0replay"  # no action's name


def replayed_followup(tracker: DialogueStateTracker) -> str | None:
    """The follow-up action replaying the tracker's events would leave: the processor
    clears it without an event before running it, and a replay brings it back. The last
    event that sets it decides; REPLAY_NEEDED after a revert (which replays)."""
    for event in reversed(tracker.events):
        if isinstance(event, FollowupAction):
            return event.action_name
        if isinstance(event, (UserUttered, ActionExecuted)):
            return None
        if isinstance(event, Restarted):
            return ACTION_SESSION_START_NAME
        if isinstance(event, SessionStarted):
            return ACTION_LISTEN_NAME
        if isinstance(event, (UserUtteranceReverted, ActionReverted)):
            return REPLAY_NEEDED
    return ACTION_LISTEN_NAME


def copy_tracker(self: DialogueStateTracker) -> DialogueStateTracker:
    followup = replayed_followup(self)
    if self._max_event_history is not None or followup == REPLAY_NEEDED:
        return original(COPY)(self)
    copied = self.init_copy()
    copied.events = copied._create_events(list(self.events))
    for name, slot in self.slots.items():
        copied.slots[name].__dict__.update(slot.__dict__)
    copied._paused = self._paused
    copied.followup_action = followup
    copied.latest_action = dict(self.latest_action) if self.latest_action is not None else None
    copied.latest_message = self.latest_message
    copied.latest_bot_utterance = self.latest_bot_utterance
    if self.active_loop is not None:  # changed in place by later events
        copied.active_loop = dataclasses.replace(self.active_loop)
    return copied


def apply() -> None:
    replace(COPY, copy_tracker)
