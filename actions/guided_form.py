"""A form that talks like a person: one question at a time, with room to digress.

At any question the user may ask why it is asked, ask an FAQ, change an earlier
answer, or stop (with confirmation); every accepted answer is saved to a draft at
once. Rasa's own loop always runs the form while it is active, so all of that is
decided here, in one place, from the latest message.
"""

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from sqlalchemy.engine import Connection

from actions import browser_session
from actions.parsing import (
    clean_text,
    find_reference,
    is_skip,
    match_choice,
    parse_email,
    parse_phone,
    yes_or_no,
)
from actions.status import answer_status
from actions.store import in_single_statements
from storage import contacts, drafts, submissions
from storage.models import Kind

# Stopping is recognised by its words, never by the classifier alone: a short answer
# such as "Insurance and bonding" must not end a form because a model guessed "stop".
STOP = re.compile(
    r"^\s*(?:(?:i\s*(?:want|would like|'d like|need)|let's|let me|please|can i|can we)"
    r"\s+(?:to\s+)?)?"
    r"(stop|cancel|quit|exit|abort|pause|halt|never\s*mind|forget (?:it|about it)"
    r"|(?:i'll )?finish (?:it )?later|end)"
    r"(\s+(it|this|that|now|here|for now|please|the form|the proposal|the idea|the feedback"
    r"|this form|my proposal|my idea|everything))*\s*[.!]*\s*$",
    re.IGNORECASE,
)
# Asked as a question of its own, so an answer that merely contains "why" is still an answer.
WHY = re.compile(
    r"^\s*(?:but |and |so )?(?:why\b|what(?:'s| is) (?:this|that|it) for"
    r"|how will (?:this|it|that|my \w+) be used)",
    re.IGNORECASE,
)
# "change" followed by nothing in particular: the user wants to correct something unnamed.
UNNAMED_ANSWER = {"", "an answer", "answer", "my answer", "something", "it", "that", "one"}
CHANGE_VERB = re.compile(
    r"^\s*(?:(?:i\s*(?:want|would like|'d like|need)|can i|could i|let me|please)\s+(?:to\s+)?)?"
    r"(?:change|edit|correct|update|fix|amend|modify)\b",
    re.IGNORECASE,
)
CHANGE_OWNER = re.compile(r"\s*(?:my|the|our)?\s*", re.IGNORECASE)
QUESTION_START = re.compile(
    r"^\s*(how|what|who|when|where|which|is|are|does|do|can|could|will|would|should)\b",
    re.IGNORECASE,
)
NOT_GIVEN = "not given"
# Ways a form closes before its end: stopped (the draft is kept), or left for a handoff
# to staff at its summary, after which it comes back (actions/handoff.py).
INTERRUPTIONS = ("stopped", "handoff")
# A digression is only taken as one when the classifier is this sure of it;
# otherwise the message is an answer, which is the safer mistake (it can be changed).
DIGRESSION_CONFIDENCE = 0.8


def change_target(text: str) -> str | None:
    """What a "change ..." message names ("" when nothing in particular), or None when
    the message is no request to change an answer. The trailing spaces and punctuation
    are cut off with string methods: a lazy pattern followed by `\\s*[.!?]*$` tried
    every split of a long run of them, quadratic in the answer's length."""
    verb = CHANGE_VERB.match(text)
    if verb is None:
        return None
    rest = text[verb.end() :]
    rest = rest[CHANGE_OWNER.match(rest).end() :]  # type: ignore[union-attr]
    if rest.endswith("\n"):  # `$` also matched before a final line break
        rest = rest[:-1]
    target = rest.rstrip(".!?").rstrip()
    return None if "\n" in target else target


class Invalid(ValueError):
    """An answer that cannot be accepted; the message says what would be."""


# The longest answer a question looks at: a free-text answer, or anything else (a name, an
# e-mail address, a choice). Longer answers are refused before any pattern runs, so no
# pattern ever spends its time on a wall of text, and no answer outgrows its column.
LONG_ANSWER = 5000
SHORT_ANSWER = 300


def accept_text(minimum: int = 2, maximum: int = LONG_ANSWER) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) < minimum:
            raise Invalid(f"Could you say a little more? (at least {minimum} characters)")
        return text

    parse.longest = maximum  # type: ignore[attr-defined]
    return parse


def choice(choices: dict[str, tuple[str, ...]]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        found = match_choice(text, choices)
        if found is None:
            raise Invalid(f"Please pick one of: {', '.join(choices)}.")
        return found

    return parse


def optional(parser: Callable[[str], str | None], problem: str) -> Callable[[str], str]:
    """An answer that may be skipped ('skip', 'none', ...), stored as NOT_GIVEN."""

    def parse(text: str) -> str:
        if is_skip(text):
            return NOT_GIVEN
        value = parser(text)
        if value is None:
            raise Invalid(problem)
        return value

    parse.longest = getattr(parser, "longest", SHORT_ANSWER)  # type: ignore[attr-defined]
    return parse


def email(text: str) -> str:
    found = parse_email(text)
    if found is None:
        raise Invalid(
            "That doesn't look like an email address. Could you check it? "
            "(for example: name@example.com)"
        )
    return found


def email_or_phone(text: str) -> str | None:
    return parse_email(text) if "@" in text else parse_phone(text)


def contact_by(
    sender_id: str, channel: str, email_or_phone_answer: str | None
) -> contacts.ContactDetails:
    """A contact from an optional 'email or phone' answer (None: anonymous)."""
    is_email = bool(email_or_phone_answer and "@" in email_or_phone_answer)
    return contacts.ContactDetails(
        sender_id=sender_id,
        channel=channel,
        email=email_or_phone_answer if is_email else None,
        phone=email_or_phone_answer if email_or_phone_answer and not is_email else None,
    )


def given(value: Any) -> Any:
    """None for an answer the user skipped."""
    return None if value == NOT_GIVEN else value


def always(_: dict[str, Any]) -> bool:
    return True


def slot_changes(tracker: Tracker, values: dict[str, Any]) -> list[EventType]:
    """SlotSet events for the slots these values would change, and no others. Every event
    stays in the conversation: it is stored, and sent with each later action call, and
    a form's reset names some 30 slots, most of them empty already."""
    return [
        SlotSet(slot, value) for slot, value in values.items() if tracker.get_slot(slot) != value
    ]


@dataclass(frozen=True)
class Question:
    slot: str
    label: str
    parse: Callable[[str], Any]
    synonyms: tuple[str, ...] = ()
    applies: Callable[[dict[str, Any]], bool] = field(default=always)
    # Whether the submitter may mark this answer confidential.
    may_be_confidential: bool = False

    @property
    def longest(self) -> int:
        """How long an answer may be (free text: accept_text's maximum)."""
        return getattr(self.parse, "longest", SHORT_ANSWER)


def describe(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "none"
    return str(value)


class GuidedForm(FormValidationAction, ABC):
    key: str  # names the confirmation slot, `<key>_confirmed`
    questions: tuple[Question, ...]
    noun: str = "submission"  # what the user is giving, in their words
    # Answers are saved as a draft of this kind as they arrive (None: not saved).
    draft_kind: Kind | None = None
    # Whether the user reviews a summary and confirms before the form completes.
    has_confirmation: bool = True
    # Answers that say who the person is and how to reach them: never shown again in
    # a later browser session (actions/browser_session.py).
    contact_slots: tuple[str, ...] = ()

    @abstractmethod
    def name(self) -> str:
        """`validate_<form name>`, as in the domain."""

    @property
    def confirm_slot(self) -> str:
        return f"{self.key}_confirmed"

    def question(self, slot: str) -> Question | None:
        return next((q for q in self.questions if q.slot == slot), None)

    def applicable(self, slots: dict[str, Any]) -> list[Question]:
        return [q for q in self.questions if q.applies(slots)]

    def answers(self, slots: dict[str, Any]) -> dict[str, Any]:
        return {
            q.slot: slots[q.slot] for q in self.applicable(slots) if slots.get(q.slot) is not None
        }

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.slots.get("form_outcome") in INTERRUPTIONS:
            return []
        if tracker.slots.get("stop_requested"):
            return ["confirm_stop"]
        questions = [q.slot for q in self.applicable(tracker.slots)]
        return [*questions, self.confirm_slot] if self.has_confirmation else questions

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = await self.handle_message(dispatcher, tracker)
        tracker.add_slots(events)
        required = await self.required_slots([], dispatcher, tracker, domain)
        missing = next((slot for slot in required if tracker.slots.get(slot) is None), None)
        return [*events, SlotSet("requested_slot", missing)]

    async def handle_message(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        if requested is None:
            return []  # the form was just (re)activated: nothing has been answered yet
        message = tracker.latest_message or {}
        text = clean_text(message.get("text"))
        question = self.question(requested)
        limit = question.longest if question else SHORT_ANSWER
        if len(text) > limit:
            dispatcher.utter_message(
                response="utter_answer_too_long", length=f"{len(text):,}", limit=f"{limit:,}"
            )
            return [SlotSet(requested, None)]
        intent = (message.get("intent") or {}).get("name")
        confidence = (message.get("intent") or {}).get("confidence") or 0.0
        sure = confidence >= DIGRESSION_CONFIDENCE

        if requested == "confirm_stop":
            return self.confirm_stop(dispatcher, yes_or_no(text, intent if sure else None))
        if STOP.match(text):
            return [SlotSet(requested, None), SlotSet("stop_requested", True)]
        if len(text.split()) <= 12 and (WHY.search(text) or (intent == "ask_why" and sure)):
            reason = f"utter_why_{requested}" if self.question(requested) else "utter_why_general"
            dispatcher.utter_message(response=reason)
            return [SlotSet(requested, None)]
        target = change_target(text)
        if target is not None:
            events = self.change_answer(dispatcher, tracker, requested, target)
            if events is not None:
                return events
        if requested == self.confirm_slot:
            # At the summary, a person may ask for staff or for a status like anywhere
            # else; the summary is shown again afterwards.
            if intent == "human_handoff" and sure:
                return [SlotSet(requested, None), SlotSet("form_outcome", "handoff")]
            if (intent == "check_status" and sure) or find_reference(text):
                return [*await answer_status(dispatcher, tracker), SlotSet(requested, None)]
        faq = self.faq_response(message, text, intent, sure)
        if faq:
            dispatcher.utter_message(response=faq)
            return [SlotSet(requested, None)]
        if requested == self.confirm_slot:
            return self.confirm(dispatcher, yes_or_no(text, intent if sure else None))

        if question is None:
            return [SlotSet(requested, None)]
        try:
            value = question.parse(text)
        except Invalid as problem:
            dispatcher.utter_message(text=str(problem))
            return [SlotSet(requested, None)]
        events: list[EventType] = [SlotSet(requested, value)]
        await self.save_draft(tracker, {**tracker.slots, requested: value}, requested)
        return events

    def confirm_stop(
        self, dispatcher: CollectingDispatcher, answer: bool | None
    ) -> list[EventType]:
        if answer is True:
            return [SlotSet("confirm_stop", None), SlotSet("form_outcome", "stopped")]
        if answer is False:
            dispatcher.utter_message(text="Good, let's carry on.")
            return [SlotSet("confirm_stop", None), SlotSet("stop_requested", False)]
        dispatcher.utter_message(text="Please answer yes (stop) or no (carry on).")
        return [SlotSet("confirm_stop", None)]

    def confirm(self, dispatcher: CollectingDispatcher, answer: bool | None) -> list[EventType]:
        if answer is True:
            return [SlotSet(self.confirm_slot, "yes"), SlotSet("form_outcome", "confirmed")]
        labels = ", ".join(q.label.lower() for q in self.questions[:6])
        dispatcher.utter_message(
            text="Nothing is submitted yet. To correct an answer, say 'change' and its name "
            f"(for example: {labels}), or say 'stop' to finish later."
        )
        return [SlotSet(self.confirm_slot, None)]

    def change_answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: str, target: str
    ) -> list[EventType] | None:
        """Events that reopen the named answer, or None when the words were an answer
        ("Change the insurance rules" answering "What would you change?")."""
        choices = {q.slot: (q.label, *q.synonyms) for q in self.applicable(tracker.slots)}
        slot = match_choice(target, choices)
        if slot is None:
            if target.lower() not in UNNAMED_ANSWER:
                return None
            labels = ", ".join(q.label.lower() for q in self.applicable(tracker.slots))
            dispatcher.utter_message(text=f"Which answer would you like to change? ({labels})")
            return [SlotSet(requested, None)]
        question = self.question(slot)
        assert question is not None
        dispatcher.utter_message(text=f"Sure, let's update the {question.label.lower()}.")
        return [SlotSet(requested, None), SlotSet(slot, None)]

    @staticmethod
    def faq_response(
        message: dict[str, Any], text: str, intent: str | None, sure: bool
    ) -> str | None:
        looks_like_question = "?" in text or QUESTION_START.match(text)
        if intent != "faq" or not sure or not looks_like_question or len(text.split()) > 25:
            return None
        selected = (message.get("response_selector") or {}).get("faq") or {}
        return (selected.get("response") or {}).get("utter_action")

    def contact_details(self, slots: dict[str, Any]) -> dict[str, Any]:
        """The contact answers given (not skipped) among `slots`."""
        return {
            slot: slots[slot]
            for slot in self.contact_slots
            if slots.get(slot) is not None and slots[slot] != NOT_GIVEN
        }

    async def save_draft(self, tracker: Tracker, slots: dict[str, Any], answered: str) -> None:
        kind = self.draft_kind
        if kind is None:
            return
        answers = self.answers(slots)
        where = browser_session.current(tracker)

        # Safe to repeat (in_single_statements may): the answer just given is recorded
        # from this session whatever the draft said.
        def save(connection: Connection) -> None:
            previous = drafts.draft_answers(connection, tracker.sender_id, kind) or {}
            to_save = browser_session.recorded(
                answers, previous, answered, self.contact_slots, where
            )
            drafts.save_draft(connection, tracker.sender_id, kind, to_save)

        await in_single_statements(save)


class SubmissionForm(GuidedForm, ABC):
    """A guided form whose confirmed answers become a submission (proposal, idea, feedback)."""

    draft_kind: Kind

    @abstractmethod
    def build_submission(
        self, sender_id: str, channel: str, slots: dict[str, Any]
    ) -> submissions.NewSubmission:
        """The submission the confirmed answers describe, with its contact."""
