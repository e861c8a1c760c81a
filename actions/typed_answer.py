"""A reply typed straight into the conversation while City staff wait for an answer.

Staff ask a submitter a question from Slack or the CLI (storage.workflow.transitions),
between two of the submitter's messages; the assistant only learns of it from the
database. So the app looks before each message and, when a question is open, sets
`question_open` in the conversation (bot/conversation.py); the rules then bring the
message here instead of handling it as usual. Here it is taken as the answer, unless it
plainly is something else (a greeting, a status question, stop, a request for a person,
thanks...) or several questions are open: then the person is asked whether (and to which
question) it is their answer. Yes records it; no hands the message, as it was
understood, back to the rules, which handle it as if no question were open. Each of these
actions sets `question_open` back to false: the app sets it again before the next
message while a question is still open.
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SlotSet, UserUttered
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.guided_form import (
    DIGRESSION_CONFIDENCE,
    LONG_ANSWER,
    is_question,
    is_stop,
    slot_changes,
)
from actions.language import language_of
from actions.parsing import clean_text, find_reference
from actions.store import in_session
from storage.catalogue import text
from storage.workflow import info_requests, rules, transitions

# Moves in a conversation rather than content: a message of one of these intents is
# taken as an answer only once the person says it is one.
CONVERSATIONAL = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "bot_challenge",
        "help",
        "check_status",
        "human_handoff",
        "stop",
        "affirm",
        "deny",
        "ask_why",
    }
)
# Requests to start something else: a short one the classifier is sure of is asked about;
# anything else is most likely an answer that talks about the proposal, its data or costs.
REQUESTS = frozenset({"submit_proposal", "suggest_idea", "report_barrier"})
SHORT_REQUEST_WORDS = 8
# Questions for elsewhere: the FAQ's, and out_of_scope's 3-1-1 matters and chit-chat. Only
# one worded as a question is asked about. out_of_scope is no request here: it is trained on
# streets, lights, water, trash and parks, the very things the City asks about a proposal,
# so a short answer ("Bottle fillers, so runners can refill") reads to the model as a 3-1-1
# matter, sure; and someone the City has just asked about their proposal is far more likely
# answering than reporting a pothole. A statement is taken as the answer (the reply says it
# was attached, and to what); "where do I report a pothole?" is asked about, and on "no"
# gets the 3-1-1 answer.
ELSEWHERE = frozenset({"faq", "out_of_scope"})
# A message that only names one of the open questions' references (typed instead of
# pressing its button) picks that question for the reply held back.
PICK_WORDS = 6
# Of a message held back, what the rules need to handle it as it was understood.
UNDERSTOOD = ("text", "intent", "entities", "response_selector", "metadata")
RANKED_INTENTS_KEPT = 5
INTENT_PAYLOAD = "/"  # how a button's payload ("/affirm{...}") reaches Rasa

OpenQuestions = list[tuple[str, str]]  # (reference, question), newest first


def plainly_something_else(message: dict[str, Any]) -> bool:
    """Whether a message, though typed while a question is open, is most likely not
    its answer (asking costs the person one button; a wrong answer costs the City a
    review round)."""
    said = clean_text(message.get("text"))
    intent = (message.get("intent") or {}).get("name")
    if len(said) < 2 or is_stop(said) or intent in CONVERSATIONAL:
        return True
    if intent in REQUESTS:
        sure = ((message.get("intent") or {}).get("confidence") or 0.0) >= DIGRESSION_CONFIDENCE
        return sure and len(said.split()) <= SHORT_REQUEST_WORDS
    if intent in ELSEWHERE:
        return is_question(said)
    return False


def picked_reference(message: dict[str, Any], open_questions: OpenQuestions) -> str | None:
    """The open question a message picks: by a button's entity, or by a reference typed
    on its own."""
    asked = {reference for reference, _ in open_questions}
    for entity in message.get("entities") or []:
        if entity.get("entity") == "reference":
            named = find_reference(str(entity.get("value")))
            if named in asked:
                return named
    said = clean_text(message.get("text"))
    named = find_reference(said) if len(said.split()) <= PICK_WORDS else None
    return named if named in asked else None


def held(message: dict[str, Any]) -> dict[str, Any]:
    """What is kept of a message while the person is asked whether it is an answer."""
    kept = {key: message[key] for key in UNDERSTOOD if message.get(key) is not None}
    kept["intent_ranking"] = (message.get("intent_ranking") or [])[:RANKED_INTENTS_KEPT]
    return kept


async def open_questions(tracker: Tracker) -> OpenQuestions:
    return await in_session(lambda s: info_requests.open_questions_for(s, tracker.sender_id))


def let_go(tracker: Tracker) -> list[EventType]:
    """Forgets a reply held back and the question asked about it (when there is one),
    and that a question was open for this message."""
    held_back = ("answer_offered", "reply_held")
    return [
        *(SlotSet(slot, None) for slot in held_back if tracker.get_slot(slot)),
        *slot_changes(tracker, {"question_open": False}),
    ]


def answer_buttons(open_questions: OpenQuestions, language: str) -> list[dict[str, str]]:
    """Yes (one per question when several are open) and no, as payloads any chat sends."""
    if len(open_questions) == 1:
        yes = [(open_questions[0][0], text("reply.yes", language))]
    else:
        yes = [(ref, text("reply.yes_about", language, reference=ref)) for ref, _ in open_questions]
    return [
        *({"title": title, "payload": f'/affirm{{"reference":"{ref}"}}'} for ref, title in yes),
        {"title": text("reply.no", language), "payload": "/deny"},
    ]


def ask_whether_answer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    message: dict[str, Any],
    open_questions: OpenQuestions,
) -> list[EventType]:
    """Holds the message back and asks whether (and to which question) it is an answer."""
    language = language_of(tracker)
    buttons = answer_buttons(open_questions, language)
    if len(open_questions) == 1:
        reference, question = open_questions[0]
        dispatcher.utter_message(
            response="utter_ask_reply_is_answer",
            reference=reference,
            question=question,
            buttons=buttons,
        )
    else:
        listed = "\n".join(
            text("reply.question_line", language, reference=ref, question=question)
            for ref, question in open_questions
        )
        dispatcher.utter_message(
            response="utter_ask_reply_answers_which", questions=listed, buttons=buttons
        )
    return [
        SlotSet("reply_held", held(message)),
        SlotSet("answer_offered", True),
        # The yes or no that comes next is about this, not about a draft offered before.
        *slot_changes(tracker, {"resume_offered": False, "question_open": False}),
    ]


async def record_answer(
    dispatcher: CollectingDispatcher, tracker: Tracker, reference: str, answer: str
) -> list[EventType]:
    """Attaches the answer to the submission (storage.workflow.transitions.answer_info)
    and says so."""
    try:
        outcome = await in_session(
            lambda s: transitions.answer_info(
                s, reference, tracker.sender_id, answer, language_of(tracker)
            )
        )
    except rules.Refused as refused:
        dispatcher.utter_message(text=str(refused))
    else:
        dispatcher.utter_message(text=outcome.message)
    return let_go(tracker)


def handled_as_understood(tracker: Tracker, message: dict[str, Any]) -> list[EventType]:
    """The message given back to the rules as if just typed (as Rasa's two-stage fallback
    does with a message it clarified), with `question_open` false (let_go), so that the
    rules handle it as usual."""
    return [
        *let_go(tracker),
        ActionExecuted("action_listen"),
        UserUttered(message.get("text"), message),
    ]


class ReplyToQuestion(Action):
    """A message while a question is open: its answer, a pick of the question a reply
    held back answers, or a question whether it is an answer."""

    def name(self) -> str:
        return "action_reply_to_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        waiting = await open_questions(tracker)
        if not waiting:  # answered or withdrawn since the app looked
            return handled_as_understood(tracker, held(message))
        kept = tracker.get_slot("reply_held")
        picked = picked_reference(message, waiting)
        if tracker.get_slot("answer_offered") and kept and picked:
            return await record_answer(dispatcher, tracker, picked, kept.get("text") or "")
        said = message.get("text") or ""
        if said.startswith(INTENT_PAYLOAD):  # a button of an earlier message, never typed
            return handled_as_understood(tracker, held(message))
        if len(said) > LONG_ANSWER:
            dispatcher.utter_message(
                response="utter_answer_too_long",
                length=f"{len(said):,}",
                limit=f"{LONG_ANSWER:,}",
            )
            return let_go(tracker)
        if len(waiting) == 1 and not plainly_something_else(message):
            return await record_answer(dispatcher, tracker, waiting[0][0], said)
        return ask_whether_answer(dispatcher, tracker, message, waiting)


class AnswerWithHeldReply(Action):
    """Yes: the reply held back is the answer (to the question picked, when several)."""

    def name(self) -> str:
        return "action_answer_with_held_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        kept = tracker.get_slot("reply_held")
        waiting = await open_questions(tracker)
        if not kept or not waiting:
            dispatcher.utter_message(response="utter_info_nothing_asked")
            return let_go(tracker)
        message = tracker.latest_message or {}
        reference = picked_reference(message, waiting) or (
            waiting[0][0] if len(waiting) == 1 else None
        )
        if reference is None:
            return ask_whether_answer(dispatcher, tracker, kept, waiting)
        return await record_answer(dispatcher, tracker, reference, kept.get("text") or "")


class HandleHeldReplyAsUnderstood(Action):
    """No: the reply held back is handled as it was understood, nothing of it lost."""

    def name(self) -> str:
        return "action_handle_held_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        kept = tracker.get_slot("reply_held")
        if not kept:
            dispatcher.utter_message(response="utter_ok")
            return let_go(tracker)
        return handled_as_understood(tracker, kept)
