"""The conversation's language, as the `language` slot holds it (nlu/language_detector.py
sets it from what the person writes, or from the page or Slack locale)."""

from rasa_sdk import Tracker

from storage.languages import LANGUAGES, language_or_default


def language_of(tracker: Tracker) -> str:
    """ "en" or "es": the language every answer to this conversation is written in."""
    return language_or_default(tracker.get_slot("language"))


def other_language(language: str) -> str:
    """The language a switch that names none goes to: with two languages, the other one."""
    return next(other for other in LANGUAGES if other != language_or_default(language))
