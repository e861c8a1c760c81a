"""rasa_env/tracker_store.py against Rasa's own SQL store, on SQLite and PostgreSQL: fed
the same long conversation turn by turn (retrieve, add the turn's events, save, as Rasa
does), both stores must store the same events and give trackers in the same state, while
the windowed one reads a bounded number of events, and mostly none: it keeps the trackers
it saved, and reads one back only when something else wrote to its conversation. A
checkpoint that would rebuild another state is not used, and is counted where the app's
/healthz reads it; whichever store the endpoints name, nothing private is stored."""

import asyncio
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from rasa_env import redaction
from rasa_env import tracker_store as windowed_module
from rasa_env.endpoints import endpoints, tracker_url
from rasa_env.tracker_store import WindowedSQLTrackerStore
from tests.support.rasa_agent import ROOT, app_database, app_server

_clock = [1_700_000_000.0]


def at(event: Event) -> Event:
    """The event one second after the one made before it."""
    _clock[0] += 1.0
    event.timestamp = _clock[0]
    return event


def faq(number: int) -> list[Event]:
    return [
        at(UserUttered(f"question {number}", {"name": "faq", "confidence": 0.9})),
        at(ActionExecuted("utter_faq")),
        at(BotUttered(f"answer {number}")),
        at(ActionExecuted("action_listen")),
    ]


def form_turn(number: int, first: bool = False) -> list[Event]:
    events = [at(UserUttered(f"answer {number}", {"name": "inform", "confidence": 0.9}))]
    events += [at(ActionExecuted("proposal_form"))]
    if first:
        events += [at(ActiveLoop("proposal_form"))]
    return [
        *events,
        at(SlotSet("requested_slot", f"slot_{number}")),
        at(BotUttered(f"form question {number}")),
        at(ActionExecuted("action_listen")),
    ]


def close_form() -> list[Event]:
    return [
        at(UserUttered("stop", {"name": "stop", "confidence": 0.9})),
        at(ActionExecuted("proposal_form")),
        at(ActiveLoop(None)),
        at(SlotSet("requested_slot", None)),
        at(ActionExecuted("action_listen")),
    ]


def opening() -> list[Event]:
    return [
        at(ActionExecuted("action_session_start")),
        at(SessionStarted()),
        at(ActionExecuted("action_listen")),
    ]


def state(tracker) -> str:
    found = tracker.current_state()
    del found["events"], found["sender_id"]
    return json.dumps(found, sort_keys=True, default=str)


def stored(store: SQLTrackerStore, sender: str) -> list[dict]:
    with store.session_scope() as session:
        rows = session.query(store.SQLEvent).filter_by(sender_id=sender).order_by(store.SQLEvent.id)
        return [json.loads(row.data) for row in rows]


async def turn(store: TrackerStore, sender: str, events: list[Event]) -> int:
    """One message as Rasa handles it; returns how many events the store handed out."""
    tracker = await store.retrieve(sender)
    if tracker is None:
        tracker = store.init_tracker(sender)
    loaded = len(tracker.events)
    for event in events:
        tracker.update(event)
    await store.save(tracker)
    return loaded


CODE, REFERENCE = "Qx7-private_code", "SC-2026-0042"
ANSWERS = [
    "Vendor registration ZEBRA-WHAT-1",
    "ZEBRA-WHERE-2 department",
    "ZEBRA-SUGGEST-3 please",
    "ZEBRA-CONTACT-4@example.org",
]


def user(text, intent="inform"):
    found = {"name": intent, "confidence": 0.9}
    entities = [{"entity": "email", "value": text}]
    return at(
        UserUttered(text, found, entities, {"text": text, "intent": found, "entities": entities})
    )


def asked(number):
    return [
        user(f"question {number}", "faq"),
        at(ActionExecuted("utter_faq")),
        at(BotUttered(f"answer {number}")),
        at(ActionExecuted("action_listen")),
    ]


def answer(text, slot, next_slot):
    return [
        user(text),
        at(ActionExecuted("barrier_form")),
        at(SlotSet(slot, text)),
        at(SlotSet("requested_slot", next_slot)),
        at(BotUttered(f"Here is your feedback: {text}")),
        at(ActionExecuted("action_listen")),
    ]


def start_form():
    return [
        user("I want to report a barrier", "report_barrier"),
        at(ActionExecuted("action_start_feedback")),
        at(SlotSet("active_form", "feedback")),
        at(ActionExecuted("barrier_form")),
        at(ActiveLoop("barrier_form")),
        at(SlotSet("requested_slot", "barrier_what")),
        at(BotUttered("What happened?")),
        at(ActionExecuted("action_listen")),
    ]


def stop_form():
    return [
        user("stop", "stop"),
        at(ActionExecuted("barrier_form")),
        at(ActiveLoop(None)),
        at(SlotSet("requested_slot", None)),
        at(ActionExecuted("action_finish_submission")),
        at(SlotSet("barrier_what", None)),
        at(SlotSet("active_form", None)),
        at(BotUttered("Stopped.")),
        at(ActionExecuted("action_listen")),
    ]


def resume():
    return [
        user("continue my feedback", "resume"),
        at(ActionExecuted("action_resume_draft")),
        at(SlotSet("active_form", "feedback")),
        at(SlotSet("barrier_what", ANSWERS[0])),
        at(ActionExecuted("barrier_form")),
        at(ActiveLoop("barrier_form")),
        at(SlotSet("requested_slot", "barrier_where")),
        at(BotUttered("Where?")),
        at(ActionExecuted("action_listen")),
    ]


def submit(anonymous):
    private = {"secrets": [CODE]}
    if anonymous:
        private = {
            "secrets": [CODE, REFERENCE],
            "forget": {
                "forms": ["barrier_form"],
                "slots": [
                    "barrier_what",
                    "barrier_where",
                    "barrier_suggestion",
                    "barrier_contact",
                    "feedback_confirmed",
                ],
            },
        }
    receipt = (
        f"Thank you, your feedback is submitted. Your reference is {REFERENCE}. "
        f"Your private status code is {CODE}: keep it."
    )
    return [
        user("Yes, submit", "affirm"),
        at(ActionExecuted("barrier_form")),
        at(SlotSet("feedback_confirmed", "yes")),
        at(ActiveLoop(None)),
        at(SlotSet("requested_slot", None)),
        at(ActionExecuted("action_finish_submission")),
        *[
            at(SlotSet(slot, None))
            for slot in (
                "barrier_what",
                "barrier_where",
                "barrier_suggestion",
                "barrier_contact",
                "feedback_confirmed",
            )
        ],
        at(SlotSet("active_form", None)),
        at(BotUttered(receipt, metadata={"entryway_private": private})),
        at(ActionExecuted("action_listen")),
    ]


def conversation(anonymous):
    turns = [
        [
            at(ActionExecuted("action_session_start")),
            at(SessionStarted()),
            at(ActionExecuted("action_listen")),
        ],
        start_form(),
        answer(ANSWERS[0], "barrier_what", "barrier_where"),
        stop_form(),
        resume(),
    ]
    # Enough turns for the windowed store to write a checkpoint while the form is active.
    turns += [asked(n) for n in range(12)]
    turns += [
        answer(ANSWERS[1], "barrier_where", "barrier_suggestion"),
        answer(ANSWERS[2], "barrier_suggestion", "barrier_contact"),
        answer(
            ANSWERS[3] if not anonymous else "anonymous", "barrier_contact", "feedback_confirmed"
        ),
    ]
    turns += [asked(n) for n in range(12, 20)]
    return [*turns, submit(anonymous)]


def store_for(environ, domain):
    return TrackerStore.create(
        EndpointConfig.from_dict(endpoints(environ)["tracker_store"]), domain
    )


def stored_texts(store, sender):
    if hasattr(store, "red"):
        value = store.red.get(store.key_prefix + sender)
        return [value if isinstance(value, str) else value.decode()]
    with store.session_scope() as session:
        texts = [row.data for row in session.query(store.SQLEvent).filter_by(sender_id=sender)]
        checkpoint = session.get(windowed_module.Checkpoint, sender)
        return texts + ([checkpoint.events] if checkpoint is not None else [])


async def keeps_nothing_private(environ, domain):
    store, other = store_for(environ, domain), store_for(environ, domain)
    name = type(store).__name__
    for anonymous in (True, False):
        sender = f"{name}-{anonymous}"
        for events in conversation(anonymous):
            await turn(store, sender, events)
        if name.startswith("Windowed"):  # with the form's answers in it, until submitted
            with store.session_scope() as session:
                assert session.get(windowed_module.Checkpoint, sender) is not None
        everything = "\n".join(stored_texts(store, sender))
        assert CODE not in everything and "entryway_private" not in everything, name
        assert "Thank you, your feedback is submitted" in everything, name
        missing = [text for text in [*ANSWERS, REFERENCE] if text not in everything]
        if anonymous:
            assert missing == [*ANSWERS, REFERENCE], (name, missing)
            assert "[redacted]" in everything
        else:
            assert missing == [], (name, missing)
        # The next message goes on from the redacted conversation, on this server and on
        # another that never saw it.
        for server in (store, other):
            tracker = await server.retrieve(sender)
            assert tracker.active_loop_name is None, name
            assert tracker.get_slot("barrier_what") is None, name
            assert tracker.latest_action_name == "action_listen", name
        await turn(other, sender, asked(99))
        tracker = await store.retrieve(sender)
        assert tracker.latest_message.text == "question 99", name
        assert tracker.get_slot("barrier_what") is None, name
    if hasattr(store, "red"):  # the retention job's absolute limit, as Redis is written
        now = time.time()
        _clock[0] = now - 100 * 24 * 3600
        await turn(
            store,
            "aged",
            [at(ActionExecuted("action_session_start")), at(SessionStarted()), *asked(1000)],
        )
        _clock[0] = now
        await turn(
            store,
            "aged",
            [at(ActionExecuted("action_session_start")), at(SessionStarted()), *asked(1001)],
        )
        kept = stored_texts(store, "aged")[0]
        assert "question 1000" not in kept and "question 1001" in kept, kept
    if hasattr(store, "engine"):
        for engine in {store.engine, getattr(store, "_single_statements", store.engine)}:
            assert engine.hide_parameters, name
            try:
                with engine.connect() as connection:
                    connection.execute(
                        sa.text("SELECT nothing FROM events WHERE sender_id = :s"),
                        {"s": "ZEBRA-PARAMETER"},
                    )
            except sa.exc.DBAPIError as error:
                assert "ZEBRA-PARAMETER" not in str(error), error
            else:
                raise AssertionError("the statement ran")


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database the app migrated, as the app names it."""
    with app_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


async def stores_and_rebuilds(url: str, domain: Domain) -> None:
    stock = SQLTrackerStore(domain, host=url)
    windowed = WindowedSQLTrackerStore(domain, host=url)
    # Another Rasa server on the same database: it reads what is stored, never kept trackers.
    other = WindowedSQLTrackerStore(domain, host=url)
    reads = []
    read = windowed._read
    windowed._read = lambda session, sender: reads.append(sender) or read(session, sender)

    turns = [opening()] + [faq(n) for n in range(70)]
    turns += [form_turn(n, first=n == 0) for n in range(6)]
    turns += [faq(n) for n in range(100, 120)]  # FAQs while the form is active
    turns += [form_turn(n) for n in range(6, 12)] + [close_form()]
    turns += [faq(n) for n in range(200, 260)]
    turns += [[at(SlotSet("email", "a@b.example")), *faq(300)]] + [faq(n) for n in range(301, 330)]
    most_loaded = []
    for number, events in enumerate(turns):
        await turn(stock, "stock", events)
        loaded = await turn(windowed, "windowed", events)
        most_loaded.append(loaded)
        assert stored(stock, "stock") == stored(stock, "windowed"), number
        theirs = await stock.retrieve("stock")
        assert state(await other.retrieve("windowed")) == state(theirs), number
        kept, _ = windowed._recent["windowed"]
        assert state(kept) == state(theirs), number
    # Read from the database once (the first turn creates the conversation; each new
    # checkpoint is rebuilt in memory): every other turn found its tracker kept.
    assert reads == ["windowed"], reads
    total = sum(len(events) for events in turns)
    assert len(stored(stock, "windowed")) == total
    full = await windowed.retrieve_full_tracker("windowed")
    assert len(full.events) == total
    # A form turn mid-way may put a checkpoint off, for COMPACT_RETRY_AFTER more events.
    bound = windowed_module.COMPACT_AFTER + windowed_module.COMPACT_RETRY_AFTER + 30
    # Bounded throughout, FAQs inside the form included.
    assert max(most_loaded) <= bound, most_loaded

    # A new session after a checkpoint is read as Rasa reads it.
    new_session = [
        at(ActionExecuted("action_session_start")),
        at(SessionStarted()),
        at(SlotSet("email", "a@b.example")),
        at(ActionExecuted("action_listen")),
    ]
    for events in (new_session, faq(900)):
        await turn(stock, "stock", events)
        await turn(windowed, "windowed", events)
    assert stored(stock, "stock") == stored(stock, "windowed")
    ours, theirs = await windowed.retrieve("windowed"), await stock.retrieve("stock")
    assert [e.as_dict() for e in ours.events] == [e.as_dict() for e in theirs.events]

    # Another server took a message of the conversation (this one was down, say): the
    # kept tracker is stale, and the conversation is read back with that message.
    reads.clear()
    events = faq(901)
    await turn(other, "windowed", events)
    await turn(stock, "stock", events)
    assert state(await windowed.retrieve("windowed")) == state(await stock.retrieve("stock"))
    assert reads == ["windowed"], reads
    # A message that fails half-way (never saved) leaves nothing kept behind.
    events = faq(902)
    await turn(windowed, "windowed", events)
    await turn(stock, "stock", events)
    failing = await windowed.retrieve("windowed")
    for event in faq(903):
        failing.update(event)
    assert state(await windowed.retrieve("windowed")) == state(await stock.retrieve("stock"))
    assert stored(stock, "stock") == stored(stock, "windowed")

    # Rasa's own start of a conversation (an empty tracker saved, then filled): a first
    # message that fails before its save leaves nothing kept either.
    fresh = await windowed.get_or_create_tracker("fresh", append_action_listen=False)
    for event in opening() + faq(904):
        fresh.update(event)
    assert await windowed.retrieve("fresh") is None
    # Nor does one saved half-way (Rasa saves before a reminder, say) and changed after.
    events = faq(904)
    await turn(stock, "stock", events)
    halfway = await windowed.retrieve("windowed")
    for event in events:
        halfway.update(event)
    await windowed.save(halfway)
    for event in faq(909):
        halfway.update(event)
    assert state(await windowed.retrieve("windowed")) == state(await stock.retrieve("stock"))

    # A message that outlived its lock while another server handled the next one: when it
    # is saved at last, the conversation is read back whole, with the other's events.
    events = faq(905)
    await turn(windowed, "windowed", events)
    await turn(stock, "stock", events)
    # (Asking whether a conversation exists does not take its kept tracker.)
    assert await windowed.exists("windowed") and not await windowed.exists("nobody")
    assert "windowed" in windowed._recent
    late = await windowed.retrieve("windowed")
    events = faq(906)
    await turn(other, "windowed", events)
    late_events = faq(907)
    for event in late_events:
        late.update(event)
    await windowed.save(late)
    for events in (faq(906), late_events):
        await turn(stock, "stock", events)
    reads.clear()
    assert state(await windowed.retrieve("windowed")) == state(await stock.retrieve("stock"))
    assert reads == ["windowed"], reads
    # A new model may have other slots: nothing is kept across it.
    await turn(windowed, "windowed", faq(908))
    windowed.domain = domain
    assert not windowed._recent

    # A purged conversation (the retention job deletes its events) is gone, checkpoint too.
    with windowed.session_scope() as session:
        session.execute(sa.text("DELETE FROM events WHERE sender_id = 'windowed'"))
        session.commit()
    for events in turns[:60]:
        await turn(windowed, "windowed", events)  # a checkpoint again
    with windowed.session_scope() as session:
        session.execute(sa.text("DELETE FROM events WHERE sender_id = 'windowed'"))
        session.commit()
    assert await windowed.retrieve("windowed") is None
    with windowed.session_scope() as session:
        left = session.execute(sa.text("SELECT count(*) FROM tracker_checkpoints")).scalar()
    assert left == 0, left

    # Rasa's HTTP API reads conversations without their lock: a checkpoint written by such
    # a read while a message is being handled must not make that message's save store old
    # events again (or skip new ones).
    for number in range(50):
        await turn(stock, "race", faq(1000 + number))
    compact_after = windowed_module.COMPACT_AFTER
    windowed_module.COMPACT_AFTER = 10_000
    handling = await windowed.retrieve("race")  # read whole: no checkpoint yet
    windowed_module.COMPACT_AFTER = compact_after
    await windowed.retrieve("race")  # meanwhile, another read writes one
    with windowed.session_scope() as session:
        assert session.get(windowed_module.Checkpoint, "race") is not None
    before = stored(stock, "race")
    for event in faq(1100):
        handling.update(event)
    await windowed.save(handling)
    after = stored(stock, "race")
    assert after[: len(before)] == before and len(after) == len(before) + 4, len(after)

    # PostgreSQL restarted (its connections killed) while a tracker was kept: the next
    # messages are read and stored as if nothing happened, whichever pool meets it first.
    if windowed.engine.dialect.name == "postgresql":

        async def both(events):
            await turn(stock, "stock-restart", events)
            await turn(windowed, "restart", events)

        for events in (opening() + faq(1200), faq(1201)):
            await both(events)
        assert "restart" in windowed._recent
        pids = []
        for engine in (windowed.engine, windowed._single_statements):
            assert engine.pool.checkedin() == 1, engine.pool.status()
            with engine.connect() as connection:
                pids.append(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar())
        with stock.engine.connect() as connection:
            for pid in pids:
                connection.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        for events in (faq(1202), faq(1203)):
            await both(events)
        assert stored(stock, "restart") == stored(stock, "stock-restart")
        theirs = await stock.retrieve("stock-restart")
        assert state(await windowed.retrieve("restart")) == state(theirs)


def test_windowed_store_stores_and_rebuilds_what_rasas_store_does(database, domain) -> None:
    asyncio.run(stores_and_rebuilds(tracker_url(database), domain))


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_stores_keep_no_private_code_and_forget_an_anonymous_form(kind, tmp_path, domain) -> None:
    """Whichever store the endpoints name (windowed SQL, SQL read whole, Redis), a reply's
    secret is never stored, an anonymous submission's answers and reference are gone from
    every stored event and checkpoint, the conversation goes on, and a failed statement's
    error names no value."""
    with app_database(kind, tmp_path) as database:
        url = tracker_url(database)
        environments = [
            {"DATABASE_URL": url},
            {"DATABASE_URL": url, "ENTRYWAY_TRACKER_WINDOW": "0"},
        ]
        if kind == "sqlite":
            environments.append(
                {"ENTRYWAY_TRACKER_STORE": "redis", "REDIS_URL": "redis://127.0.0.1:6379/12"}
            )
        for environ in environments:
            if "REDIS_URL" in environ:
                redis.Redis.from_url(environ["REDIS_URL"]).flushdb()
            asyncio.run(keeps_nothing_private(environ, domain))


def rules_state(tracker, domain: Domain) -> str:
    """What Rasa's policies and actions read from a tracker besides its old events."""
    found = tracker.current_state()
    del found["events"], found["sender_id"]
    states = tracker.past_states(domain)[-windowed_module.COMPARED_STATES :]
    return json.dumps([found, states], sort_keys=True, default=str)


def stopped_form() -> list[list[Event]]:
    """The shape that fell back under load (a greeting and two questions, a form
    answered three times, "stop" inside it, more messages), long enough for two tries
    at a checkpoint."""
    return [
        opening(),
        *[faq(n) for n in range(3)],
        form_turn(0, first=True),
        *[form_turn(n) for n in range(1, 4)],
        close_form(),
        *[faq(n) for n in range(3, 15)],
    ]


def cut_at_the_kept_turns(tracker, events: list[dict], users: list[int], opening_end: int):
    """A cut at the kept turns, whatever dialogue states they make and whichever form is
    active there (how checkpoints were cut before they kept every compared turn)."""
    at = windowed_module._turn_start(events, users[-windowed_module.KEEP_TURNS])
    return windowed_module.Cut(at, at, at)


def counted(store: WindowedSQLTrackerStore) -> dict[str, int]:
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT name, value FROM tracker_store_counts"))
        return dict(rows.all())


async def talk(database: str, domain: Domain, senders: list[str]) -> None:
    """Each sender has the conversation with the windowed store and Rasa's own; the
    tracker Rasa gets next must be in the same state either way."""
    url = tracker_url(database)
    stock, windowed = SQLTrackerStore(domain, host=url), WindowedSQLTrackerStore(domain, host=url)
    for sender in senders:
        for events in stopped_form():
            await turn(stock, f"stock-{sender}", events)
            await turn(windowed, sender, events)
            kept, _ = windowed._recent[sender]
            theirs = await stock.retrieve(f"stock-{sender}")
            assert rules_state(kept, domain) == rules_state(theirs, domain), sender


def healthz(url: str, headers: dict[str, str]) -> dict:
    request = urllib.request.Request(f"{url}/healthz", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as answer:  # 503: no Rasa server here
        return json.loads(answer.read())


def test_a_checkpoint_that_would_change_the_state_is_not_used_but_counted_for_healthz(
    database, domain, monkeypatch, caplog
) -> None:
    """The guard stays: a checkpoint cut where the dialogue states differ (as every one
    in a form once was) is not used; each is counted in the database, the
    log names the first and then sums up the others, and the app's /healthz shows the
    count to a caller on this host."""
    monkeypatch.setattr(windowed_module, "COMPACT_AFTER", 40)  # cut this short conversation
    monkeypatch.setattr(windowed_module, "COMPACT_RETRY_AFTER", 40)
    asyncio.run(talk(database, domain, ["well-cut"]))
    url = tracker_url(database)
    assert counted(WindowedSQLTrackerStore(domain, host=url)) == {"checkpoints_written": 1}
    assert caplog.records == []

    monkeypatch.setattr(windowed_module, "_cut", cut_at_the_kept_turns)
    with caplog.at_level(logging.WARNING, logger=windowed_module.__name__):
        asyncio.run(talk(database, domain, ["first", "second"]))
        lines = [record.getMessage() for record in caplog.records]
        assert len(lines) == 1 and "'first' read whole" in lines[0], lines
        monkeypatch.setattr(windowed_module, "FALLBACK_LOG_SECONDS", 0)
        asyncio.run(talk(database, domain, ["third"]))
        lines = [record.getMessage() for record in caplog.records]
    counts = counted(WindowedSQLTrackerStore(domain, host=url))
    fallbacks, written = counts["checkpoint_fallbacks"], counts["checkpoints_written"]
    assert fallbacks >= 3, counts
    # Each new store counts its own lines: the third conversation's store logged its first.
    assert len(lines) == 2 and "'third' read whole" in lines[1], lines

    with app_server(database, ENTRYWAY_TRUSTED_PROXIES="127.0.0.1") as app:
        here = healthz(app, {})
        assert here["tracker_checkpoint_fallbacks"] == f"{fallbacks} of {fallbacks + written}", here
        public = healthz(app, {"X-Forwarded-For": "203.0.113.9"})
        assert "tracker_checkpoint_fallbacks" not in public, public
        assert public["database"] == "ok", public


def status_with_code() -> list[Event]:
    """A status question typed with the private code, the reply marked to keep it secret."""
    said = f"how is {REFERENCE} doing? my code is {CODE}"
    intent = {"name": "check_status", "confidence": 0.9}
    reference = [{"entity": "reference", "value": REFERENCE}]
    parse = {"text": said, "intent": intent, "entities": reference}
    return [
        at(UserUttered(said, intent, reference, parse)),
        at(ActionExecuted("action_check_status")),
        at(
            BotUttered(
                f"{REFERENCE} is in evaluation.", metadata={redaction.MARK: {"secrets": [CODE]}}
            )
        ),
        at(ActionExecuted("action_listen")),
    ]


def test_a_conversation_whose_events_were_redacted_is_read_back_not_kept(database, domain) -> None:
    """The tracker Rasa saved still holds the code in its latest message; the store keeps
    none of it in memory, the next message reads the conversation as stored (no code), and
    its checkpoints later rebuild it exactly (none falls back)."""

    async def talk() -> None:
        url = tracker_url(database)
        store = WindowedSQLTrackerStore(domain, host=url)
        await turn(store, "coded", opening())
        await turn(store, "coded", status_with_code())
        assert "coded" not in store._recent
        tracker = await store.retrieve("coded")
        assert CODE not in json.dumps(tracker.current_state(EventVerbosity.ALL), default=str)
        assert redaction.REDACTED in tracker.latest_message.text
        for number in range(40):  # past COMPACT_AFTER events: a checkpoint is cut
            await turn(store, "coded", asked(number))
        counts = counted(store)
        assert counts.get("checkpoints_written", 0) >= 1, counts
        assert "checkpoint_fallbacks" not in counts, counts

    asyncio.run(talk())
