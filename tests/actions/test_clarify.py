"""Asking what an unclear message meant (actions/clarify.py), in the conversation's
language: the buttons' titles are the person's language, their payloads intents."""

from actions.clarify import CHOICES, Clarify
from storage.catalogue import folder
from tests.support.action_calls import run, tracker

RANKING = [
    {"name": "nlu_fallback", "confidence": 0.3},
    {"name": "check_status", "confidence": 0.2},
    {"name": "human_handoff", "confidence": 0.19},
]


def _asked(language: str | None) -> dict:
    slots = {"language": language} if language else {}
    unclear = tracker(slots, "mmm lo de la cosa", "nlu_fallback", 0.3, {"intent_ranking": RANKING})
    _, [message] = run(Clarify(), unclear)
    return message


def test_a_spanish_conversation_is_asked_in_spanish_with_intent_buttons():
    message = _asked("es")
    assert message["text"] == "No sé si te entendí bien. ¿Quisiste decir alguna de estas opciones?"
    assert [(b["title"], b["payload"]) for b in message["buttons"]] == [
        ("Ver el estado de un envío", "/check_status"),
        ("Hablar con una persona", "/human_handoff"),
        ("Otra cosa", "/help"),
    ]


def test_an_english_or_unknown_language_conversation_is_asked_in_english():
    for language in ("en", None):
        message = _asked(language)
        assert message["text"] == "I'm not sure I understood. Did you mean one of these?"
        assert [b["title"] for b in message["buttons"]] == [
            "Check a submission's status",
            "Talk to a person",
            "Something else",
        ]


def test_every_offered_intent_has_a_label_in_each_language():
    for language in ("en", "es"):
        assert all(f"clarify.choice.{name}" in folder(language) for name in CHOICES)
