"""What Rasa's SQL tracker store writes, written here without a Rasa: for the app's side
that reads a conversation's slots from it (bot/conversation.py: conversation_language)."""

import json
import time

from sqlalchemy import text as sql

from storage.db import session_scope

# Rasa 3.6's table `events` (rasa.core.tracker_store.SQLTrackerStore.SQLEvent).
EVENTS_TABLE = sql(
    "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255)"
    " NOT NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255),"
    " action_name VARCHAR(255), data TEXT)"
)
INSERT = sql(
    "INSERT INTO events (sender_id, type_name, timestamp, data)"
    " VALUES (:sender, 'slot', :timestamp, :data)"
)


def rasa_set_language(database_url: str, sender: str, *languages: str | None) -> None:
    """The `language` slot set to each of `languages` in turn, as Rasa stores it, each
    followed by another slot's event whose value happens to be "language"."""
    with session_scope(database_url) as session:
        session.execute(EVENTS_TABLE)
        for language in languages:
            for name, value in (("language", language), ("requested_slot", "language")):
                event = {"event": "slot", "timestamp": time.time(), "name": name, "value": value}
                session.execute(
                    INSERT, {"sender": sender, "timestamp": time.time(), "data": json.dumps(event)}
                )
