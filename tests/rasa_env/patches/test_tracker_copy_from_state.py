"""rasa_env/patches/tracker_copy_from_state.py: a copy is what Rasa's replay of the events
gives, after every event of a conversation, and goes its own way after."""

from typing import Any

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ConversationResumed,
    FollowupAction,
    Restarted,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from rasa_env.patches.targets import original
from rasa_env.patches.tracker_copy_from_state import COPY, copy_tracker
from tests.support.dialogue_events import conversation
from tests.support.patched_rasa import DOMAIN, apply_patches

apply_patches()


def state_of(tracker: DialogueStateTracker) -> tuple[Any, ...]:
    slots = {name: (slot.value, slot.has_been_set) for name, slot in tracker.slots.items()}
    return (
        tracker.current_state(EventVerbosity.ALL),
        slots,
        tracker._paused,
        tracker.followup_action,
        tracker.latest_action,
        tracker.active_loop,
        tracker.latest_message,
        tracker.latest_bot_utterance,
        tracker.model_id,
    )


def besides_followup(tracker: DialogueStateTracker) -> tuple[Any, ...]:
    """The tracker's state but for what the processor clears without an event."""
    current, *rest = state_of(tracker)
    del current["followup_action"], rest[2]
    return current, rest[:-1]


def test_it_is_what_the_launcher_puts_in_rasas_place() -> None:
    assert DialogueStateTracker.copy is copy_tracker


def test_a_copy_is_rasas_replay_after_every_event_and_goes_its_own_way() -> None:
    domain = Domain.load(str(DOMAIN))
    replay = original(COPY)
    tracker = DialogueStateTracker("someone", domain.slots)
    tracker.model_id = "model"
    later = [
        ActionExecuted("proposal_form"),
        ActionExecutionRejected("proposal_form"),
        SlotSet("organisation", "Other"),
        ConversationResumed(),
    ]
    for event in conversation():
        tracker.update(event, domain)
        if isinstance(event, (FollowupAction, Restarted)):
            tracker.clear_followup_action()  # as Rasa's processor does before running it
        copied, replayed = tracker.copy(), replay(tracker)
        assert state_of(copied) == state_of(replayed), event
        for each in (copied, replayed):
            each.update_with_events(later, domain, override_timestamp=False)
        assert state_of(copied) == state_of(replayed), event
        assert besides_followup(tracker) == besides_followup(replay(tracker)), event


def test_a_tracker_keeping_only_its_latest_events_is_replayed_as_in_rasa() -> None:
    domain = Domain.load(str(DOMAIN))
    tracker = DialogueStateTracker("someone", domain.slots, max_event_history=5)
    for event in conversation()[:12]:
        tracker.update(event, domain)
    assert state_of(tracker.copy()) == state_of(original(COPY)(tracker))
