"""Action-server responses validated with the schema compiled once, per event type.

Replaces `RemoteAction._validate_action_result`, which validates each response with
`jsonschema.validate`: that re-checks the schema against its meta-schema on every call and
tries every event against all 23 event-type branches of a `oneOf`. Profiling `make bench`
found it at 15-45% of the Rasa server's CPU in conversations that run custom actions (every
form turn does). Here the same schema (Rasa's own, `action_response_format_spec`) is
compiled once with fastjsonschema, split per event type, and each event is validated
against the branch its `event` name selects, which is what `oneOf` with distinct `const`
names accepts. An invalid response still raises jsonschema's ValidationError, which Rasa
turns into the same error as before.
"""

import functools
from collections.abc import Callable
from typing import Any

import fastjsonschema
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from rasa_env.patches.targets import Target, replace

VALIDATE = Target(
    "rasa.core.actions.action",
    "RemoteAction._validate_action_result",
    "f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42",
)
TARGETS = (VALIDATE,)


@functools.cache
def _response_validators() -> tuple[Callable[[Any], Any], dict[str, Callable[[Any], Any]]]:
    spec = RemoteAction.action_response_format_spec()
    event_schema = spec["properties"]["events"]["items"]
    common = {key: value for key, value in event_schema.items() if key != "oneOf"}
    per_event_type = {
        branch["properties"]["event"]["const"]: fastjsonschema.compile({"allOf": [common, branch]})
        for branch in event_schema["oneOf"]
    }
    envelope = {**spec, "properties": {**spec["properties"], "events": {"type": "array"}}}
    return fastjsonschema.compile(envelope), per_event_type


def _invalid(reason: str) -> ValidationError:
    return ValidationError(
        f"{reason}. Failed to validate Action server response from API, make sure your "
        "response from the Action endpoint is valid."
    )


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    validate_envelope, per_event_type = _response_validators()
    try:
        validate_envelope(result)
        for event in result.get("events") or []:
            name = event.get("event") if isinstance(event, dict) else None
            if name not in per_event_type:
                raise _invalid(f"{event!r} is not an event of a known type")
            per_event_type[name](event)
    except fastjsonschema.JsonSchemaException as error:
        raise _invalid(error.message) from error
    return True


def apply() -> None:
    replace(VALIDATE, validate_action_result)
