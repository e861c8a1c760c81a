"""The conversation's language, as the `language` slot holds it (nlu/language_detector.py
sets it from what the person writes, or from the page or Slack locale)."""

from rasa_sdk import Tracker

from storage.languages import language_or_default


def language_of(tracker: Tracker) -> str:
    """ "en" or "es": the language every answer to this conversation is written in."""
    return language_or_default(tracker.get_slot("language"))
