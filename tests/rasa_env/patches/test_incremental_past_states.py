"""rasa_env/patches/incremental_past_states.py: a tracker's dialogue states are Rasa's,
asked after every event and after every few."""

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_env.patches.incremental_past_states import PAST_STATES, past_states
from rasa_env.patches.targets import original
from tests.support.dialogue_events import conversation
from tests.support.patched_rasa import DOMAIN, apply_patches

apply_patches()


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN))


def test_it_is_what_the_launcher_puts_in_rasas_place() -> None:
    assert DialogueStateTracker.past_states is past_states


# After every few events too: then a revert and what follows it can come between two calls,
# leaving as many applied events as before but other ones.
@pytest.mark.parametrize("every", [1, 2, 3, 5, 7])
def test_states_go_on_from_the_last_call_and_equal_rasas(domain: Domain, every: int) -> None:
    rasas_past_states = original(PAST_STATES)
    tracker = DialogueStateTracker("someone", domain.slots)
    rasa = DialogueStateTracker("someone", domain.slots)
    for number, event in enumerate(conversation(), 1):
        for each in (tracker, rasa):
            each.update(event, domain)
        if number % every:
            continue
        for omit_unset_slots in (False, True, False):
            expected = rasas_past_states(rasa, domain, omit_unset_slots)
            assert tracker.past_states(domain, omit_unset_slots) == expected, event
            assert tracker.copy().past_states(domain, omit_unset_slots) == expected, event
        ignoring = {"ignore_rule_only_turns": True, "rule_only_data": {}}
        assert tracker.past_states(domain, **ignoring) == rasas_past_states(
            rasa, domain, **ignoring
        )


def test_each_call_gets_its_own_copies(domain: Domain) -> None:
    tracker = DialogueStateTracker("someone", domain.slots)
    for event in conversation()[:20]:
        tracker.update(event, domain)
    for state in tracker.past_states(domain):
        for part in state.values():
            part.clear()
    assert tracker.past_states(domain) == original(PAST_STATES)(tracker, domain)
