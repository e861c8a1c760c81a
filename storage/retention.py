"""How long what people typed is kept: the deletions of the scheduler's nightly purge
(bot/scheduler.py). Drafts, status look-ups, handoff requests, client addresses and
Slack delivery keys are Entryway's own tables. Conversations are Rasa's: its SQL
tracker store (table `events`, and the windowed store's `tracker_checkpoints`) shares
Entryway's database and keeps a conversation for ever, so they are deleted here with
raw SQL on Rasa's tables. (Sent outbox messages are deleted by storage/outbox.py's
purge_sent, which knows how long their dedupe keys must outlive their writers.)
Deleting twice deletes nothing, so a rerun or a second instance does no harm."""

from datetime import timedelta

from sqlalchemy import bindparam, delete, inspect
from sqlalchemy import text as sql
from sqlmodel import Session

from storage import intake_limits
from storage.models import Draft, HandoffRequest, SlackDelivery, StatusLookup, utcnow

# --- Entryway's own tables -------------------------------------------------------------


def purge_stale_drafts(session: Session, older_than: timedelta) -> int:
    result = session.exec(delete(Draft).where(Draft.updated_at < utcnow() - older_than))
    return result.rowcount or 0


def purge_old_records(session: Session, older_than: timedelta) -> dict[str, int]:
    """Status look-ups and handoff requests are kept as long as drafts, no longer."""
    cutoff = utcnow() - older_than
    lookups = session.exec(delete(StatusLookup).where(StatusLookup.at < cutoff))
    handoffs = session.exec(delete(HandoffRequest).where(HandoffRequest.created_at < cutoff))
    return {
        "status look-ups": lookups.rowcount or 0,
        "handoff requests": handoffs.rowcount or 0,
        "client addresses": intake_limits.forget_old(session),  # past their hour
    }


def forget_slack_deliveries(session: Session, older_than: timedelta) -> int:
    """Slack retries an event for minutes, not days: older keys are not needed."""
    result = session.exec(
        delete(SlackDelivery).where(SlackDelivery.seen_at < utcnow() - older_than)
    )
    return result.rowcount or 0


# --- Rasa's conversations ----------------------------------------------------------------


def purge_idle_conversations(session: Session, older_than: timedelta) -> int:
    """Deletes the conversations (Rasa's SQL tracker store, table `events`) nobody wrote
    in for `older_than`: they hold the answers people typed. Returns how many."""
    if not inspect(session.get_bind()).has_table("events"):
        return 0  # the tracker store is elsewhere (Redis forgets idle ones by itself)
    cutoff = (utcnow() - older_than).timestamp()
    idle = sql("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff")
    senders = [row[0] for row in session.execute(idle, {"cutoff": cutoff})]
    _delete_conversations(session, senders)
    return len(senders)


def _delete_conversations(session: Session, senders: list[str]) -> None:
    # The windowed tracker store's checkpoints (rasa_env/tracker_store.py) hold the same
    # answers as slot values: they go with their conversation.
    tables = ["events"]
    if inspect(session.get_bind()).has_table("tracker_checkpoints"):
        tables.append("tracker_checkpoints")
    for start in range(0, len(senders), 500):
        for table in tables:
            session.execute(
                sql(f"DELETE FROM {table} WHERE sender_id IN :senders").bindparams(
                    bindparam("senders", expanding=True)
                ),
                {"senders": senders[start : start + 500]},
            )


# Rasa reads a conversation from the start of its latest session (by timestamp): earlier
# sessions' events change nothing the assistant does, and the slots a new session keeps
# are written again at its start.
_OLD_SESSIONS = sql(
    "DELETE FROM events WHERE timestamp < :cutoff AND timestamp < ("
    " SELECT MAX(started.timestamp) FROM events started"
    " WHERE started.sender_id = events.sender_id AND started.type_name = 'session_started')"
)
# Conversations whose latest session (or first event, without one) began before then.
_OLD_CONVERSATIONS = sql(
    "SELECT sender_id FROM events GROUP BY sender_id HAVING COALESCE("
    " MAX(CASE WHEN type_name = 'session_started' THEN timestamp END), MIN(timestamp)"
    ") < :cutoff"
)
_ORPHAN_CHECKPOINTS = sql(
    "DELETE FROM tracker_checkpoints WHERE NOT EXISTS ("
    " SELECT 1 FROM events WHERE events.id = tracker_checkpoints.last_event_id)"
)


def purge_old_conversations(session: Session, older_than: timedelta) -> dict[str, int]:
    """However often someone writes, nothing of their conversation (Rasa's SQL tracker
    store) is kept longer than `older_than`: the events of earlier sessions older than
    that, and a conversation whose current session began before then, whole. A
    checkpoint whose event is gone goes too. Returns what was deleted."""
    if not inspect(session.get_bind()).has_table("events"):
        return {}  # Redis: rasa_env/tracker_store.py drops old sessions as it writes
    cutoff = (utcnow() - older_than).timestamp()
    events = session.execute(_OLD_SESSIONS, {"cutoff": cutoff}).rowcount or 0
    senders = [row[0] for row in session.execute(_OLD_CONVERSATIONS, {"cutoff": cutoff})]
    _delete_conversations(session, senders)
    if inspect(session.get_bind()).has_table("tracker_checkpoints"):
        session.execute(_ORPHAN_CHECKPOINTS)
    return {"old conversations": len(senders), "events of old sessions": events}
