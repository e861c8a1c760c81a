"""Answering a question City staff asked about one's submission. The question reaches
the submitter with an "Answer" button (or they ask for it); their answer is attached to
the submission, which goes back to where it was (storage.workflow.transitions.answer_info)."""

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlmodel import Session

from actions import private
from actions.guided_form import GuidedForm, Question, accept_text, slot_changes
from actions.language import language_of
from actions.parsing import find_reference
from actions.status import STATUS_CODE
from actions.store import in_session
from storage import contacts, submissions
from storage.catalogue import text
from storage.identity import is_named_by_client
from storage.workflow import info_requests, rules, submitter_news, transitions


class ValidateInfoForm(GuidedForm):
    key = "info"
    noun = "answer"
    area = "info_request"  # its label and names: catalogue/<language>/info_request.yml
    has_confirmation = False
    questions = (Question("info_answer", accept_text(2, 5000)),)

    def name(self) -> str:
        return "validate_info_form"


def _named_reference(tracker: Tracker) -> str | None:
    message = tracker.latest_message or {}
    for entity in message.get("entities") or []:
        if entity.get("entity") == "reference" and find_reference(str(entity.get("value"))):
            return find_reference(str(entity.get("value")))
    return find_reference(message.get("text") or "") or tracker.get_slot("reference")


def _attach_answer(
    session: Session,
    reference: str,
    sender_id: str,
    answer: str,
    language: str,
    shown_language: str | None,
) -> str:
    """Attaches the answer; what the person is told, in `language`, as the workflow words
    it (storage.workflow.transitions.answer_info: the same words as a typed answer gets)."""
    submission = submissions.get_submission(session, reference)
    if submission is None:
        return text("info_request.unknown", language, reference=reference)
    try:
        outcome = transitions.answer_info(session, reference, sender_id, answer, language)
    except rules.Refused as refused:  # not theirs, or deleted or handed over meanwhile
        return str(refused)
    # Theirs: what the City sends them next follows the language they answered in.
    contacts.keep_language(session, sender_id, shown_language, proven=submission)
    return outcome.message


def _proven(session, open_questions: dict[str, str], codes: list[str]) -> list[str]:
    """The references among `open_questions` whose private status code is in `codes`."""
    proven = []
    for reference in open_questions:
        submission = submissions.get_submission(session, reference)
        if submission and any(submissions.token_matches(submission, code) for code in codes):
            proven.append(reference)
    return proven


class StartInfoAnswer(Action):
    def name(self) -> str:
        return "action_start_info_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        sender = tracker.sender_id
        open_questions = dict(
            await in_session(lambda s: info_requests.open_questions_for(s, sender))
        )
        mark: dict = {}
        if open_questions and is_named_by_client(sender):
            # A REST client's sender id proves nothing (anyone may name it): staff's
            # question is shown, and the answer taken, only with the submission's private
            # status code in this very message (kept out of the stored conversation).
            said = (tracker.latest_message or {}).get("text") or ""
            codes = STATUS_CODE.findall(said)
            mark = private.keep_out(codes) if codes else {}
            proven = await in_session(lambda s: _proven(s, open_questions, codes))
            if not proven:
                dispatcher.utter_message(response="utter_info_code_needed", **mark)
                return []
            open_questions = {ref: open_questions[ref] for ref in proven}
        named = _named_reference(tracker)
        if named in open_questions:
            reference = named
        elif len(open_questions) == 1:
            reference = next(iter(open_questions))
        elif not open_questions:
            dispatcher.utter_message(response="utter_info_nothing_asked", **mark)
            return []
        else:
            dispatcher.utter_message(
                response="utter_info_which",
                buttons=[submitter_news.answer_button(ref, title=ref) for ref in open_questions],
                **mark,
            )
            return []
        dispatcher.utter_message(
            response="utter_info_question",
            reference=reference,
            question=open_questions[reference],
            **mark,
        )
        return [
            # A typed reply held back to ask whether it was the answer is not, after all.
            *slot_changes(tracker, {"answer_offered": False, "reply_held": None}),
            SlotSet("info_reference", reference),
            SlotSet("info_answer", None),
            SlotSet("form_outcome", None),
            SlotSet("active_form", "info"),
            FollowupAction("info_form"),
        ]


class FinishInfoAnswer(Action):
    def name(self) -> str:
        return "action_finish_info_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reference = tracker.get_slot("info_reference")
        clear = [
            SlotSet("info_answer", None),
            SlotSet("info_reference", None),
            SlotSet("form_outcome", None),
            SlotSet("stop_requested", False),
            SlotSet("active_form", None),
            # Set by the app before each message of the form while the question was
            # open (bot/conversation.py): the next message is looked at afresh.
            *slot_changes(tracker, {"question_open": False}),
        ]
        if tracker.get_slot("form_outcome") == "stopped" or not reference:
            dispatcher.utter_message(response="utter_info_not_sent")
            return clear
        answer = tracker.get_slot("info_answer") or ""
        shown_language = tracker.get_slot("language")  # None until a message shows one
        language = language_of(tracker)
        told = await in_session(
            lambda s: _attach_answer(
                s, reference, tracker.sender_id, answer, language, shown_language
            )
        )
        dispatcher.utter_message(text=told)
        return clear
