"""Calling an action as the action server does: a tracker as Rasa sends it (every slot of
the domain at its initial value), a dispatcher that collects the messages."""

import asyncio

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from storage.identity import new_browser_sender
from storage.workflow import rules
from tests.support.conversation import PROPOSAL_ANSWERS
from tests.support.stack import ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
SENDER = new_browser_sender()  # the web chat page's identity, as the app issues it
REST_SENDER = "web-test-sender"  # a REST client's own sender id


def tracker(
    slots=None, text="", intent="affirm", confidence=0.9, extra=None, sender=SENDER
) -> Tracker:
    # As Rasa starts a conversation: each slot at its initial value.
    all_slots = {name: spec.get("initial_value") for name, spec in DOMAIN["slots"].items()}
    all_slots.update(slots or {})
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [],
        **(extra or {}),
    }
    return Tracker(
        sender, all_slots, message, [], False, None, {"name": "proposal_form"}, "action_listen"
    )


def pressed(code: str, slots: dict, sender: str = SENDER) -> Tracker:
    """A button that sends `choose` with a code pressed (`/choose{"choice": code}`), as the
    chat sends it."""
    return tracker(
        slots,
        text=f'/choose{{"choice":"{code}"}}',
        intent="choose",
        confidence=1.0,
        extra={"entities": [{"entity": "choice", "value": code}]},
        sender=sender,
    )


def run(action, current: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, current, DOMAIN))
    return events, dispatcher.messages


def slot_events(events) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def answered(until: str) -> dict:
    slots = {}
    for slot, value in PROPOSAL_ANSWERS:
        if slot == until:
            break
        slots[slot] = value
    return slots


def from_client(client: str) -> dict:
    """A latest message as the app passes it on: with the client it came from."""
    return {"metadata": {"client": client, "browser_session": "b" * 22}}


# Who asks the submitter a question in these tests.
ASKER = rules.Staff("cli:operator:test")
