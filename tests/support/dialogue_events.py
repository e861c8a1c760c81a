"""A conversation's events with every kind of turn that changes a tracker's state: form
turns, reverts, pauses, follow-up actions, a restart and a new session (Rasa-side tests)."""

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)


def said(intent: str, text: str) -> list[Event]:
    return [ActionExecuted("action_listen"), UserUttered(text, {"name": intent, "confidence": 1.0})]


def form_turn(slot: str, value: str, following: str) -> list[Event]:
    return [
        *said("inform", value),
        ActionExecuted("proposal_form"),
        SlotSet(slot, value),
        SlotSet("requested_slot", following),
    ]


def conversation() -> list[Event]:
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        SlotSet("resume_offered", False),
        *said("greet", "hello"),
        ActionExecuted("utter_greet"),
        BotUttered("Hi"),
        *said("submit_proposal", "I want to submit a proposal"),
        ActionExecuted("proposal_form"),
        ActiveLoop("proposal_form"),
        SlotSet("requested_slot", "organisation"),
        *form_turn("organisation", "Acme", "contact_name"),
        *form_turn("contact_name", "Jane", "email"),
        UserUtteranceReverted(),  # the last turn taken back
        *form_turn("contact_name", "Joan", "email"),
        ActionExecuted("utter_ask_email"),
        ActionReverted(),
        ConversationPaused(),
        *said("deny", "stop"),
        ActionExecuted("proposal_form"),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        ConversationResumed(),
        *said("affirm", "yes"),
        ActionExecuted("utter_greet"),
        FollowupAction("action_listen"),
        ActionExecuted("utter_greet"),
        FollowupAction("utter_greet"),
        SlotSet("organisation", "Acme"),
        *said("greet", "hi"),
        ActionExecuted("utter_greet"),
        ActionExecuted("action_listen"),
        DefinePrevUserUtteredFeaturization(True),
        EntitiesAdded([{"entity": "reference", "value": "SC-2026-00001"}]),
        Restarted(),
        *said("greet", "hi again"),
        ActionExecuted("utter_greet"),
        ActionExecuted("action_session_start"),
        SessionStarted(),
        *said("thank", "thanks"),
    ]
