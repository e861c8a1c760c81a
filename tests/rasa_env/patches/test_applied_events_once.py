"""rasa_env/patches/applied_events_once.py: a tracker's applied events are Rasa's after every
event, however often they are asked for, and each caller's list is its own."""

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    BotUttered,
    Event,
    LoopInterrupted,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_env.patches.applied_events_once import APPLIED_EVENTS, applied_events
from rasa_env.patches.targets import original
from tests.support.dialogue_events import conversation, form_turn, said
from tests.support.patched_rasa import DOMAIN, apply_patches

apply_patches()
rasas_applied_events = original(APPLIED_EVENTS)


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN))


def interrupted_form() -> list[Event]:
    """A form asked "why?" in the middle (its unhappy path), rejected once, then resumed
    and interrupted by a second form: the loop executions Rasa folds and keeps."""
    return [
        *said("submit_proposal", "I want to submit a proposal"),
        ActionExecuted("proposal_form"),
        ActiveLoop("proposal_form"),
        SlotSet("requested_slot", "organisation"),
        *said("why", "why do you ask?"),
        ActionExecutionRejected("proposal_form"),
        ActionExecuted("utter_why"),
        BotUttered("Because"),
        ActionExecuted("proposal_form"),
        SlotSet("requested_slot", "organisation"),
        *form_turn("organisation", "Acme", "contact_name"),
        LoopInterrupted(True),
        *said("suggest_idea", "actually I have an idea"),
        ActionExecuted("idea_form"),
        ActiveLoop("idea_form"),
        *form_turn("idea_title", "Shade", "idea_text"),
        ActiveLoop(None),
        ActionExecuted("proposal_form"),
        *form_turn("contact_name", "Jane", "email"),
    ]


def test_it_is_what_the_launcher_puts_in_rasas_place() -> None:
    assert DialogueStateTracker.applied_events is applied_events


# Asked after every few events too: the next call then goes on over several, a revert or a
# new form among them.
@pytest.mark.parametrize("every", [1, 2, 3, 7])
@pytest.mark.parametrize(
    "events", [conversation, interrupted_form, lambda: interrupted_form() + conversation()]
)
def test_the_applied_events_are_rasas(domain: Domain, events, every: int) -> None:
    tracker = DialogueStateTracker("someone", domain.slots)
    for number, event in enumerate(events(), 1):
        tracker.update(event, domain)
        if number % every:
            continue
        expected = rasas_applied_events(tracker)
        for _ in range(2):  # worked out, then kept
            found = tracker.applied_events()
            assert all(a is b for a, b in zip(found, expected, strict=True)), event


def test_each_caller_gets_a_list_of_its_own(domain: Domain) -> None:
    tracker = DialogueStateTracker("someone", domain.slots)
    for event in conversation()[:20]:
        tracker.update(event, domain)
    first = tracker.applied_events()
    first.clear()
    assert tracker.applied_events() == rasas_applied_events(tracker) != []


def test_a_full_event_history_that_drops_its_oldest_is_worked_out_again(domain: Domain) -> None:
    """With a maximum history the deque keeps its length as events come: the first event
    then differs, and the last one."""
    tracker = DialogueStateTracker("someone", domain.slots, max_event_history=6)
    for event in conversation():
        tracker.update(event, domain)
        assert tracker.applied_events() == rasas_applied_events(tracker)


def test_a_copy_and_replaced_events_are_worked_out_on_their_own(domain: Domain) -> None:
    tracker = DialogueStateTracker("someone", domain.slots)
    for event in interrupted_form():
        tracker.update(event, domain)
    kept = tracker.applied_events()
    copy = tracker.copy()
    copy.update(ActionExecuted("utter_greet"), domain)
    assert copy.applied_events() == rasas_applied_events(copy) != kept
    assert tracker.applied_events() == kept
    tracker.events = tracker.events.__class__(list(tracker.events)[:5])
    assert tracker.applied_events() == rasas_applied_events(tracker)
