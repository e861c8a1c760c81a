"""The windowed tracker store (rasa_env/tracker_store.py) in the conversations people
have, through real Rasa: the trained model, the real action server, SQLite and
PostgreSQL. Each conversation runs once with Rasa's own SQLTrackerStore and once with
the windowed store. After every message the windowed store's trackers (the one it
keeps, and the one another Rasa server reads back from the database) must be in the
state Rasa's own store reads from the same stored events, the replies must be the same,
and no checkpoint may fall back to reading the conversation whole.

Marked `stack`: Rasa handles every message here (in this process) with the real action
server, the slow tier `make test` runs and `make test-fast` leaves out."""

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.agent import Agent, load_agent
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from bench.load import CONVERSATION as BENCH_CONVERSATION
from rasa_env import tracker_store
from rasa_env.endpoints import tracker_url
from rasa_env.tracker_store import WindowedSQLTrackerStore
from tests.support.rasa_agent import Assistant, action_server, app_database

pytestmark = pytest.mark.stack

QUESTION_OPEN = [{"event": "slot", "name": "question_open", "value": True}]
# A whole proposal, answered as the form asks.
PROPOSAL = [
    "Zephyr Kinetics Holdings",
    "Quillon Marbeck",
    "quillon.marbeck@zephyr-kinetics.example",
    "+1 512 555 0199",
    "zephyr-kinetics.example",
    "Adaptive signal timing pilot on Lamar",
    "Congestion on Lamar Boulevard delays buses at rush hour",
    "Zephyr-Flux algorithm retimes signals from camera counts",
    "Mobility",
    "Transportation and Public Works",
    "Deployed elsewhere",
    "Deployed in Tulsa since 2023 at 40 intersections",
    "Pilot site",
    "Cost share",
    "$12,000",
    "No",
    "Anonymous vehicle counts per lane",
    "No",
    "The City",
    "Algorithm licensed per intersection per year",
    "Partly",
    "Six month pilot from April",
    "Faster buses on a route used by many low-income riders",
    "solution, ip terms",
]
# Questions that start no form.
QUESTIONS = [
    "is my proposal confidential?",
    "who pays for a pilot?",
    "are you a bot?",
    "who reviews my submission?",
    "how long does a review take?",
    "what happens after I submit?",
]
# A message, or (slot events the app appends through Rasa's HTTP API first, message).
Step = str | tuple[list[dict], str]
SHAPES: dict[str, list[Step]] = {
    # The load that showed the fall-backs: every such conversation fell back once.
    "stop inside a form, confirmed": [
        "hello",
        "how long does the evaluation take?",
        "what's the status of SC-2026-00001?",
        "I want to submit a proposal",
        "Acme Mobility",
        "Jane Doe",
        "jane@acme.example",
        "stop",
        "yes",
        "bye",
    ],
    # `make bench`'s conversation (bench/load.py), as its simulated users send it.
    "the bench's conversation": [step.format(n=7) for step in BENCH_CONVERSATION],
    # A Slack DM intake: the whole form, with the app's `question_open` set before some
    # messages (a question of City staff was open), then a reply after the receipt.
    "a Slack intake": [
        "hello",
        "I want to submit a proposal",
        *[(QUESTION_OPEN, answer) if n % 5 == 0 else answer for n, answer in enumerate(PROPOSAL)],
        "Yes, submit",
        (QUESTION_OPEN, "thanks"),
    ],
    # Long enough for checkpoints: questions, the stop inside a form and its
    # confirmation, more questions.
    "questions around a stopped form": [
        *[FAQ for _ in range(2) for FAQ in QUESTIONS],
        "I want to submit a proposal",
        *PROPOSAL[:3],
        "stop",
        "yes",
        *[FAQ for _ in range(2) for FAQ in QUESTIONS],
        "bye",
    ],
    # Into a form, out of it with a question and "stop", and back into it from the draft.
    "a form stopped and resumed": [
        "I have an idea for the city",
        "Solar benches that charge phones in every park",
        "who reviews my submission?",
        "stop",
        "yes",
        "hello",
        "I have an idea for the city",
        "yes",
        "Zilker Park",
        "bye",
    ],
}
# Compared as the windowed store's guard compares them: enough for every rule.
COMPARED_STATES = tracker_store.COMPARED_STATES
# What differs between two runs of one conversation in one database.
_RUN_SPECIFIC = re.compile(r"SC-\d{4}-\d+|private status code is [\w-]+|(windowed|rasa)-\d+")


@pytest.fixture(autouse=True)
def checkpoint_every_40_events(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checkpoints as often as they once were (COMPACT_AFTER was 40), so that these shapes,
    shorter than the production interval, are cut and compared."""
    monkeypatch.setattr(tracker_store, "COMPACT_AFTER", 40)
    monkeypatch.setattr(tracker_store, "COMPACT_RETRY_AFTER", 40)


@pytest.fixture(scope="module")
def agent(trained_model: Path) -> Agent:
    return asyncio.run(load_agent(model_path=str(trained_model)))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    with app_database(request.param, tmp_path_factory.mktemp("database")) as url:
        yield url


@pytest.fixture(scope="module")
def actions(database: str) -> Iterator[str]:
    with action_server(database) as url:
        yield url


def state(tracker: DialogueStateTracker, domain: Any) -> str:
    """What Rasa's policies and actions read from a tracker besides its old events."""
    current = tracker.current_state()
    del current["events"], current["sender_id"]
    states = tracker.past_states(domain)[-COMPARED_STATES:]
    return json.dumps([current, states], sort_keys=True, default=str)


def counts(store: WindowedSQLTrackerStore) -> dict[str, int]:
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT name, value FROM tracker_store_counts"))
        return dict(rows.all())


def replies_text(replies: list[dict]) -> str:
    return _RUN_SPECIFIC.sub("*", json.dumps(replies, sort_keys=True))


async def converse(agent: Agent, actions: str, database: str, shape: str, number: int) -> int:
    """Runs the conversation; returns how many checkpoints the windowed store wrote."""
    url = tracker_url(database)
    domain = agent.domain
    rasas = SQLTrackerStore(domain, host=url)
    windowed = WindowedSQLTrackerStore(domain, host=url)
    other_server = WindowedSQLTrackerStore(domain, host=url)
    ours = Assistant(agent.processor, windowed, actions)
    theirs = Assistant(agent.processor, rasas, actions)
    # Slack's chat identities: the app names them so (storage/identity.py).
    prefix = "slack-T0TEST-U" if "Slack" in shape else ""
    mine, stock = f"{prefix}windowed-{number}", f"{prefix}rasa-{number}"
    before = counts(windowed)
    for said, step in enumerate(SHAPES[shape]):
        slots, message = step if isinstance(step, tuple) else ([], step)
        for assistant, sender in ((theirs, stock), (ours, mine)):
            if slots:
                await assistant.append(sender, slots)
        expected = await theirs.say(stock, message, {"client": stock})
        got = await ours.say(mine, message, {"client": mine})
        assert replies_text(got) == replies_text(expected), (said, message)
        as_rasa_reads_it = state(await rasas.retrieve(mine), domain)
        kept = windowed._recent.get(mine)
        if kept is not None:  # none right after a redaction (a receipt's code): read back
            assert state(kept[0], domain) == as_rasa_reads_it, (said, message)
        read_back = await other_server.retrieve(mine)
        assert state(read_back, domain) == as_rasa_reads_it, (said, message)
    after = counts(windowed)
    fallbacks = after.get("checkpoint_fallbacks", 0) - before.get("checkpoint_fallbacks", 0)
    assert fallbacks == 0, (shape, after)
    return after.get("checkpoints_written", 0) - before.get("checkpoints_written", 0)


@pytest.mark.parametrize("shape", SHAPES)
def test_conversation_keeps_rasas_state_with_no_checkpoint_fallback(
    agent: Agent, actions: str, database: str, shape: str
) -> None:
    number = list(SHAPES).index(shape)
    written = asyncio.run(converse(agent, actions, database, shape, number))
    if shape in ("questions around a stopped form", "a Slack intake"):
        assert written > 0  # the window works in these shapes: it is not compared idly
