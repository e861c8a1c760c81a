"""Which browser session gave a draft's contact answers, so that a draft resumed in
another one (a remembered device: a shared computer, perhaps) does not show them.

The web chat app sends its browser session's id with every message (Rasa REST metadata
`browser_session`, see bot/web_identity.py). When a contact answer is saved to a draft,
the session it came from is kept beside it, under SESSIONS_KEY inside the draft's
answers; an answer from another session than the current one is kept and used, but
shown as "kept from before" until the person replaces it. Channels without browser
sessions (Slack, REST clients with their own ids) show everything, as before."""

from collections.abc import Iterable
from typing import Any

from rasa_sdk import Tracker

SESSIONS_KEY = "_contact_given_in"  # not a slot name: resume() restores slots only


def current(tracker: Tracker) -> str | None:
    """The browser session this message came from, or None outside the web chat page."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    session = metadata.get("browser_session") if isinstance(metadata, dict) else None
    return session if isinstance(session, str) and session else None


def given_in(answers: dict[str, Any]) -> dict[str, str]:
    sessions = answers.get(SESSIONS_KEY)
    return dict(sessions) if isinstance(sessions, dict) else {}


def answers_only(answers: dict[str, Any]) -> dict[str, Any]:
    """The draft's answers without the record of where they came from."""
    return {slot: value for slot, value in answers.items() if slot != SESSIONS_KEY}


def recorded(
    answers: dict[str, Any],
    previous: dict[str, Any],
    answered: str,
    contact_slots: Iterable[str],
    session: str | None,
) -> dict[str, Any]:
    """`answers` to save, with where each contact answer came from: the one just
    `answered` from `session`, the others as `previous` (the saved draft) said."""
    sessions = {
        slot: where
        for slot, where in given_in(previous).items()
        if slot in contact_slots and slot in answers and slot != answered
    }
    if answered in contact_slots and answered in answers and session:
        sessions[answered] = session
    return {**answers, SESSIONS_KEY: sessions} if sessions else answers


def hidden(details: dict[str, Any], draft: dict[str, Any], session: str | None) -> set[str]:
    """Which of the contact `details` (slot: answer) not to show in `session`: those
    the saved `draft` does not record as given in this browser session."""
    if session is None:
        return set()
    sessions = given_in(draft)
    return {slot for slot in details if sessions.get(slot) != session}
