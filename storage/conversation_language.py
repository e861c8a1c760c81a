"""The language the assistant speaks in a conversation, read from Rasa's tracker store.

The Rasa slot `language` is set by its language detector (nlu/language_detector.py);
rasa_env/tracker_store.py saves every event in the `events` table before Rasa answers,
so the app can read the slot after an answer and the web page follow a person who wrote
Spanish on the English page. A conversation's slot events are a handful, found by the
indexed sender id; asking Rasa for the tracker instead would rebuild the whole
conversation from its events on every message.
"""

import json

from sqlalchemy import text as sql
from sqlalchemy.engine import Connection

from storage.languages import supported

_LANGUAGE_SLOT = sql(
    "SELECT data FROM events WHERE sender_id = :sender AND type_name = 'slot'"
    " AND data LIKE '%\"language\"%' ORDER BY id DESC LIMIT 20"
)


def language_slot(connection: Connection, sender: str) -> str | None:
    """The conversation's `language` slot as Rasa last set it, else None."""
    for (data,) in connection.execute(_LANGUAGE_SLOT, {"sender": sender}):
        try:
            event = json.loads(data)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("name") == "language":
            return supported(event.get("value"))
    return None
