"""rasa_env/patches/action_call_window.py: a custom action call is Rasa's call with the
events cut to the last two turns: everything else as Rasa sends it, the events from the
user message before the latest one, all of them while there are fewer."""

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_env.patches import domain_digest
from rasa_env.patches.action_call_window import CALL_FORMAT, action_call_format, window
from rasa_env.patches.targets import original, source_hash
from tests.support.dialogue_events import conversation
from tests.support.patched_rasa import DOMAIN, apply_patches

apply_patches()


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN))


def test_domain_digest_goes_on_from_it_and_both_check_rasas_source() -> None:
    assert original(domain_digest.CALL_FORMAT) is action_call_format
    assert source_hash(CALL_FORMAT) == CALL_FORMAT.sha256
    assert source_hash(domain_digest.CALL_FORMAT) == domain_digest.CALL_FORMAT.sha256


def test_after_every_event_the_call_is_rasas_with_the_last_two_turns(domain: Domain) -> None:
    rasas = original(CALL_FORMAT)
    action = RemoteAction("action_clarify", EndpointConfig("http://127.0.0.1:1/webhook"))
    tracker = DialogueStateTracker("someone", domain.slots)
    for event in conversation():
        tracker.update(event, domain)
        expected = rasas(action, tracker, domain)
        found = action_call_format(action, tracker, domain)
        every = expected["tracker"].pop("events")
        sent = found["tracker"].pop("events")
        assert found == expected
        users = [i for i, e in enumerate(every) if e["event"] == UserUttered.type_name]
        assert sent == every[users[-2] if len(users) >= 2 else 0 :]


def test_the_slots_a_form_just_added_and_the_action_before_the_message_are_in_it() -> None:
    """What the actions read: rasa-sdk's slots_to_validate, and actions/clarify.py's look
    back to the action before the latest message."""
    events = conversation()
    users = [i for i, e in enumerate(events) if isinstance(e, UserUttered)]
    added = [SlotSet("organisation", "Acme"), SlotSet("requested_slot", "email")]
    cut = window([*events, *added])
    assert cut[0] is events[users[-2]]
    assert cut[-2:] == added
    assert window(events[: users[0] + 3]) == events[: users[0] + 3]  # one message so far
    assert window([]) == []
