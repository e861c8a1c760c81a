"""Every response in domain.yml speaks both languages the same way: an English variation
Rasa falls back to, and a Spanish one chosen by the language slot, with the same
placeholders and the same buttons; and a button sends an intent or a code, never a sentence
the model would have to classify in one language."""

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
SPANISH = [{"type": "slot", "name": "language", "value": "es"}]
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")
# "/intent", or "/intent" and its entities as JSON with the braces doubled: Rasa fills
# {placeholders} in every button, and a doubled brace is how a literal one gets through.
PAYLOAD = re.compile(r"/(?P<intent>\w+)(?:\{(?P<entities>\{.*\})\})?")
CODE = re.compile(r"[a-z][a-z_]*|SC-\d{4}-\d{5}")


def placeholders(variation: dict) -> list[str]:
    shown = [variation["text"], *(b["title"] for b in variation.get("buttons", []))]
    return sorted(name for text in shown for name in PLACEHOLDER.findall(text))


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_each_response_has_an_english_default_and_a_spanish_variation(name):
    english, spanish = RESPONSES[name]
    assert "condition" not in english
    assert spanish["condition"] == SPANISH
    assert placeholders(english) == placeholders(spanish)
    assert [b["payload"] for b in english.get("buttons", [])] == [
        b["payload"] for b in spanish.get("buttons", [])
    ]
    # What we write in Spanish opens its questions and exclamations.
    for text in [spanish["text"], *(b["title"] for b in spanish.get("buttons", []))]:
        assert text.count("¿") == text.count("?") and text.count("¡") == text.count("!")


@pytest.mark.parametrize("name", sorted(n for n, r in RESPONSES.items() if "buttons" in r[0]))
def test_buttons_send_an_intent_or_a_code(name):
    for button in RESPONSES[name][0]["buttons"]:
        sent = PAYLOAD.fullmatch(button["payload"])
        assert sent, button
        if sent["entities"]:
            # As Rasa renders it (the example reference for a placeholder).
            entities = json.loads(sent["entities"].replace("{reference}", "SC-2026-00042"))
            assert all(CODE.fullmatch(value) for value in entities.values()), button


def test_the_greeting_offers_both_languages_in_both_languages():
    for variation in RESPONSES["utter_greet"]:
        offered = {b["title"]: b["payload"] for b in variation["buttons"]}
        assert offered["English"] == '/switch_language{{"language":"en"}}'
        assert offered["Español"] == '/switch_language{{"language":"es"}}'
