"""What of a conversation is never stored: secrets said once, and the answers of a form
submitted anonymously.

An action marks a reply it sends (rasa-sdk's `utter_message(..., entryway_private=...)`,
which Rasa keeps in the BotUttered event's metadata) with

    {"secrets": ["..."], "forget": {"forms": ["barrier_form"], "slots": ["barrier_what", ...]}}

The person sees the reply as sent: Rasa hands the action's messages to the channel when
the action returns. The stores of rasa_env/tracker_store.py read the mark when they save
the conversation, which is the first moment every event of the turn is there (the events
of the turn that submits are saved by Rasa after the action returned, so the action
itself could not remove them), and before anything is written:

- each secret (a private status code) is replaced by `REDACTED` wherever a text holds it;
- with `forget`, every text said while one of those forms was active (the person's
  answers, the summary read back to them) and every value given to one of those slots,
  anywhere in the stored conversation, is replaced by `REDACTED`. Intents, action names,
  active loops and which slots were set stay: Rasa rebuilds the conversation from them,
  and the next message goes on as it would have;
- the mark itself is dropped.

Kept in step with the mark actions/private.py makes (the two run in different
environments and do not import each other).

Nor does Rasa log what people typed: its structured log events name the fields that carry
it (its own `_anonymizer` lists them, for a plugin to rewrite), and `logged_without_text`
replaces their values (rasa_env/patches/log_redaction.py puts it in the anonymizer's
place). A message that fails is still logged, with its traceback, without its text.
"""

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.events import (
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

MARK = "entryway_private"
REDACTED = "[redacted]"


@dataclass
class Marks:
    """What the marks of a conversation's events ask to remove."""

    secrets: set[str] = field(default_factory=set)
    forms: set[str] = field(default_factory=set)
    slots: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.secrets or self.forms or self.slots)

    @property
    def forgets(self) -> bool:
        """Whether earlier events (already stored) must change too."""
        return bool(self.forms or self.slots)


def marks_of(events: Iterable[dict[str, Any]]) -> Marks:
    found = Marks()
    for event in events:
        mark = (event.get("metadata") or {}).get(MARK) if event.get("event") == "bot" else None
        if not isinstance(mark, dict):
            continue
        found.secrets.update(str(secret) for secret in mark.get("secrets") or () if secret)
        forget = mark.get("forget") or {}
        found.forms.update(forget.get("forms") or ())
        found.slots.update(forget.get("slots") or ())
    return found


def _without_secrets(text: Any, secrets: set[str]) -> Any:
    if not isinstance(text, str):
        return text
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def redacted(events: list[dict[str, Any]], marks: Marks) -> list[dict[str, Any]]:
    """The events (as Rasa stores them) with what the marks ask removed, and no marks.
    Events that stay as they were are the same objects."""
    result = []
    form_active = False
    for event in events:
        kind = event.get("event")
        if kind == ActiveLoop.type_name:
            form_active = event.get("name") in marks.forms
        elif kind == SessionStarted.type_name:
            form_active = False
        changed = dict(event)
        if kind in (UserUttered.type_name, BotUttered.type_name):
            text = REDACTED if form_active else _without_secrets(event.get("text"), marks.secrets)
            changed["text"] = text if event.get("text") is not None else None
            if kind == UserUttered.type_name and isinstance(event.get("parse_data"), dict):
                parse = dict(event["parse_data"])
                parse["text"] = changed["text"]
                if form_active:
                    parse["entities"] = []
                changed["parse_data"] = parse
            if kind == BotUttered.type_name and MARK in (event.get("metadata") or {}):
                changed["metadata"] = {k: v for k, v in event["metadata"].items() if k != MARK}
        elif (
            kind == SlotSet.type_name
            and event.get("name") in marks.slots
            and event.get("value") is not None
        ):
            changed["value"] = REDACTED
        result.append(event if changed == event else changed)
    return result


def redact_tracker(tracker: DialogueStateTracker) -> Marks:
    """Applies the marks found in the tracker's events to them, in place; returns them
    (empty when there were none, and nothing changed)."""
    # On every save: only marked replies are turned into dicts to look at.
    marked = [
        event.as_dict()
        for event in tracker.events
        if isinstance(event, BotUttered) and MARK in (event.metadata or {})
    ]
    marks = marks_of(marked)
    if not marks:
        return marks
    events = [event.as_dict() for event in tracker.events]
    for index, (before, after) in enumerate(zip(events, redacted(events, marks), strict=True)):
        if after is not before:
            tracker.events[index] = Event.from_parameters(after)
    return marks


# Fields of Rasa's log events that carry what people typed: those Rasa 3.6's own
# anonymizer (rasa.utils.log_utils._anonymizer) names, and the few others its events use.
LOGGED_TEXT = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
        "parse_data",
        "tracker",
        "events",
    }
)


def logged_without_text(
    _: Any, __: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: the event with the values of fields carrying text replaced."""
    for key in LOGGED_TEXT & event.keys():
        event[key] = REDACTED
    return event
