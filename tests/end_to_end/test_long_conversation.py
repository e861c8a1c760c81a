"""A long conversation on the real stack answers exactly as it does with Rasa's own SQL
tracker store, while Rasa reads a bounded window of it (rasa_env/tracker_store.py)."""

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import session_scope
from tests.support.conversation import PROPOSAL_ANSWERS, Conversation
from tests.support.stack import Stack

pytestmark = pytest.mark.stack

# FAQs only: "can I submit more than one proposal?" would start the proposal form.
FAQS = [
    "is my proposal confidential?",
    "who pays for a pilot?",
    "are you a bot?",
    "who reviews my submission?",
    "how long does a review take?",
    "what happens after I submit?",
]


def script() -> list[str]:
    """65 FAQs, half a proposal form, a status question and 15 FAQs inside it, the form
    resumed and stopped (kept as a draft), 25 more FAQs, then the draft taken up again."""
    messages = [FAQS[n % len(FAQS)] for n in range(65)]
    messages += ["I want to submit a proposal"] + [answer for _, answer in PROPOSAL_ANSWERS[:5]]
    messages += ["what's the status?"] + [FAQS[n % len(FAQS)] for n in range(15)]
    messages += [answer for _, answer in PROPOSAL_ANSWERS[5:7]] + ["stop", "yes"]
    messages += [FAQS[n % len(FAQS)] for n in range(25)]
    messages += ["I want to submit a proposal", "yes"]
    return messages


def replies(stack: Stack, sender: str) -> list[str]:
    person = Conversation(stack.url, sender)
    return [json.dumps(person.say(message), sort_keys=True) for message in script()]


def test_long_conversation_answers_as_with_rasas_store_and_reads_a_window(stack, tmp_path: Path):
    sender = f"test-{uuid.uuid4()}"
    ours = replies(stack, sender)

    stock = Stack(
        database_url=f"sqlite:///{tmp_path / 'stock.db'}", env={"ENTRYWAY_TRACKER_WINDOW": "0"}
    )
    stock.start()
    try:
        theirs = replies(stock, sender)
    finally:
        stock.stop()

    for number, (message, mine, expected) in enumerate(zip(script(), ours, theirs, strict=True)):
        assert mine == expected, (number, message)
    # The draft was offered and taken up where it was left.
    assert "unfinished proposal" in ours[-2]
    assert "pick up where you left off" in ours[-1]

    with session_scope(stack.database_url) as session:
        stored = session.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}
        ).scalar_one()
        checkpoint = session.execute(
            text("SELECT last_event_id, event_count FROM tracker_checkpoints WHERE sender_id = :s"),
            {"s": sender},
        ).one()
        after = session.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s AND id > :id"),
            {"s": sender, "id": checkpoint.last_event_id},
        ).scalar_one()
    loaded = checkpoint.event_count + after
    # Every event is stored; Rasa reads at most a checkpoint and the 120 events after it
    # that make the next one (rasa_env/tracker_store.py, COMPACT_AFTER).
    assert stored > 400, stored
    assert loaded < 200, (loaded, stored)
