"""rasa_env/patches/compiled_response_schema.py: accepts and rejects what Rasa's own
validation of an action server's response does."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from rasa_env.patches.compiled_response_schema import VALIDATE, validate_action_result
from rasa_env.patches.targets import original
from tests.support.patched_rasa import apply_patches

apply_patches()

VALID = [
    {"events": [{"event": "slot", "name": "email", "value": "a@b.example"}]},
    {"events": [{"event": "slot", "name": "email", "value": None}], "responses": [{"text": "hi"}]},
    {"events": [{"event": "action", "name": "utter_greet", "policy": None, "confidence": 1.0}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "x"}]},
    {},
]
INVALID = [
    {"events": "x"},
    {"events": [{"event": "nope"}]},
    {"events": [{"name": "x"}]},
    {"events": ["slot"]},
    {"events": [{"event": "slot", "timestamp": "x", "name": "a", "value": 1}]},
    {"events": [{"event": "slot", "name": 3, "value": 1}]},
    {"responses": [1]},
]


def test_it_is_what_the_launcher_puts_in_rasas_place() -> None:
    assert RemoteAction._validate_action_result is validate_action_result


@pytest.mark.parametrize("response", VALID)
def test_a_response_rasa_accepts_is_accepted(response: dict) -> None:
    action = RemoteAction("action_x", None)
    assert original(VALIDATE)(action, response)
    assert action._validate_action_result(response)


@pytest.mark.parametrize("response", INVALID)
def test_a_response_rasa_rejects_is_rejected_with_its_error(response: dict) -> None:
    action = RemoteAction("action_x", None)
    with pytest.raises(ValidationError):
        original(VALIDATE)(action, response)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(response)
