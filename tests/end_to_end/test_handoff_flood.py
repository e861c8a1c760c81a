"""A flood of requests to talk to a person, through the real stack (Rasa, the action
server, the app, the scheduler's notifier) and a fake Slack: many chat identities (free
to make) from one address. The channel gets a few posts of their own and one summary
post; a triage card queued in the middle of the flood still arrives within a minute;
every request is recorded and listed by `staff_cli handoffs`; the people over their
address's limit are told their request waits in the staff's list."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest

from storage import contacts, handoff_pace, handoffs, submissions
from storage.db import session_scope
from storage.models import Kind
from tests.support.conversation import Conversation
from tests.support.fake_slack import FakeSlack
from tests.support.mailbox import Mailbox
from tests.support.sending import TRIAGE_CHANNEL, slack_env
from tests.support.stack import ROOT, Stack

pytestmark = pytest.mark.stack

PEOPLE = 16  # each a chat identity of its own, all from 127.0.0.1
PER_ADDRESS = 4  # ENTRYWAY_HANDOFF_LIMIT_PER_CLIENT for the test
CARD_WITHIN = 60.0
SENT = "Your request is with City staff"
HELD = "recorded in the staff's list of requests"


@pytest.fixture
def flood_stack(tmp_path, slack: FakeSlack, mail: Mailbox) -> Iterator[Stack]:
    """A stack of its own (its pace window is this test's), with the handoff limits on."""
    env = {
        **slack_env(slack, mail),
        "ENTRYWAY_HANDOFF_LIMIT_PER_CLIENT": str(PER_ADDRESS),
        "ENTRYWAY_HANDOFF_LIMIT_TOTAL": "200",
    }
    stack = Stack(database_url=f"sqlite:///{tmp_path / 'entryway.db'}", env=env)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def ask_for_a_person(url: str, number: int) -> str:
    person = Conversation(url, f"flood-{uuid.uuid4().hex[:12]}")
    person.say("I want to talk to a person")
    person.say(f"Question number {number} about a pilot")
    return person.text(person.say(f"person{number}@example.org"))


def queue_a_triage_card(database_url: str) -> str:
    new = submissions.NewSubmission(
        kind=Kind.proposal,
        title="Curb sensors",
        category="Mobility",
        answers={"solution": "s"},
        confidential_fields=frozenset(),
        contact=contacts.ContactDetails(sender_id="web-vendor", channel="web"),
    )
    with session_scope(database_url) as session:
        return submissions.create_submission(session, new, ZoneInfo("America/Chicago")).reference


def test_a_handoff_flood_is_one_summary_post_and_the_card_still_arrives(flood_stack, slack):
    def channel() -> list:
        return slack.in_channel(TRIAGE_CHANNEL)

    with ThreadPoolExecutor(4) as pool:
        # Half the flood before the card is queued, half after: on a fast machine the
        # whole flood could otherwise be over before its first post reaches Slack.
        asked = [pool.submit(ask_for_a_person, flood_stack.url, n) for n in range(PEOPLE // 2)]
        slack.wait_for(
            lambda: any(p.text.startswith("Request #") for p in channel()),
            timeout=120,
            what="the flood's first handoff post",
        )
        reference = queue_a_triage_card(flood_stack.database_url)
        asked += [
            pool.submit(ask_for_a_person, flood_stack.url, n) for n in range(PEOPLE // 2, PEOPLE)
        ]
        slack.wait_for(
            lambda: any(reference in p.text for p in channel()),
            timeout=CARD_WITHIN,
            what="the triage card queued in the middle of the flood",
        )
        replies = [future.result() for future in asked]
    with session_scope(flood_stack.database_url) as session:
        card_queued = submissions.get_submission(session, reference).submitted_at
        requests = handoffs.list_handoffs(session, limit=None)
    assert len(requests) == PEOPLE
    # The card was queued in the middle of the flood: requests came in after it too.
    assert any(request.created_at > card_queued for request in requests)

    assert sum(SENT in reply for reply in replies) == PER_ADDRESS
    assert sum(HELD in reply for reply in replies) == PEOPLE - PER_ADDRESS
    summary = slack.wait_for(
        lambda: [p for p in channel() if p.text.startswith("More requests to talk to a person")],
        timeout=60,
        what="the summary post",
    )
    assert len(summary) == 1
    own = [p for p in channel() if p.text.startswith("Request #")]
    assert len(own) == min(PER_ADDRESS, handoff_pace.POSTS_PER_WINDOW)
    time.sleep(3)  # the notifier runs every second: nothing more is on its way
    assert len([p for p in channel() if "talk to a person" in p.text]) == len(own) + 1

    listed = subprocess.run(
        [sys.executable, "-m", "bot.staff_cli", "handoffs"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": flood_stack.database_url},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert len(listed) == PEOPLE
    assert {f"person{n}@example.org" for n in range(PEOPLE)} == {
        word for line in listed for word in line.split() if word.endswith("@example.org")
    }
