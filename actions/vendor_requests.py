"""What a submitter asks of their own submission in chat, from the buttons a proven status
answer offers (actions/status.py) or typed ("I want to withdraw my proposal", "¿cómo
calificaron mi propuesta?"): withdraw it (an optional reason, then yes or no), change an
answer (which one, the new answer checked by the intake form's own question, then yes or
no), or how a decided submission was scored. The buttons send the `choose` intent with a
code; a typed request (the intents in TYPED) starts the same flow on the conversation's
live proof, or else is proven as a status question is, by the reference with the private
status code (or the chat identity that submitted it), and starts once it is.
"stop" at any step leaves with nothing changed: a request is done only when confirmed."""

from abc import ABC, abstractmethod
from typing import Any

from babel.numbers import format_decimal
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlmodel import Session

from actions import pilot_plan, private
from actions.guided_form import (
    GuidedForm,
    Invalid,
    Question,
    accept_text,
    chosen_code,
    describe,
    given,
    optional,
    slot_changes,
)
from actions.language import language_of
from actions.parsing import find_reference, match_choice
from actions.status import PROOF_SLOT, TYPED_REQUEST_SLOT, answer_status, proven_reference
from actions.store import in_session
from actions.submission_flow import FORMS, yes_no_buttons
from storage import submissions
from storage.catalogue import text
from storage.identity import is_named_by_client
from storage.models import Submission
from storage.workflow import vendor_requests
from storage.workflow.rules import MAX_REASON_CHARS, RUBRIC, Refused
from storage.workflow.submitter_news import CHECKIN_CHOICE

AREA = "vendor_requests"
# The slots each request's form fills, emptied when it starts and when it ends.
WITHDRAW_SLOTS = ("withdraw_reason", "withdraw_confirmed")
AMEND_SLOTS = ("amend_field", "amend_value", "amend_confirmed", "amend_fields", "amend_kind")
FLOW_SLOTS = ("request_reference", "form_outcome", "stop_requested", "requested_slot")
# How a request's form is left with nothing done: as a stopped form (guided_form.INTERRUPTIONS).
LEFT = ("form_outcome", "stopped")
# The intents of the requests typed in the person's own words, and the code each is.
TYPED = {
    "withdraw_submission": vendor_requests.WITHDRAW,
    "amend_submission": vendor_requests.AMEND,
    "request_debrief": vendor_requests.DEBRIEF,
}


def _cleared(tracker: Tracker, slots: tuple[str, ...]) -> list[EventType]:
    values: dict[str, Any] = {slot: None for slot in (*slots, *FLOW_SLOTS)}
    return slot_changes(tracker, {**values, "stop_requested": False})


class RequestForm(GuidedForm, ABC):
    """A request's few questions: like any guided form (why, FAQ, language switch), but
    nothing is kept half-done, so "stop" leaves at once, and "no" at the confirmation
    leaves too, with nothing changed."""

    area = AREA

    async def handle_message(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        events = await super().handle_message(dispatcher, tracker)
        if any(e.get("name") == "stop_requested" and e.get("value") for e in events):
            return [SlotSet(tracker.get_slot("requested_slot"), None), SlotSet(*LEFT)]
        return events

    def confirm(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, answer: bool | None
    ) -> list[EventType]:
        if answer is True:
            return [SlotSet(self.confirm_slot, "yes"), SlotSet("form_outcome", "confirmed")]
        if answer is False:
            return [SlotSet(self.confirm_slot, "no"), SlotSet(*LEFT)]
        dispatcher.utter_message(text=text("vendor_requests.yes_or_no", language_of(tracker)))
        return [SlotSet(self.confirm_slot, None)]


class ValidateWithdrawForm(RequestForm):
    key = "withdraw"
    questions = (
        Question(
            "withdraw_reason",
            optional(accept_text(2, MAX_REASON_CHARS), "form.invalid.too_short"),
        ),
    )

    def name(self) -> str:
        return "validate_withdraw_form"


class ValidateAmendForm(RequestForm):
    """Its questions depend on the submission: which of its answers may change (set when
    the request starts), and the intake form's own question for the one chosen, whose
    validator checks the new answer. One instance per call, built from the conversation."""

    key = "amend"

    def __init__(
        self, fields: tuple[str, ...] = (), intake: GuidedForm | None = None, field: str = ""
    ) -> None:
        self.fields, self.intake, self.field = fields, intake, field

    def name(self) -> str:
        return "validate_amend_form"

    @classmethod
    def of(cls, tracker: Tracker) -> "ValidateAmendForm":
        intake = FORMS.get(tracker.get_slot("amend_kind") or "")
        fields = tuple(tracker.get_slot("amend_fields") or ())
        return cls(fields, intake, tracker.get_slot("amend_field") or "")

    @property
    def questions(self) -> tuple[Question, ...]:  # type: ignore[override]
        asked = self.intake.question(self.field) if self.intake and self.field else None
        new_value = (
            Question("amend_value", asked.parse, choices=asked.choices)
            if asked
            else Question("amend_value", accept_text())
        )
        return (Question("amend_field", self.pick_field), new_value)

    def intake_question(self, field: str) -> Question | None:
        return self.intake.question(field) if self.intake else None

    def pick_field(self, answer: str) -> str:
        """A field the request may change: its button's code, or words naming it."""
        if answer in self.fields:
            return answer
        names = {
            field: self.intake.names(question)
            for field in self.fields
            if self.intake and (question := self.intake.question(field))
        }
        found = match_choice(answer, names)
        if found is None:
            raise Invalid("vendor_requests.amend.pick_one")
        return found

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        form = ValidateAmendForm.of(tracker)
        events = await form.handle_message(dispatcher, tracker)
        tracker.add_slots(events)
        # The field may just have been chosen: its question decides what comes next.
        form = ValidateAmendForm.of(tracker)
        required = await form.required_slots([], dispatcher, tracker, domain)
        missing = next((slot for slot in required if tracker.slots.get(slot) is None), None)
        return [*events, SlotSet("requested_slot", missing)]


def _label(tracker: Tracker, field: str, language: str) -> str:
    form = ValidateAmendForm.of(tracker)
    question = form.intake_question(field)
    return form.intake.label(question, language) if form.intake and question else field


class AskAmendField(Action):
    def name(self) -> str:
        return "action_ask_amend_field"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        reference = tracker.get_slot("request_reference")
        dispatcher.utter_message(
            text=text("vendor_requests.amend.which", language, reference=reference),
            buttons=[
                {
                    "title": _label(tracker, field, language),
                    "payload": f'/choose{{"choice":"{field}"}}',
                }
                for field in tracker.get_slot("amend_fields") or ()
            ],
        )
        return []


class AskAmendValue(Action):
    """The intake form's own question for the chosen answer (its buttons, where it has
    choices), after a line saying which answer is being changed."""

    def name(self) -> str:
        return "action_ask_amend_value"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        field = tracker.get_slot("amend_field") or ""
        label = _label(tracker, field, language)
        dispatcher.utter_message(
            text=text("vendor_requests.amend.ask_value", language, label=label)
        )
        dispatcher.utter_message(response=f"utter_ask_{field}")
        return []


class AskAmendConfirmed(Action):
    def name(self) -> str:
        return "action_ask_amend_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        form = ValidateAmendForm.of(tracker)
        question = form.intake_question(form.field)
        value = tracker.get_slot("amend_value")
        shown = form.intake.show(question, value, language) if form.intake and question else value
        dispatcher.utter_message(
            text=text(
                "vendor_requests.amend.confirm",
                language,
                label=_label(tracker, form.field, language),
                reference=tracker.get_slot("request_reference"),
                value=shown,
            ),
            buttons=yes_no_buttons(
                "vendor_requests.amend.button_yes", "vendor_requests.amend.button_no", language
            ),
        )
        return []


def _amendable_fields(session: Session, reference: str) -> tuple[str, list[str]]:
    """The submission's kind and the answers of it the request may change: those its
    intake form asked that the workflow lets change now, in the form's order."""
    submission = submissions.get_submission(session, reference)
    if submission is None:
        return "", []
    intake = FORMS[submission.kind.value]
    stored = {answer.field for answer in vendor_requests.amendable_answers(session, submission)}
    return submission.kind.value, [q.slot for q in intake.questions if q.slot in stored]


def _may_withdraw(session: Session, reference: str) -> bool:
    submission = submissions.get_submission(session, reference)
    return submission is not None and vendor_requests.WITHDRAW in vendor_requests.open_requests(
        session, submission
    )


def _debrief_text(session: Session, reference: str, language: str) -> str:
    submission = submissions.get_submission(session, reference)
    if submission is None:
        return text("vendor_requests.not_available", language, reference=reference)
    try:
        found = vendor_requests.debrief(session, submission, language)
    except Refused as refused:
        return str(refused)
    if found.averages is None:
        lines = [text("vendor_requests.debrief.too_few", language, reference=reference)]
    else:
        lines = [
            text(
                "vendor_requests.debrief.header",
                language,
                reference=reference,
                count=found.evaluators,
            ),
            *(
                text(
                    "vendor_requests.debrief.line",
                    language,
                    criterion=text(f"vendor_requests.debrief.criterion.{criterion}", language),
                    average=format_decimal(found.averages[criterion], "0.0", locale=language),
                )
                for criterion in RUBRIC
            ),
        ]
    lines.append(
        text("vendor_requests.debrief.reason", language, reason=found.reason)
        if found.reason
        else text("vendor_requests.debrief.no_reason", language)
    )
    return "\n".join(lines)


class StartVendorRequest(Action):
    """A request button pressed, or a request typed: the request starts if the
    conversation proved, a short while ago, that the submission is the person's, and the
    request still applies."""

    def name(self) -> str:
        return "action_vendor_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        if intent in TYPED:
            return await _typed(dispatcher, tracker, TYPED[intent])
        waiting = tracker.get_slot(TYPED_REQUEST_SLOT)
        if waiting and intent != "choose":  # the status look-up that proved it ran just now
            return [SlotSet(TYPED_REQUEST_SLOT, None), *await _start(dispatcher, tracker, waiting)]
        code = chosen_code(message)
        if code and code.startswith(CHECKIN_CHOICE):  # a check-in's "Report the values"
            return [FollowupAction("action_pilot_checkin")]
        if code == vendor_requests.PILOT_PLAN:
            # Also pressed from the news of the move to pilot, where no status was asked.
            return await pilot_plan.start(dispatcher, tracker)
        if code not in (vendor_requests.WITHDRAW, vendor_requests.AMEND, vendor_requests.DEBRIEF):
            # A choice button of a form that is no longer open.
            dispatcher.utter_message(response="utter_default")
            return []
        return await _start(dispatcher, tracker, code)


async def _typed(dispatcher: CollectingDispatcher, tracker: Tracker, code: str) -> list[EventType]:
    """A request typed: started on the live proof of the submission it names (or of the
    one proven, when it names none); else the submission is looked up as a status question
    with its reference (and the code, when typed with it) is, which keeps the proof, and
    the request waits for that proof when the look-up did not give it."""
    language = language_of(tracker)
    if is_named_by_client(tracker.sender_id):
        # The same rule as the buttons: no proof is ever kept for a sender a client names.
        dispatcher.utter_message(text=text("vendor_requests.typed.not_here", language))
        return []
    message = tracker.latest_message or {}
    said = message.get("text") or ""
    entities = [e.get("value") or "" for e in message.get("entities", [])]
    named = next((ref for ref in map(find_reference, [said, *entities]) if ref), None)
    proven = proven_reference(tracker)
    if proven and named in (None, proven):
        return await _start(dispatcher, tracker, code)
    if named is None:
        dispatcher.utter_message(text=text("vendor_requests.typed.ask_proof", language))
        return [SlotSet(TYPED_REQUEST_SLOT, code)]
    events = await answer_status(dispatcher, tracker)
    tracker.add_slots(events)
    if proven_reference(tracker) == named:
        return [*events, *await _start(dispatcher, tracker, code)]
    if tracker.get_slot("reference") != named:  # unknown, or too many look-ups
        return events
    dispatcher.utter_message(text=text("vendor_requests.typed.ask_code", language, reference=named))
    return [*events, SlotSet(TYPED_REQUEST_SLOT, code)]


async def _start(dispatcher: CollectingDispatcher, tracker: Tracker, code: str) -> list[EventType]:
    """The request `code` on the proven submission: its form, or the debrief's answer."""
    language = language_of(tracker)
    reference = proven_reference(tracker)
    if reference is None:
        dispatcher.utter_message(text=text("vendor_requests.not_proven", language))
        return []
    if code == vendor_requests.DEBRIEF:
        said = await in_session(lambda session: _debrief_text(session, reference, language))
        dispatcher.utter_message(text=said)
        return []
    if code == vendor_requests.WITHDRAW:
        still = await in_session(lambda session: _may_withdraw(session, reference))
        if not still:
            dispatcher.utter_message(
                text=text("vendor_requests.not_available", language, reference=reference)
            )
            return []
        return [
            *_cleared(tracker, WITHDRAW_SLOTS),
            SlotSet("request_reference", reference),
            FollowupAction("withdraw_form"),
        ]
    kind, fields = await in_session(lambda session: _amendable_fields(session, reference))
    if not fields:
        dispatcher.utter_message(
            text=text("vendor_requests.amend.none", language, reference=reference)
        )
        return []
    return [
        *_cleared(tracker, AMEND_SLOTS),
        SlotSet("request_reference", reference),
        SlotSet("amend_kind", kind),
        SlotSet("amend_fields", fields),
        FollowupAction("amend_form"),
    ]


def _is_anonymous(session: Session, reference: str) -> bool:
    submission = submissions.get_submission(session, reference)
    return submission is not None and submission.contact_id is None


class FinishRequest(Action, ABC):
    """Runs when a request's form closes: does what was confirmed, or says nothing was."""

    slots: tuple[str, ...]
    kept_key: str
    form: str

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        reference = tracker.get_slot("request_reference")
        done = _cleared(tracker, self.slots)
        mark = await self._private(reference)
        if not reference or tracker.get_slot("form_outcome") != "confirmed":
            dispatcher.utter_message(
                text=text(self.kept_key, language, reference=reference), **mark
            )
            return done
        if proven_reference(tracker) != reference:  # the proof ran out while they answered
            dispatcher.utter_message(text=text("vendor_requests.not_proven", language), **mark)
            return done

        def act(session: Session) -> str:
            submission = submissions.get_submission(session, reference)
            if submission is None:
                return text("vendor_requests.not_available", language, reference=reference)
            try:
                return self.act(session, submission, tracker, language)
            except Refused as refused:
                return str(refused)

        dispatcher.utter_message(text=await in_session(act), **mark)
        return done

    async def _private(self, reference: str | None) -> dict[str, Any]:
        """For an anonymous submission, what the intake keeps out of the stored
        conversation (submission_flow.private_receipt) the request keeps out too: the
        reference, the request's answers and the proof that named it, which would link
        the person to it."""
        if not reference or not await in_session(lambda s: _is_anonymous(s, reference)):
            return {}
        return private.keep_out(
            [reference],
            forms=[self.form],
            slots=[*self.slots, "request_reference", "reference", PROOF_SLOT],
        )

    @abstractmethod
    def act(self, session: Session, submission: Submission, tracker: Tracker, language: str) -> str:
        """Does the confirmed request; what the person is told (Refused when it cannot be)."""


class FinishWithdraw(FinishRequest):
    slots = WITHDRAW_SLOTS
    kept_key = "vendor_requests.withdraw.kept"
    form = "withdraw_form"

    def name(self) -> str:
        return "action_finish_withdraw"

    def act(self, session: Session, submission: Submission, tracker: Tracker, language: str) -> str:
        reason = given(tracker.get_slot("withdraw_reason"))
        return vendor_requests.withdraw(session, submission, reason, language).message


class FinishAmend(FinishRequest):
    slots = AMEND_SLOTS
    kept_key = "vendor_requests.amend.kept"
    form = "amend_form"

    def name(self) -> str:
        return "action_finish_amend"

    def act(self, session: Session, submission: Submission, tracker: Tracker, language: str) -> str:
        field = tracker.get_slot("amend_field") or ""
        # Stored as the intake form stores it (codes as codes, lists joined).
        value = describe(tracker.get_slot("amend_value"))
        return vendor_requests.amend(session, submission, field, value, language).message
