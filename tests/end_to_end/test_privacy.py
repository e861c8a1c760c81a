"""Privacy by construction, on the real stack: anonymous feedback leaves nothing that links
the person to their answers, the private status code is shown but never kept, and no log
line holds either; and in the Rasa environment, Rasa's own log events lose their text."""

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.support.conversation import Conversation, PageConversation
from tests.support.rasa_environment import assert_passes_in_rasa_environment
from tests.support.slack_people import SlackPerson
from tests.support.stack import Stack


def _answers(tag: str) -> dict[str, str]:
    """Answers no other test gives, each findable wherever it is stored."""
    return {
        "what": f"The RFP wanted ten million in cover from Zorbit-{tag}-what",
        "where": f"Department Zorbit-{tag}-where",
        "suggestion": f"Scale the cover, Zorbit-{tag}-suggestion",
    }


def _give_anonymous_feedback(say: Callable[[str], str], answers: dict[str, str]) -> str:
    """The whole feedback form, anonymously; returns the receipt as the person saw it."""
    assert "What happened" in say("the insurance requirements stopped us from bidding")
    say(answers["what"])
    say("Insurance and bonding")
    say(answers["where"])
    say("We could not bid, and that meant extra cost for the City")
    say(answers["suggestion"])
    summary = say("anonymous")
    assert answers["suggestion"] in summary  # read back to the person before submitting
    return say("yes submit")


def _code_in(receipt: str) -> str:
    return receipt.split("private status code is ")[1].split(":")[0]


def _reference_in(receipt: str) -> str:
    return next(word.rstrip(".") for word in receipt.split() if word.startswith("SC-"))


def _every_row(database_url: str) -> dict[str, list[str]]:
    """Every row of every table of the database, Rasa's included, as text."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return {
                table: [
                    " | ".join(str(value) for value in row)
                    for row in connection.execute(text(f'SELECT * FROM "{table}"'))
                ]
                for table in inspect(connection).get_table_names()
            }
    finally:
        engine.dispose()


@pytest.mark.stack
def test_anonymous_feedback_leaves_no_answer_beside_an_identity_in_any_table(
    stack: Stack, fake_slack
):
    log_start = stack.log_path.stat().st_size
    rest = Conversation(stack.url, f"test-{uuid.uuid4()}")
    page = PageConversation(stack.url)
    slack = SlackPerson(stack, fake_slack)
    channels: dict[str, tuple[Callable[[str], str], str]] = {
        "rest": (lambda said: rest.text(rest.say(said)), rest.sender),
        "web": (lambda said: page.text(page.say(said)), page.sender),
        "slack": (slack.say, slack.user),
    }
    given: dict[str, dict[str, str]] = {}
    receipts: dict[str, str] = {}
    for channel, (say, _) in channels.items():
        given[channel] = _answers(f"{channel}{uuid.uuid4().hex[:6]}")
        receipts[channel] = _give_anonymous_feedback(say, given[channel])
        # The person sees their reference and private status code, as always.
        assert "Your private status code is " in receipts[channel], receipts[channel]
        assert len(_code_in(receipts[channel])) == 16
        # And the conversation goes on from the redacted one.
        assert "Thank you for bringing a proposal" in say("I want to submit a proposal")
        assert "Do you want to stop here?" in say("stop")
        say("Yes")

    rows = _every_row(stack.database_url)
    assert "events" in rows and "tracker_checkpoints" in rows
    everything = [(table, row) for table, found in rows.items() for row in found]
    for channel, (_, identity) in channels.items():
        code, reference = _code_in(receipts[channel]), _reference_in(receipts[channel])
        assert not [row for _, row in everything if code in row], channel
        for answer in given[channel].values():
            holding = [table for table, row in everything if answer in row]
            # Only the submission's own answers, which name nobody.
            assert holding == ["submissionanswer"], (channel, answer, holding)
        beside_identity = [
            (table, row) for table, row in everything if identity in row and reference in row
        ]
        assert beside_identity == [], (channel, beside_identity)
    conversation_rows = "\n".join(rows["events"] + rows["tracker_checkpoints"])
    assert "[redacted]" in conversation_rows

    # Typed back to see one's own details, the code is not kept either.
    code, reference = _code_in(receipts["rest"]), _reference_in(receipts["rest"])
    assert "Procurement barrier" in rest.text(rest.say(f"status of {reference} code {code}"))
    rows = _every_row(stack.database_url)
    assert not [row for found in rows.values() for row in found if code in row]

    with stack.log_path.open() as log:
        log.seek(log_start)
        logged = log.read()
    for channel in channels:
        assert _code_in(receipts[channel]) not in logged, channel
        for answer in given[channel].values():
            assert answer not in logged, (channel, answer)


RASA_LOGS = """
import io, logging, os, sys
os.environ["FORCE_JSON_LOGGING"] = "1"
sys.argv = ["rasa"]
import rasa_env.launch
import structlog
from rasa.utils import log_utils

captured = io.StringIO()
sys.stdout = captured
log_utils.configure_structlog(logging.INFO)
try:
    raise RuntimeError("the tracker store is down")
except RuntimeError:
    structlog.get_logger().exception(
        "rest.message.received.failure", text="my e-mail is zorbit.secret@example.org")
structlog.get_logger().info("http.parse.text", text="zorbit private words")
sys.stdout = sys.__stdout__
written = captured.getvalue()
assert "rest.message.received.failure" in written and "tracker store is down" in written
assert "zorbit" not in written, written
print("ok")
"""


def test_rasas_log_events_carry_no_text_people_typed():
    assert_passes_in_rasa_environment(RASA_LOGS)
