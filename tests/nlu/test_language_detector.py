"""nlu/language_detector.py: the entity `language` each message gets from the trained
model, by the rules of nlu/language_rules.py, with the real detector."""

import types
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.shared.nlu.training_data.message import Message

from nlu.language_detector import LanguageDetector, fasttext_detector
from nlu.language_rules import folded, language_of, switch_requested
from rasa_env.patches.shared_parse_cache import PARSE
from rasa_env.patches.targets import original
from rasa_env.rest_channel import TokenRestInput
from tests.support.patched_rasa import trained_agent


def languages(text: str, metadata: dict[str, Any] | None = None) -> list[str]:
    """The `language` entities the trained model's NLU graph gives the message."""
    processor = trained_agent().processor
    parsed = original(PARSE)(processor, UserMessage(text, metadata=metadata), None, True)
    return [entity["value"] for entity in parsed["entities"] if entity["entity"] == "language"]


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector(fasttext_detector())


def detected(detector: LanguageDetector, text: str, metadata: Any = None) -> str | None:
    (message,) = detector.process([Message(data={"text": text, "metadata": metadata})])
    found = [entity for entity in message.get("entities", []) if entity["entity"] == "language"]
    assert len(found) <= 1, found
    return found[0]["value"] if found else None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Español", "es"),
        ("espanol", "es"),
        ("¿Hablas español?", "es"),
        ("en español por favor", "es"),
        ("do you speak Spanish?", "es"),
        ("Spanish please", "es"),
        ("English", "en"),
        ("in English please", "en"),
        ("en inglés", "en"),
        ("¿puedes hablar en inglés?", "en"),
    ],
)
def test_an_explicit_switch_wins_over_the_text_and_the_channel(detector, text, language) -> None:
    other = "en" if language == "es" else "es"
    assert detected(detector, text, {"language": other}) == language
    assert languages(text, {"language": other}) == [language]


@pytest.mark.parametrize(
    "text",
    [
        "the app supports Spanish and English",  # names both
        "our staff speak Spanish at the front desk of every clinic",  # about something else
    ],
)
def test_a_message_that_only_mentions_a_language_is_no_switch(text) -> None:
    assert switch_requested(text) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("hola", "es"),
        ("Sí", "es"),
        ("si", "es"),
        ("gracias", "es"),
        ("dale", "es"),
        ("cancelar", "es"),
        ("que paso con mi propuesta", "es"),
        ("quiero proponer algo", "es"),
        ("tengo una idea para los parques", "es"),
        ("mas ciclovias en el centro", "es"),
        ("¿Cuánto tarda la evaluación?", "es"),
        ("hi", "en"),
        ("thanks", "en"),
        ("nope", "en"),
        ("what happened to my idea?", "en"),
        ("I want to pitch something", "en"),
        ("more bike lanes downtown", "en"),
    ],
)
def test_a_short_text_that_shows_its_language_decides_it(detector, text, language) -> None:
    other = "en" if language == "es" else "es"
    assert detected(detector, text, {"language": other}) == language


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "OK",
        "okay",
        "k",
        "👍",
        "🙏🙏",
        "?",
        "...",
        "42",
        "512-555-0142",
        "$25,000",
        "SC-2026-00042",
        "maria.gonzalez@example.com",
        "jsmith@acme.io",
        "https://acme.io",
        "zephyr-kinetics.example",
        "acme7.example",
        "acme.tech",
        "sensores.city",
        "www.movilidad-austin.org/contacto",
        "María González",
        "John Smith",
        "Acme Corp",
        "Austin",
        "Lamar",
        "movilidad",
        "",
        "   ",
    ],
)
def test_names_emails_numbers_ok_and_emoji_never_flip_it(detector, text) -> None:
    assert detected(detector, text) is None
    # with the channel's language, that one
    assert detected(detector, text, {"language": "es"}) == "es"
    assert detected(detector, text, {"language": "en"}) == "en"


def test_the_channels_language_is_the_fallback_and_only_en_or_es(detector) -> None:
    assert detected(detector, "ok", {"language": "ES"}) == "es"
    for metadata in ({"language": "fr"}, {"language": 1}, {"locale": "es"}, "es", None, {}):
        assert detected(detector, "ok", metadata) is None


def test_the_trained_model_sets_the_entity_from_the_metadata_rest_sends() -> None:
    assert languages("ok", {"language": "es"}) == ["es"]
    assert languages("ok") == []
    assert languages("hola, tengo una pregunta") == ["es"]
    assert languages("hello, I have a question", {"language": "es"}) == ["en"]


def test_the_rest_channel_hands_the_requests_metadata_to_the_message() -> None:
    """What the app posts to /webhooks/rest/webhook as `metadata` becomes the UserMessage's
    metadata (Rasa 3.6's RestInput.get_metadata), which the NLU graph's message carries."""
    body = {"sender": "web-1", "message": "ok", "metadata": {"language": "es"}}
    assert TokenRestInput().get_metadata(types.SimpleNamespace(json=body)) == {"language": "es"}


def test_an_intent_payload_keeps_its_own_entities() -> None:
    assert languages('/switch_language{"language": "es"}', {"language": "en"}) == ["es"]
    assert languages("/affirm", {"language": "es"}) == []


def test_it_replaces_a_language_entity_it_finds_rather_than_adding_one(detector) -> None:
    message = Message(data={"text": "hola", "entities": [{"entity": "language", "value": "en"}]})
    (processed,) = detector.process([message])
    assert [entity["value"] for entity in processed.get("entities")] == ["es"]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Quiero enviar una propuesta " * 300, "es"),  # 5,000+ characters
        ("I would like to submit a proposal " * 200, "en"),
        ("Hola! I want to submit una propuesta para parking", None),  # either, never an error
        ("sí sí sí 👍👍👍", "es"),
        ("síí", None),
        ("¿¿qué??", "es"),
    ],
)
def test_long_mixed_and_odd_texts_get_an_answer_without_error(detector, text, language) -> None:
    found = language_of(text, None, fasttext_detector())
    assert found in ("en", "es", None)
    if language is not None:
        assert found == language
    assert detected(detector, text, {"language": "en"}) in ("en", "es")


def test_accents_are_folded_for_the_rules() -> None:
    assert folded("¿Hablás ESPAÑOL?") == "¿hablas espanol?"
