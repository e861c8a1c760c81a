"""A reply typed straight into the conversation while City staff wait for an answer, on the
real stack (Rasa, the action server, the app and the scheduler, Slack pointed at the fake
Slack): in the web chat and in a Slack DM it is taken as the answer, the submission leaves
needs_info and its card says so; what plainly is something else is asked about first
(yes records it, no handles it as it was understood); and so for every later question."""

import json

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from storage import submissions
from storage.db import session_scope
from storage.models import InfoRequest, Status
from storage.workflow import rules, transitions
from tests.support.conversation import Conversation, PageConversation
from tests.support.fake_slack import FakeSlack
from tests.support.slack_people import SlackPerson, Staff, card_shows, texts

pytestmark = pytest.mark.stack

# Staff ask through the workflow, as the staff CLI does (without --as: the operator).
OPERATOR = rules.Staff("cli:operator:test")
TRAIL_ANSWER = "From the Lamar bridge to the 31st Street trailhead, where there is no shade"
IDEA = ["More benches along the Shoal Creek trail", "Citywide", "Walkers", "skip", "Yes", "yes"]


def reference_in(text: str) -> str:
    return next(word.rstrip(".") for word in text.split() if word.startswith("SC-"))


def screened_and_asked(stack, reference: str, question: str) -> None:
    with session_scope(stack.database_url) as session:
        if submissions.get_submission(session, reference).status is Status.received:
            transitions.advance(session, reference, OPERATOR)  # received -> screening
        transitions.request_info(session, reference, OPERATOR, question)


def ask(stack, reference: str, question: str) -> None:
    with session_scope(stack.database_url) as session:
        transitions.request_info(session, reference, OPERATOR, question)


def questions_of(stack, reference: str) -> tuple[Status, list[tuple[str, str | None]]]:
    """The submission's status, and each question asked with its answer (None: open)."""
    with session_scope(stack.database_url) as session:
        submission = submissions.get_submission(session, reference)
        asked = session.exec(
            select(InfoRequest)
            .where(InfoRequest.submission_id == submission.id)
            .order_by(col(InfoRequest.id))
        )
        return submission.status, [(r.question, r.answer) for r in asked]


def rule_actions(stack, sender: str) -> list[tuple[str, str]]:
    """(intent, the first action the rules chose for it) of each message, and every slot
    event for question_open, from the conversation Rasa stored (its table `events`)."""
    with session_scope(stack.database_url) as session:
        rows = session.execute(
            text(
                "SELECT type_name, intent_name, action_name, data FROM events "
                "WHERE sender_id = :s ORDER BY id"
            ),
            {"s": sender},
        ).all()
    turns, intent = [], None
    for kind, intent_name, action, data in rows:
        if kind == "user":
            intent = intent_name
        elif kind == "action" and intent and action != "action_listen":
            turns.append((intent, action))
            intent = None
        elif kind == "slot" and json.loads(data)["name"] == "question_open":
            turns.append(("question_open", json.loads(data)["value"]))
    return turns


def test_with_no_question_open_messages_run_the_actions_they_always_ran(stack):
    # The bench's conversation (bench/load.py), over REST: no look-up action, no slot set.
    person = Conversation(stack.url, "rest-no-question-1")
    for message in [
        "hello",
        "how long does the evaluation take?",
        "what's the status of SC-2026-00001?",
        "I want to submit a proposal",
    ]:
        person.say(message)
    assert rule_actions(stack, person.sender) == [
        ("greet", "action_greet"),
        ("faq", "utter_faq"),
        ("check_status", "action_check_status"),
        ("submit_proposal", "action_start_proposal"),
    ]
    person.say("stop")
    person.say("yes")

    # With a question open, the app sets question_open before the message, and the
    # message goes to the typed-answer handling, which sets it back.
    vendor = PageConversation(stack.url)
    for answer in ["I have an idea for the city", *IDEA[:-1]]:
        vendor.say(answer)
    reference = reference_in(vendor.text(vendor.say(IDEA[-1])))
    vendor.say("hello")
    screened_and_asked(stack, reference, "Where along the trail?")
    assert f"your answer is attached to {reference}" in vendor.text(vendor.say(TRAIL_ANSWER))
    vendor.say("what's the status of SC-2026-00001?")
    turns = rule_actions(stack, vendor.sender)
    answered = turns[-3]
    assert [turns[-5], turns[-4], answered[1], turns[-2], turns[-1]] == [
        ("greet", "action_greet"),
        ("question_open", True),
        "action_reply_to_question",
        ("question_open", False),
        ("check_status", "action_check_status"),
    ]


def dm_saying(slack: FakeSlack, person: SlackPerson, words: str) -> str:
    return texts(
        slack.wait_for(
            lambda: next((m for m in person.messages() if words in texts(m)), None),
            what=f"a DM to {person.user} saying {words!r}",
        )
    )


def test_in_the_web_chat_a_typed_reply_is_the_answer_and_so_for_later_questions(stack, fake_slack):
    person = PageConversation(stack.url)
    for answer in ["I have an idea for the city", *IDEA[:-1]]:
        person.say(answer)
    reference = reference_in(person.text(person.say(IDEA[-1])))
    screened_and_asked(stack, reference, "Which trail sections do you mean?")
    inbox = person.client.post("/chat/inbox").json()
    assert "Which trail sections do you mean?" in "\n".join(m["text"] for m in inbox)

    # Typed straight in, without the "Answer the City's question" button.
    answer = "From the Lamar bridge to the 31st Street trailhead, where there is no shade"
    replied = person.text(person.say(answer))
    assert f"your answer is attached to {reference}, which is now back in screening" in replied
    assert questions_of(stack, reference) == (
        Status.screening,
        [("Which trail sections do you mean?", answer)],
    )
    ann = Staff(stack, fake_slack, "UANN")
    card_shows(ann, reference, "Status: *screening*", "Information from the submitter received")
    # With nothing open any more, the assistant answers as it always did.
    assert "Public Information Act" in person.text(person.say("is my proposal confidential?"))

    # A later question: a greeting is asked about, and "no" greets.
    ask(stack, reference, "Would the benches need mains power?")
    asked = person.say("hello")
    assert person.text(asked) == (
        f"Is this your answer to the City's question about {reference}? "
        "They asked: “Would the benches need mains power?”"
    )
    assert [b["title"] for b in asked[0]["buttons"]] == ["Yes, it's my answer", "No, it isn't"]
    assert "Hello! I'm Entryway" in person.text(person.say(asked[0]["buttons"][1]["payload"]))
    assert questions_of(stack, reference)[0] is Status.needs_info
    # A bare "no" may well be the answer: asked about, then recorded on yes.
    asked = person.say("no")
    assert f"Is this your answer to the City's question about {reference}" in person.text(asked)
    recorded = person.text(person.say(asked[0]["buttons"][0]["payload"]))
    assert f"your answer is attached to {reference}" in recorded
    assert questions_of(stack, reference) == (
        Status.screening,
        [
            ("Which trail sections do you mean?", answer),
            ("Would the benches need mains power?", "no"),
        ],
    )


def test_in_the_web_chat_with_two_questions_open_the_person_picks_which_one(stack):
    person = PageConversation(stack.url)
    references = []
    for idea in ("Water fountains along the Butler Trail", "Bike racks at every library"):
        for answer in ["I have an idea for the city", idea, *IDEA[1:-1]]:
            person.say(answer)
        references.append(reference_in(person.text(person.say(IDEA[-1]))))
    fountains, racks = references
    screened_and_asked(stack, fountains, "Bottle fillers or drinking fountains?")
    screened_and_asked(stack, racks, "How many racks per library?")

    # A request for a person is asked about, and on "no" it goes ahead as asked.
    asked = person.say("I want to talk to a person")
    assert "more than one question" in person.text(asked)
    handoff = person.text(person.say(asked[0]["buttons"][-1]["payload"]))
    assert "What would you like to talk to City staff about" in handoff
    person.say("stop")
    assert "no request was sent" in person.text(person.say("yes"))

    asked = person.say("Two racks at each branch, four at the Central Library")
    assert "more than one question" in person.text(asked)
    assert [b["title"] for b in asked[0]["buttons"]] == [
        f"Yes, about {racks}",
        f"Yes, about {fountains}",
        "No, it isn't",
    ]
    recorded = person.text(person.say(asked[0]["buttons"][0]["payload"]))
    assert f"your answer is attached to {racks}" in recorded
    assert questions_of(stack, racks)[0] is Status.screening
    assert questions_of(stack, fountains) == (
        Status.needs_info,
        [("Bottle fillers or drinking fountains?", None)],
    )
    # The one left open takes the next typed reply, as the only one, though the model
    # reads this short reply as a 3-1-1 matter (out_of_scope, sure): with a City question
    # open, a statement is an answer (actions/typed_answer.py, ELSEWHERE).
    recorded = person.text(person.say("Bottle fillers, so runners can refill"))
    assert f"your answer is attached to {fountains}" in recorded
    assert questions_of(stack, fountains) == (
        Status.screening,
        [("Bottle fillers or drinking fountains?", "Bottle fillers, so runners can refill")],
    )


def test_in_a_slack_dm_a_typed_reply_is_the_answer_and_so_for_later_questions(stack, fake_slack):
    vendor = SlackPerson(stack, fake_slack)
    for answer in ["I have an idea for the city", *IDEA[:-1]]:
        vendor.say(answer)
    reference = reference_in(vendor.say(IDEA[-1]))
    screened_and_asked(stack, reference, "How many benches, and where exactly?")
    # Both updates are in the DM before the vendor types (so no reply is mistaken for one).
    dm_saying(fake_slack, vendor, "it is now in screening")
    dm_saying(fake_slack, vendor, "How many benches, and where exactly?")

    answer = "Twelve benches, one every 300 metres between 5th Street and 31st Street"
    replied = vendor.say(answer)
    assert f"your answer is attached to {reference}" in replied
    ann = Staff(stack, fake_slack, "UANN")
    card_shows(ann, reference, "Status: *screening*", "Information from the submitter received")
    assert questions_of(stack, reference) == (
        Status.screening,
        [("How many benches, and where exactly?", answer)],
    )

    ask(stack, reference, "Would the benches need a building permit?")
    dm_saying(fake_slack, vendor, "building permit")
    asked = vendor.say("thanks!")
    assert f"Is this your answer to the City's question about {reference}" in asked
    assert "welcome" in vendor.press("No, it isn't")
    assert questions_of(stack, reference)[0] is Status.needs_info
    asked = vendor.say("Yes")
    assert "building permit" in asked
    assert f"your answer is attached to {reference}" in vendor.press("Yes, it's my answer")
    assert questions_of(stack, reference) == (
        Status.screening,
        [
            ("How many benches, and where exactly?", answer),
            ("Would the benches need a building permit?", "Yes"),
        ],
    )
    card_shows(ann, reference, "Status: *screening*")
