"""A reply typed while City staff wait for an answer (actions/typed_answer.py), called with
real trackers and a real database."""

from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from actions.typed_answer import (
    AnswerWithHeldReply,
    HandleHeldReplyAsUnderstood,
    ReplyToQuestion,
    plainly_something_else,
)
from storage import contacts, submissions
from storage.db import in_single_statements, session_scope
from storage.models import InfoRequest, Kind, Status
from storage.workflow import info_requests, transitions
from tests.support.action_calls import (
    ASKER,
    SENDER,
    run,
    slot_events,
    tracker,
)

pytestmark = pytest.mark.usefixtures("database")


def submitted_by_sender(database: str, title: str = "Smart benches") -> str:
    new = submissions.NewSubmission(
        kind=Kind.proposal,
        title=title,
        category="Other",
        answers={"solution": "Benches with solar chargers"},
        confidential_fields=frozenset(),
        contact=contacts.ContactDetails(sender_id=SENDER, channel="web"),
        procurement_path="no_cost_pilot",
        procurement_reason="vendor pays",
    )
    with session_scope(database) as session:
        reference = submissions.create_submission(session, new, ZoneInfo("America/Chicago"))
        transitions.advance(session, reference.reference, ASKER)  # received -> screening
        return reference.reference


def ask(database: str, reference: str, question: str) -> None:
    with session_scope(database) as session:
        transitions.request_info(session, reference, ASKER, question)


def question_state(database: str, reference: str) -> tuple[Status, str | None]:
    with session_scope(database) as session:
        submission = submissions.get_submission(session, reference)
        request = session.exec(
            select(InfoRequest)
            .where(InfoRequest.submission_id == submission.id)
            .order_by(InfoRequest.id.desc())
        ).first()
        return submission.status, request.answer if request else None


def question_waits(database: str, sender: str = SENDER) -> bool:
    """What the app asks before each message (bot/conversation.py)."""
    return in_single_statements(database, lambda c: info_requests.has_open_question(c, sender))


def test_the_app_finds_an_open_question_only_while_staff_wait_for_its_answer(database_url):
    database = database_url  # on SQLite and PostgreSQL: the look-up is written out in SQL
    assert not question_waits(database)  # no contact at all
    reference = submitted_by_sender(database)
    assert not question_waits(database)  # a submission, but no question
    ask(database, reference, "Which parks do you mean?")
    assert question_waits(database)
    assert not question_waits(database, "someone-else")
    with session_scope(database) as session:
        transitions.answer_info(session, reference, SENDER, "Zilker and Pease")
    assert not question_waits(database)


def test_a_question_answered_since_the_app_looked_leaves_the_message_as_understood(database):
    # Staff went on (or it was answered) between the app's look and the message.
    events, messages = run(ReplyToQuestion(), tracker({"question_open": True}, "hi", "greet"))
    assert messages == []
    assert slot_events(events) == {"question_open": False}
    assert [e["event"] for e in events] == ["slot", "action", "user"]
    assert events[-1]["parse_data"]["intent"]["name"] == "greet"


def test_a_reply_typed_while_a_question_is_open_is_taken_as_its_answer(database):
    reference = submitted_by_sender(database)
    ask(database, reference, "What would the pilot cost, and who would own the data?")
    assert question_waits(database)

    answer = "Our budget is $40,000 and the City would own all data collected."
    selector = {
        "response_selector": {"faq": {"response": {"utter_action": "utter_faq/data_ownership"}}}
    }
    events, messages = run(
        ReplyToQuestion(), tracker({"question_open": True}, answer, "faq", 0.9, selector)
    )
    assert [m["text"] for m in messages] == [
        f"Thank you: your answer is attached to {reference}, which is now back in screening."
    ]
    assert slot_events(events) == {"question_open": False}  # until the app finds another
    assert question_state(database, reference) == (Status.screening, answer)
    assert not question_waits(database)


def test_a_short_answer_read_surely_as_a_311_matter_is_still_the_answer(database):
    reference = submitted_by_sender(database, "Water fountains along the Butler Trail")
    ask(database, reference, "Bottle fillers or drinking fountains?")
    answer = "Bottle fillers, so runners can refill"
    _, messages = run(
        ReplyToQuestion(), tracker({"question_open": True}, answer, "out_of_scope", 0.85)
    )
    assert f"your answer is attached to {reference}" in messages[0]["text"]
    assert question_state(database, reference) == (Status.screening, answer)


def test_a_311_question_is_asked_about_and_no_handles_it_as_understood(database):
    reference = submitted_by_sender(database)
    ask(database, reference, "Which parks do you mean?")
    said = "¿Dónde reporto un bache?"
    events, messages = run(
        ReplyToQuestion(), tracker({"question_open": True}, said, "out_of_scope", 0.95)
    )
    assert messages[0]["response"] == "utter_ask_reply_is_answer"
    held = slot_events(events)["reply_held"]
    events, _ = run(
        HandleHeldReplyAsUnderstood(),
        tracker({"answer_offered": True, "reply_held": held}, "no", "deny"),
    )
    assert events[-1]["parse_data"]["intent"]["name"] == "out_of_scope"
    assert question_state(database, reference) == (Status.needs_info, None)


def test_a_greeting_is_asked_about_and_no_handles_it_as_understood(database):
    reference = submitted_by_sender(database)
    ask(database, reference, "Which parks do you mean?")
    greeting = tracker({"question_open": True, "resume_offered": True}, "hello there", "greet")
    events, messages = run(ReplyToQuestion(), greeting)
    assert messages[0]["response"] == "utter_ask_reply_is_answer"
    assert (messages[0]["reference"], messages[0]["question"]) == (
        reference,
        "Which parks do you mean?",
    )
    assert [(b["title"], b["payload"]) for b in messages[0]["buttons"]] == [
        ("Yes, it's my answer", f'/affirm{{"reference":"{reference}"}}'),
        ("No, it isn't", "/deny"),
    ]
    slots = slot_events(events)
    assert slots["answer_offered"] is True and slots["resume_offered"] is False
    assert slots["question_open"] is False
    assert slots["reply_held"]["text"] == "hello there"
    assert slots["reply_held"]["intent"]["name"] == "greet"

    # The question is still open, so the app set question_open before the "no" too.
    no = tracker(
        {"answer_offered": True, "reply_held": slots["reply_held"], "question_open": True},
        "no",
        "deny",
    )
    events, messages = run(HandleHeldReplyAsUnderstood(), no)
    assert messages == []
    assert [e["event"] for e in events] == ["slot", "slot", "slot", "action", "user"]
    # The message handed back is handled as if no question were open (the rules)...
    assert slot_events(events) == {
        "answer_offered": None,
        "reply_held": None,
        "question_open": False,
    }
    assert events[3]["name"] == "action_listen"
    assert events[4]["text"] == "hello there"
    assert events[4]["parse_data"]["intent"]["name"] == "greet"
    # ...and nothing was attached to the submission, whose question stays open.
    assert question_state(database, reference) == (Status.needs_info, None)


def test_a_reply_asked_about_is_recorded_on_yes(database):
    reference = submitted_by_sender(database)
    ask(database, reference, "Would the benches need mains power?")
    events, messages = run(ReplyToQuestion(), tracker({"question_open": True}, "No", "deny"))
    assert messages[0]["response"] == "utter_ask_reply_is_answer"
    held = slot_events(events)["reply_held"]
    pressed = tracker(
        {"answer_offered": True, "reply_held": held},
        f'/affirm{{"reference":"{reference}"}}',
        "affirm",
        1.0,
        {"entities": [{"entity": "reference", "value": reference}]},
    )
    events, messages = run(AnswerWithHeldReply(), pressed)
    assert f"your answer is attached to {reference}" in messages[0]["text"]
    assert slot_events(events) == {"answer_offered": None, "reply_held": None}
    assert question_state(database, reference) == (Status.screening, "No")
    # With the question still open the app sets question_open: it is set back too.
    events, _ = run(
        AnswerWithHeldReply(),
        tracker(
            {"answer_offered": True, "reply_held": held, "question_open": True}, "yes", "affirm"
        ),
    )
    assert slot_events(events)["question_open"] is False


def test_with_several_questions_open_the_person_picks_which_one_a_reply_answers(database):
    first = submitted_by_sender(database, "Smart benches")
    second = submitted_by_sender(database, "Solar shade")
    ask(database, first, "Which parks do you mean?")
    ask(database, second, "How tall are the shade sails?")
    answer = "About four metres, so trucks can pass under them"
    events, messages = run(
        ReplyToQuestion(), tracker({"question_open": True}, answer, "out_of_scope", 0.6)
    )
    assert messages[0]["response"] == "utter_ask_reply_answers_which"
    assert "How tall are the shade sails?" in messages[0]["questions"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        f'/affirm{{"reference":"{second}"}}',  # the newest first
        f'/affirm{{"reference":"{first}"}}',
        "/deny",
    ]
    held = slot_events(events)["reply_held"]
    # A plain "yes" does not say which: the question is asked again.
    yes = tracker({"answer_offered": True, "reply_held": held}, "yes", "affirm")
    events, messages = run(AnswerWithHeldReply(), yes)
    assert messages[0]["response"] == "utter_ask_reply_answers_which"
    # Typing the reference instead of pressing its button picks it too.
    typed = tracker(
        {"answer_offered": True, "reply_held": held, "question_open": True},
        second.lower(),
        "check_status",
    )
    events, messages = run(ReplyToQuestion(), typed)
    assert f"your answer is attached to {second}" in messages[0]["text"]
    assert question_state(database, second) == (Status.screening, answer)
    assert question_state(database, first) == (Status.needs_info, None)


def test_a_button_pressed_on_an_earlier_message_is_never_taken_as_an_answer(database):
    reference = submitted_by_sender(database)
    ask(database, reference, "Which parks do you mean?")
    stale = tracker({"question_open": True}, f'/affirm{{"reference":"{reference}"}}', "affirm", 1.0)
    events, messages = run(ReplyToQuestion(), stale)
    assert messages == []
    assert slot_events(events) == {"question_open": False}
    assert events[-1]["parse_data"]["intent"]["name"] == "affirm"
    assert question_state(database, reference) == (Status.needs_info, None)


def test_a_reply_longer_than_an_answer_takes_is_refused_and_nothing_is_recorded(database):
    reference = submitted_by_sender(database)
    ask(database, reference, "Which parks do you mean?")
    _, messages = run(ReplyToQuestion(), tracker({"question_open": True}, "Zilker " * 900, "faq"))
    assert messages[0]["response"] == "utter_answer_too_long"
    assert question_state(database, reference) == (Status.needs_info, None)


@pytest.mark.parametrize(
    ("text", "intent", "something_else"),
    [
        ("hi", "greet", True),
        ("thanks!", "thank", True),
        ("what's the status of SC-2026-00001?", "check_status", True),
        ("I want to talk to a person", "human_handoff", True),
        ("stop", "faq", True),
        ("who owns the data from a pilot?", "faq", True),
        ("I want to submit a new proposal", "submit_proposal", True),
        # Someone the City asked about their proposal is answering, not reporting: only a
        # 3-1-1 matter worded as a question is asked about.
        ("Bottle fillers, so runners can refill", "out_of_scope", False),
        ("Streetlights on Lamar, most are out at night", "out_of_scope", False),
        ("no recogen la basura en el parque los lunes", "out_of_scope", False),
        ("how do I report a pothole?", "out_of_scope", True),
        ("¿dónde pago mi recibo del agua?", "out_of_scope", True),
        ("Our budget is $40,000 and the City would own all data collected.", "faq", False),
        (
            "We would run the sensors at ten intersections on Lamar for six months at our cost",
            "submit_proposal",
            False,
        ),
        ("Zilker and Pease parks", "nlu_fallback", False),
        ("7", "nlu_fallback", True),
    ],
)
def test_what_plainly_is_something_else_than_an_answer(text, intent, something_else):
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}}
    assert plainly_something_else(message) is something_else


def test_a_short_request_the_classifier_is_unsure_of_is_an_answer():
    message = {"text": "Bottle fillers, so runners can refill", "intent": {"name": "suggest_idea"}}
    message["intent"]["confidence"] = 0.6
    assert not plainly_something_else(message)
