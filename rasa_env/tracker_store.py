"""Rasa's SQL tracker store, reading a bounded window of a long conversation.

Rasa's SQL store reads every event of the current session on each message, and Rasa
then replays them, walks `applied_events()` several times, copies the tracker for each
action and sends every event to the action server: all O(events), so each message of a
long conversation costs more than the one before (docs/architecture.md, "The windowed
tracker store"; the figures in docs/performance/2026-11-28-tracker-stores.md).

`WindowedSQLTrackerStore` keeps Rasa's table `events` exactly as Rasa writes it (every
event, in order: staff tools and the retention job read it), and adds one row per
conversation in `tracker_checkpoints`: a short list of events that rebuilds the
conversation's state as of a stored event id. A retrieve reads the checkpoint and the
events stored after it. When more than `COMPACT_AFTER` events follow the checkpoint, a
new one is written at retrieve time (under Rasa's conversation lock when a message is
handled, before Rasa touches the tracker) and the tracker Rasa gets is the new checkpoint itself.

A checkpoint is the session's opening (SessionStarted and the slots it carried over),
SlotSets for the slots changed since, and verbatim: the events from a cut on (at least
the last `KEEP_TURNS` user turns: the longest rule looks back 4 steps, `action_clarify`
one turn), the turn that started a form active at the cut (Rasa folds the form's
answered turns into it), and every other turn the last dialogue states the RulePolicy
matches rules against are made from (`_cut`); what a checkpoint leaves out is mostly
older turns, and a form's answered turns. It is only written between turns, and only
when the tracker it rebuilds has the same current state (slots, active loop, latest
message and action, follow-up, pause) and the same last dialogue states as the tracker
read the long way; otherwise the long way is kept (a fall-back: counted in
`tracker_store_counts`, which the app's /healthz shows, and not logged one by one). So
Rasa predicts the same.

Which of the tracker's events are new is known, not counted: each tracker this store
hands out or saves remembers how many of its events are stored, and only those after
them are written, in one statement. (Counting the stored conversation instead went
wrong when a read by Rasa's HTTP API, which takes no lock, wrote a checkpoint while a
message was being handled: old events were stored again.) A checkpoint
whose last event no longer exists (the retention job deleted the conversation) is
ignored and deleted; a SessionStarted stored after a checkpoint makes the store read
that new session as Rasa does. `retrieve_full_tracker` is Rasa's: every stored event.

Each process also keeps the trackers it saved last (`RECENT_CONVERSATIONS`, for at most
`KEEP_SECONDS`), each with the id of the newest event stored for it. The app sends a
conversation's messages to one Rasa server, so the next message usually finds its
tracker here, and one indexed look-up of the conversation's newest event id tells
whether anything was stored since (another server took a message while this one was
down, the retention job deleted the conversation): only then is it read from the
database. A tracker is handed out once: Rasa changes it while handling the message and
gives it back only by saving it, so a message that fails half-way leaves nothing behind
but what is stored; one changed since it was kept is not handed out. It is kept again
only when the save found the conversation as the tracker left it (the INSERT reads the
newest id before its own rows, in the same statement): a message that outlived its lock
while another was handled leaves the conversation to be read back whole.

Nothing rasa_env/redaction.py removes is written: a secret a reply was marked with
never, and after an anonymous submission the form's texts and answers are replaced in
every stored event and in the checkpoint (`PrivateSQLTrackerStore`; Redis:
`PrivateRedisTrackerStore`). Every engine made here and by Rasa's SQL store hides the
values of its statements from error messages and logs (`hide_parameters`).
"""

import itertools
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core import tracker_store as rasa_tracker_store
from rasa.core.tracker_store import RedisTrackerStore, SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import declarative_base

from rasa_env import redaction

logger = logging.getLogger(__name__)

# Events after the checkpoint before a new one is written. A checkpoint costs about 3 ms of
# a Rasa server (the conversation rebuilt and compared), once per this many events; the
# events it leaves out cost almost nothing per message (applied events and dialogue states
# go on from the last call: rasa_env/patches/applied_events_once.py,
# incremental_past_states.py; an action call carries the last two turns:
# action_call_window.py). At 40, the bench's 12-message intake paid two, 0.49 ms of a Rasa
# server's 5.8 per message (docs/performance/2026-12-07-python-311.md); at 120, none.
COMPACT_AFTER = 120
KEEP_TURNS = 5  # user turns kept verbatim: each gives at least 2 dialogue states
COMPARED_STATES = 2 * KEEP_TURNS  # dialogue states that must match (rules use <= 5)

# Trackers kept per process between messages: the conversations being had right now.
# They hold what people answered, so they are not kept long after the last message. Each
# costs about 0.14 MiB (an intake of 12 messages); one not kept is read from the database
# at its next message. At 500, a Rasa server in the bench grew about 30 MiB more than at
# 100 for trackers of finished conversations; a server has far fewer than 100 at once.
RECENT_CONVERSATIONS = 100
KEEP_SECONDS = 15 * 60
# A conversation whose checkpoint could not be written is tried again after this many
# more stored events, not on every message. (Mostly there is nothing to leave out yet:
# the last dialogue states reach back over the whole of a short conversation.)
COMPACT_RETRY_AFTER = COMPACT_AFTER

# Set on each tracker this store hands out or saves: what of it is stored.
STORED = "_entryway_stored"

CheckpointBase: Any = declarative_base()


@dataclass
class Stored:
    """What of a tracker is stored: its first `events` events, the newest with id
    `last_event_id`; `after_checkpoint` of them follow the checkpoint (all of the session
    when there is none), and a checkpoint was last tried at `tried_at` of those."""

    events: int
    last_event_id: int | None
    after_checkpoint: int | None
    tried_at: int = 0

    def wants_checkpoint(self) -> bool:
        return self.after_checkpoint is not None and (
            self.after_checkpoint > COMPACT_AFTER
            and self.after_checkpoint >= self.tried_at + COMPACT_RETRY_AFTER
        )


_rasa_engine_options = rasa_tracker_store.create_engine_kwargs


def create_engine_kwargs(url: Any) -> dict[str, Any]:
    """Rasa's options for a tracker store's engine, and `hide_parameters`: a failed
    statement's error (which Rasa logs) then names no value people typed."""
    return {**_rasa_engine_options(url), "hide_parameters": True}


# Rasa's SQL store builds its engine with this function, once this module is loaded
# (the endpoints name a store of this module whenever the SQL store is used).
rasa_tracker_store.create_engine_kwargs = create_engine_kwargs


def _stored(tracker: DialogueStateTracker) -> Stored | None:
    return getattr(tracker, STORED, None)


class Checkpoint(CheckpointBase):
    """The state of one conversation as of one stored event (personal data: slot values)."""

    __tablename__ = "tracker_checkpoints"

    sender_id = sa.Column(sa.String(255), primary_key=True)
    last_event_id = sa.Column(sa.Integer, nullable=False)
    event_count = sa.Column(sa.Integer, nullable=False)
    events = sa.Column(sa.Text, nullable=False)


# What `tracker_store_counts` counts (bot/health.py reads both for GET /healthz).
CHECKPOINTS_WRITTEN = "checkpoints_written"
CHECKPOINT_FALLBACKS = "checkpoint_fallbacks"
# A fall-back is logged once per process, then summed up in one line at most this often.
FALLBACK_LOG_SECONDS = 3600


class StoreCount(CheckpointBase):
    """How often something happened to checkpoints, summed over every Rasa server on this
    database. Counted here, in the database Rasa shares with the app, because that is the
    one place both reach: a Rasa server's own memory would be lost at each restart and
    split between servers, and the app reads it for its health check (bot/health.py)
    without asking each Rasa server. Only names and numbers: nothing of a conversation."""

    __tablename__ = "tracker_store_counts"

    name = sa.Column(sa.String(64), primary_key=True)
    value = sa.Column(sa.BigInteger, nullable=False)


# One statement on both SQLite (3.24 and later) and PostgreSQL; atomic under concurrency.
_INCREMENT = sa.text(
    f"INSERT INTO {StoreCount.__tablename__} (name, value) VALUES (:name, 1) "
    f"ON CONFLICT (name) DO UPDATE SET value = {StoreCount.__tablename__}.value + 1"
)


class FallbackLog:
    """The log's share of fall-backs: the first one of the process names its
    conversation, then one line at most every FALLBACK_LOG_SECONDS says how many more
    there were (each is counted in the database, CHECKPOINT_FALLBACKS)."""

    def __init__(self) -> None:
        self.unlogged = 0
        self.logged_at: float | None = None

    def happened(self, sender_id: str) -> None:
        now = time.monotonic()
        if self.logged_at is None:
            logger.warning(
                f"Conversation '{sender_id}' read whole: its checkpoint differed (counted in "
                f"{StoreCount.__tablename__}; later ones are summed up here)"
            )
            self.logged_at = now
            return
        self.unlogged += 1
        if now - self.logged_at >= FALLBACK_LOG_SECONDS:
            logger.warning(
                f"{self.unlogged} more conversations read whole since the last such line: "
                "their checkpoints differed"
            )
            self.unlogged, self.logged_at = 0, now


def _turn_start(events: list[dict], user: int) -> int | None:
    """Where the user turn of the message at `user` begins: right after the action_listen
    before it. Slots set between the two (the app's `question_open`, appended through
    Rasa's HTTP API before the message) belong to the turn."""
    for i in range(user - 1, -1, -1):
        kind = events[i].get("event")
        if kind == ActionExecuted.type_name:
            return i + 1 if events[i].get("name") == "action_listen" else None
        if kind == UserUttered.type_name:
            return None
    return None


def _form_start(events: list[dict], cut: int) -> tuple[int, int] | None:
    """The turn that started the form active at `cut`, as (first, last) event index: from
    the start of the message that started it to the action_listen that ended that turn.
    None when no form is active there, or its turn is not found whole before `cut`."""
    loop = next(
        (
            i
            for i in range(cut - 1, -1, -1)
            if events[i].get("event") in (ActiveLoop.type_name, SessionStarted.type_name)
        ),
        None,
    )
    if loop is None or events[loop].get("event") != ActiveLoop.type_name:
        return None
    if not events[loop].get("name"):
        return None
    trigger = next(
        (i for i in range(loop - 1, -1, -1) if events[i].get("event") == UserUttered.type_name),
        None,
    )
    last = next(
        (
            i
            for i in range(loop, cut)
            if events[i].get("event") == ActionExecuted.type_name
            and events[i].get("name") == "action_listen"
        ),
        None,
    )
    first = None if trigger is None else _turn_start(events, trigger)
    return None if first is None or last is None else (first, last)


@dataclass(frozen=True)
class Cut:
    """Which events a checkpoint keeps verbatim after the session's opening: those from
    `keep_from` to `keep_to` (the turns that started the form active at the cut, and
    any compared turn before them; none without a form) and every one from `at` on."""

    keep_from: int
    keep_to: int
    at: int


def _cut(
    tracker: DialogueStateTracker, events: list[dict], users: list[int], opening_end: int
) -> Cut | None:
    """Where a checkpoint leaves events out: at the start of a user turn at least
    KEEP_TURNS user turns back, such that every event the compared dialogue states
    (`COMPARED_STATES`) are made from is kept verbatim, and a form active at the cut
    keeps the turn that started it (Rasa folds the form's later turns into it).

    Those events often reach further back than the kept turns: Rasa builds the states
    from `applied_events()`, which leaves out every turn a form took as an answer (its
    happy path), so however many answers a form took, its states are those of the turn
    that started it, and of the turns before. Cutting at the kept turns alone made every
    conversation whose last turns were a form's (a proposal, "stop", "yes", "bye")
    rebuild other states, and be read whole; the form's answered turns are what can be
    left out.

    None when no turn can be left out."""
    applied = tracker.applied_events()
    actions = [i for i, event in enumerate(applied) if isinstance(event, ActionExecuted)]
    made_from = [event for event in applied if isinstance(event, (ActionExecuted, UserUttered))]
    if len(actions) >= COMPARED_STATES:
        # The first compared state is the one before this action: made from the latest
        # user message before it and the action before it.
        first = actions[-(COMPARED_STATES - 1)]
        message = next(
            (event for event in reversed(applied[:first]) if isinstance(event, UserUttered)),
            None,
        )
        if message is not None:
            made_from = made_from[next(i for i, made in enumerate(made_from) if made is message) :]
    wanted = {id(event) for event in made_from}
    compared = [i for i, event in enumerate(tracker.events) if id(event) in wanted]
    starts = sorted(
        {_turn_start(events, user) for user in users if user <= users[-KEEP_TURNS]} - {None},
        reverse=True,
    )
    for at in starts:
        if at <= opening_end:
            break
        before = [i for i in compared if opening_end <= i < at]
        form = _form_start(events, at)
        if form is None:
            if not before:
                return Cut(at, at, at)
            continue
        first_of_form, last_of_form = form
        if any(i > last_of_form for i in before):
            continue
        earliest = min([first_of_form, *before])
        keep_from = max((start for start in starts if start <= earliest), default=opening_end)
        if keep_from > opening_end or last_of_form + 1 < at:
            return Cut(keep_from, last_of_form + 1, at)
    return None


def _slots_changed(
    before: DialogueStateTracker, after: DialogueStateTracker, timestamp: float | None
) -> list[dict]:
    """One SlotSet per slot whose value differs between the two trackers."""
    return [
        SlotSet(name, slot.value, timestamp=timestamp).as_dict()
        for name, slot in after.slots.items()
        if slot.value != before.slots[name].value
    ]


def _starts_later_session(tracker: DialogueStateTracker, new: list[Event]) -> bool:
    """Whether `new` starts a session after one in which someone spoke."""
    if not any(isinstance(event, SessionStarted) for event in new):
        return False
    events = list(tracker.events)
    start = max(i for i, event in enumerate(events) if isinstance(event, SessionStarted))
    return any(isinstance(event, UserUttered) for event in events[:start])


def _empty_both_pools_on_disconnect(*engines: Any) -> None:
    """A database restart kills the connections of every pool. SQLAlchemy empties the pool
    in which it saw the disconnect; the others are emptied with it, so that the one retry
    of a read or a write never meets a dead connection of the other pool."""
    for seen in engines:
        others = [engine for engine in engines if engine is not seen]

        def empty_the_others(context: Any, others: list = others) -> None:
            if context.is_disconnect:
                for engine in others:
                    engine.dispose()

        sa.event.listen(seen, "handle_error", empty_the_others)


class PrivateSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store, storing nothing rasa_env/redaction.py removes."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        marks = redaction.redact_tracker(tracker)
        await super().save(tracker)
        if marks.forgets:
            self._forget(tracker.sender_id, marks)

    def _forget(self, sender_id: str, marks: redaction.Marks) -> None:
        """Applies the marks to every stored event of the conversation and to its
        checkpoint (written by the windowed store, which may have run before)."""
        with self.session_scope() as session:
            rows = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .order_by(self.SQLEvent.id)
                .all()
            )
            events = [json.loads(row.data) for row in rows]
            for row, before, after in zip(
                rows, events, redaction.redacted(events, marks), strict=True
            ):
                if after is not before:
                    row.data = json.dumps(after)
            if sa.inspect(session.get_bind()).has_table(Checkpoint.__tablename__):
                checkpoint = session.get(Checkpoint, sender_id)
                if checkpoint is not None:
                    checkpoint.events = json.dumps(
                        redaction.redacted(json.loads(checkpoint.events), marks)
                    )
            session.commit()


class PrivateRedisTrackerStore(RedisTrackerStore):
    """Rasa's Redis tracker store, storing nothing rasa_env/redaction.py removes, nor
    the events of earlier sessions older than `max_age_days` (the retention job's
    absolute limit, ENTRYWAY_CONVERSATION_MAX_AGE_DAYS; Redis itself forgets a
    conversation idle for `record_exp`). Rasa writes the whole conversation (every
    session) on each save, merged from what Redis held and the tracker: both apply to
    that."""

    def __init__(self, *args: Any, max_age_days: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._max_age = max_age_days * 24 * 3600 if max_age_days else None

    def serialise_tracker(self, tracker: DialogueStateTracker) -> str:  # type: ignore[override]
        redaction.redact_tracker(tracker)
        if self._max_age is not None:
            _drop_old_sessions(tracker, time.time() - self._max_age)
        return super().serialise_tracker(tracker)


def _drop_old_sessions(tracker: DialogueStateTracker, cutoff: float) -> None:
    """Drops the events older than `cutoff` from before the latest session's start: Rasa
    reads a conversation from there on (as repository.purge_old_conversations says)."""
    starts = [event.timestamp for event in tracker.events if isinstance(event, SessionStarted)]
    if not starts:
        return
    before = min(cutoff, max(starts))
    kept = [event for event in tracker.events if event.timestamp >= before]
    if len(kept) < len(tracker.events):
        tracker.events.clear()
        tracker.events.extend(kept)


class WindowedSQLTrackerStore(PrivateSQLTrackerStore):
    """Rasa's SQL tracker store that reads a checkpoint and the events after it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # sender id -> (tracker, when it was kept); before Rasa's __init__ sets the domain.
        self._recent: OrderedDict[str, tuple[DialogueStateTracker, float]] = OrderedDict()
        super().__init__(*args, **kwargs)
        events = self.SQLEvent.__table__.name
        self._create_once(
            lambda: CheckpointBase.metadata.create_all(self.engine),
            lambda: all(
                sa.inspect(self.engine).has_table(table) for table in CheckpointBase.metadata.tables
            ),
        )
        self._fallbacks = FallbackLog()
        # A conversation's newest event id in one index probe, however long it is. (Built
        # once; on a large existing table its build holds up writes for a while.)
        newest_index = "ix_events_sender_id_id"
        self._create_once(
            lambda: self._execute_once(
                f"CREATE INDEX IF NOT EXISTS {newest_index} ON {events} (sender_id, id)"
            ),
            lambda: any(
                index["name"] == newest_index
                for index in sa.inspect(self.engine).get_indexes(events)
            ),
        )
        self._newest = sa.text(f"SELECT max(id) FROM {events} WHERE sender_id = :sender_id")
        # The two statements of a message (is the kept tracker current; store the new
        # events) each stand alone on PostgreSQL: in autocommit, a statement is one round
        # trip, without BEGIN or COMMIT. A multi-row INSERT is atomic by itself. Their
        # own pool, whose connections are in autocommit from the start: switching a
        # pooled connection there and back cost a round trip per statement.
        self._single_statements = self.engine
        if self.engine.dialect.name == "postgresql":
            # As a string, as Rasa created its own engine: the same pool settings.
            url = self.engine.url.render_as_string(hide_password=False)
            self._single_statements = sa.create_engine(
                url, isolation_level="AUTOCOMMIT", **create_engine_kwargs(url)
            )
            _empty_both_pools_on_disconnect(self.engine, self._single_statements)

    @property
    def domain(self) -> Any:
        return self._domain

    @domain.setter
    def domain(self, domain: Any) -> None:
        # A new model (Rasa's HTTP API can load one) may have other slots.
        self._domain = domain
        self._recent.clear()

    def _execute_once(self, statement: str) -> None:
        with self.engine.begin() as connection:
            connection.exec_driver_sql(statement)

    @staticmethod
    def _create_once(create: Callable[[], None], exists: Callable[[], bool]) -> None:
        try:
            create()
        except sa.exc.DBAPIError as error:
            # Two Rasa servers starting together on a new database may both try; one wins.
            # PostgreSQL reports the loser as a unique violation on its type catalogue.
            # Any other reason (no right to create tables, say) must stop the start, not
            # fail every message later.
            if not exists():
                raise
            logger.info(f"Created by another server meanwhile: {error}")

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        try:
            return self._retrieve_kept_or_read(sender_id)
        except sa.exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
            # The database restarted since the pool's connections were opened: SQLAlchemy
            # has dropped them all, and the read is tried once more on a new one. (Cheaper
            # than `pool_pre_ping`, a round trip on every use of a connection.)
            logger.info(f"Reading conversation '{sender_id}' again: {error}")
            return self._retrieve_kept_or_read(sender_id)

    async def exists(self, conversation_id: str) -> bool:
        # Rasa's reads the conversation, which would take its kept tracker.
        return self._newest_stored(conversation_id) is not None

    def _kept(self, sender_id: str) -> DialogueStateTracker | None:
        """The tracker kept for this conversation, taken out, if it is as it was saved."""
        kept = self._recent.pop(sender_id, None)
        if kept is None:
            return None
        tracker, since = kept
        stored: Stored = _stored(tracker)  # type: ignore[assignment]
        if time.monotonic() - since > KEEP_SECONDS or len(tracker.events) != stored.events:
            return None
        return tracker if self._newest_stored(sender_id) == stored.last_event_id else None

    def _retrieve_kept_or_read(self, sender_id: str) -> DialogueStateTracker | None:
        tracker = self._kept(sender_id)
        if tracker is not None and not _stored(tracker).wants_checkpoint():  # type: ignore[union-attr]
            return tracker
        with self.session_scope() as session:
            if tracker is None:
                tracker = self._read(session, sender_id)
                if tracker is None:
                    return None
            if _stored(tracker).wants_checkpoint():  # type: ignore[union-attr]
                tracker = self._checkpointed(session, tracker)
            return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        marks = redaction.redact_tracker(tracker)
        await self.stream_events(tracker)
        stored = _stored(tracker)
        if stored is not None:
            new = list(itertools.islice(tracker.events, stored.events, None))
            window, expected = stored.after_checkpoint, stored.last_event_id
        else:
            with self.session_scope() as session:
                if self._newest_event_id(session, tracker.sender_id) is None:
                    new, window = list(tracker.events), 0  # a new conversation
                else:  # not handed out here (Rasa's API replacing events, say): count
                    new, window = list(self._additional_events(session, tracker)), None
            expected = None
        if new:
            before, last_event_id = self._insert(tracker.sender_id, new, expected)
        else:
            before = last_event_id = expected
        if marks.forgets:
            self._forget(tracker.sender_id, marks)
        # Kept only if nobody else wrote to the conversation meanwhile, and not when the
        # new events start a later session (read back from its start, as Rasa does), nor
        # when events were just redacted: read back as they now are, since the tracker's
        # latest message and slots still hold what its events no longer do (a private code
        # typed with a status question), which no process may keep, and which would make
        # its next checkpoint differ from it.
        if (
            window is not None
            and before == expected
            and not _starts_later_session(tracker, new)
            and not marks
        ):
            window += len(new)
        else:
            window = None
        tried_at = stored.tried_at if stored else 0
        setattr(tracker, STORED, Stored(len(tracker.events), last_event_id, window, tried_at))
        if window is not None and last_event_id is not None:  # not Rasa's new, empty one
            self._remember(tracker)

    def _remember(self, tracker: DialogueStateTracker) -> None:
        now = time.monotonic()
        self._recent[tracker.sender_id] = (tracker, now)
        self._recent.move_to_end(tracker.sender_id)
        while self._recent and (
            len(self._recent) > RECENT_CONVERSATIONS
            or now - next(iter(self._recent.values()))[1] > KEEP_SECONDS
        ):
            self._recent.popitem(last=False)

    def _insert(
        self, sender_id: str, events: list[Event], expected: int | None
    ) -> tuple[int | None, int]:
        """Stores the events; returns the conversation's newest event id before them (read
        in the same statement on PostgreSQL) and the id of the last of them."""
        rows = [self._row(sender_id, event) for event in events]
        if self.engine.dialect.name != "postgresql":
            with self.engine.begin() as connection:
                before = self._newest_event_id(connection, sender_id)
                connection.execute(self.SQLEvent.__table__.insert(), rows)
                return before, self._newest_event_id(connection, sender_id)
        try:
            return self._insert_postgresql(sender_id, rows)
        except sa.exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
            # The database restarted: the INSERT is one statement, so it was stored whole or
            # not at all. Not at all (the newest id is as this tracker left it): once more.
            if self._newest_stored(sender_id) != expected:
                raise
            logger.info(f"Storing conversation '{sender_id}' again: {error}")
            return self._insert_postgresql(sender_id, rows)

    def _insert_postgresql(self, sender_id: str, rows: list[dict]) -> tuple[int | None, int]:
        # Written out, not built by SQLAlchemy: compiling a multi-row INSERT took as long as
        # the rest of the save (docs/performance/2026-12-07-parts.md).
        table = self.SQLEvent.__table__.name
        columns = list(rows[0])
        one_row = f"({', '.join(['%s'] * len(columns))})"
        statement = (
            f"WITH previous AS (SELECT max(id) AS id FROM {table} WHERE sender_id = %s) "
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES {', '.join([one_row] * len(rows))} "
            "RETURNING id, (SELECT id FROM previous)"
        )
        values = [sender_id] + [row[column] for row in rows for column in columns]
        with self._single_statements.connect() as connection:
            returned = connection.exec_driver_sql(statement, tuple(values)).all()
        return returned[0][1], max(found for found, _ in returned)

    @staticmethod
    def _row(sender_id: str, event: Event) -> dict[str, Any]:
        """The row Rasa's SQL store writes for an event."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _newest_event_id(self, connection: Any, sender_id: str) -> int | None:
        """The id of the conversation's newest stored event, read on a session or
        connection already open."""
        return connection.execute(self._newest, {"sender_id": sender_id}).scalar()

    def _newest_stored(self, sender_id: str) -> int | None:
        """The same, in a statement of its own (autocommit on PostgreSQL)."""
        with self._single_statements.connect() as connection:
            return self._newest_event_id(connection, sender_id)

    def _read(self, session: Any, sender_id: str) -> DialogueStateTracker | None:
        """The conversation from the database: its checkpoint and the events after it."""
        checkpoint = self._valid_checkpoint(session, sender_id)
        if checkpoint is None:
            rows = self._event_query(session, sender_id, False).all()
            prefix: list[dict] = []
        else:
            rows = self._rows_after(session, sender_id, checkpoint.last_event_id).all()
            prefix = json.loads(checkpoint.events)
        events = prefix + [json.loads(row.data) for row in rows]
        if not events:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        last_event_id = rows[-1].id if rows else checkpoint.last_event_id  # type: ignore[union-attr]
        setattr(tracker, STORED, Stored(len(events), last_event_id, len(rows)))
        return tracker

    def _checkpointed(self, session: Any, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """The tracker rebuilt from a new checkpoint, written now; or the tracker itself
        when no checkpoint rebuilds it (tried again `COMPACT_RETRY_AFTER` events later).
        A checkpoint that does not rebuild the same state is a fall-back: counted, and the
        conversation is read whole as Rasa reads it."""
        stored: Stored = _stored(tracker)  # type: ignore[assignment]
        compact = self._compact(tracker, [event.as_dict() for event in tracker.events])
        if compact is None:
            stored.tried_at = stored.after_checkpoint or 0
            return tracker
        rebuilt = DialogueStateTracker.from_dict(tracker.sender_id, compact, self.domain.slots)
        if self._fingerprint(rebuilt) != self._fingerprint(tracker):
            stored.tried_at = stored.after_checkpoint or 0
            self._fallbacks.happened(tracker.sender_id)
            self._count(CHECKPOINT_FALLBACKS)
            return tracker
        self._write_checkpoint(session, tracker.sender_id, stored.last_event_id, compact)
        setattr(rebuilt, STORED, Stored(len(compact), stored.last_event_id, 0))
        return rebuilt

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """The events of a tracker this store did not hand out, not stored yet: counted
        against the stored conversation, checkpoint included."""
        checkpoint = self._valid_checkpoint(session, tracker.sender_id)
        if checkpoint is None:
            return super()._additional_events(session, tracker)
        stored = (
            checkpoint.event_count
            + self._rows_after(session, tracker.sender_id, checkpoint.last_event_id).count()
        )
        return iter(list(tracker.events)[stored:])

    def _rows_after(self, session: Any, sender_id: str, event_id: int) -> Any:
        return (
            session.query(self.SQLEvent)
            .filter(self.SQLEvent.sender_id == sender_id, self.SQLEvent.id > event_id)
            .order_by(self.SQLEvent.id)
        )

    def _valid_checkpoint(self, session: Any, sender_id: str) -> Checkpoint | None:
        """The conversation's checkpoint, unless its event was deleted or a new session
        was stored after it (both read the long way, as Rasa would)."""
        checkpoint = session.get(Checkpoint, sender_id)
        if checkpoint is None:
            return None
        event = session.get(self.SQLEvent, checkpoint.last_event_id)
        if event is None or event.sender_id != sender_id:
            session.delete(checkpoint)  # its conversation was purged: forget it too
            session.commit()
            return None
        newer_session = (
            self._rows_after(session, sender_id, checkpoint.last_event_id)
            .filter(self.SQLEvent.type_name == SessionStarted.type_name)
            .first()
        )
        return None if newer_session is not None else checkpoint

    def _write_checkpoint(
        self, session: Any, sender_id: str, last_event_id: int | None, events: list[dict]
    ) -> None:
        previous = session.get(Checkpoint, sender_id)
        if previous is None:
            session.add(
                Checkpoint(
                    sender_id=sender_id,
                    last_event_id=last_event_id,
                    event_count=len(events),
                    events=json.dumps(events),
                )
            )
        else:
            previous.last_event_id = last_event_id
            previous.event_count = len(events)
            previous.events = json.dumps(events)
        session.commit()
        self._count(CHECKPOINTS_WRITTEN)

    def _count(self, name: str) -> None:
        """Adds one to a count, in a statement of its own after the work it counts
        (autocommit on PostgreSQL): inside the checkpoint's transaction every server's
        checkpoint write would wait on the one row's lock, and a count that cannot be
        written (a locked SQLite file, a dropped table) must not fail the message it
        only describes."""
        try:
            with self._single_statements.begin() as connection:
                connection.execute(_INCREMENT, {"name": name})
        except sa.exc.SQLAlchemyError as error:
            logger.warning(f"{StoreCount.__tablename__}: {name} not counted ({error})")

    def _compact(self, tracker: DialogueStateTracker, events: list[dict]) -> list[dict] | None:
        """Events meant to rebuild `tracker` as Rasa will use it (`_checkpointed` checks
        that they do), or None when no user turn can be left out."""
        users = [i for i, event in enumerate(events) if event.get("event") == UserUttered.type_name]
        if len(users) <= KEEP_TURNS:
            return None
        # The session's opening (SessionStarted, carried-over slots, action_listen), not
        # an earlier checkpoint's SlotSets after it: `changed` is then every slot changed
        # since the opening, and a checkpoint stays as long as the slots are many.
        listen = next(
            (
                i + 1
                for i, event in enumerate(events)
                if event.get("event") == ActionExecuted.type_name
                and event.get("name") == "action_listen"
            ),
            users[0],
        )
        opening_end = min(listen, users[0])
        cut = _cut(tracker, events, users, opening_end)
        if cut is None:
            return None
        sender = tracker.sender_id
        slots = self.domain.slots

        def replayed(end: int) -> DialogueStateTracker:
            return DialogueStateTracker.from_dict(sender, events[:end], slots)

        at_cut = replayed(cut.at)
        if at_cut.is_paused():
            return None
        kept_from = at_cut if cut.keep_from == cut.at else replayed(cut.keep_from)
        kept_to = at_cut if cut.keep_to == cut.at else replayed(cut.keep_to)
        compact = events[:opening_end]
        compact += _slots_changed(
            replayed(opening_end), kept_from, events[cut.keep_from - 1].get("timestamp")
        )
        compact += events[cut.keep_from : cut.keep_to]
        timestamp = events[cut.at - 1].get("timestamp")
        compact += _slots_changed(kept_to, at_cut, timestamp)
        active = at_cut.active_loop
        if active is not None and active.name is not None and active.rejected:
            compact.append(ActionExecutionRejected(active.name, timestamp=timestamp).as_dict())
        return compact + events[cut.at :]

    def _fingerprint(self, tracker: DialogueStateTracker) -> tuple:
        """What Rasa's policies and actions read from a tracker besides old events."""
        state = tracker.current_state()
        del state["events"]
        return (
            json.dumps(state, sort_keys=True, default=str),
            json.dumps(
                tracker.past_states(self.domain)[-COMPARED_STATES:], sort_keys=True, default=str
            ),
        )
