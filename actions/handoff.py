"""Passing a person to City staff: two questions, then the request is stored with its
post to the triage channel (the app's notifier sends it through the outbox). A
reference the person names is marked verified only if this chat identity submitted it.
Requests are limited per chat identity (MAX_HANDOFFS a day, asked before the questions),
and per client and in total per hour (storage/intake_limits.py): a request over those is
still recorded for staff, and the person is told it waits in their list. A burst of
requests reaches the channel as one summary post (storage/handoff_pace.py).

Asked for at a form's summary, the handoff interrupts the form, which comes back at
its summary once the request is sent."""

from datetime import timedelta

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.guided_form import (
    GuidedForm,
    Invalid,
    Question,
    accept_text,
    email_or_phone,
    slot_changes,
)
from actions.language import language_of
from actions.parsing import find_reference
from actions.store import in_session
from storage import handoffs, intake_limits
from storage.catalogue import text
from storage.identity import channel_of
from storage.settings import get_settings

# At most this many requests per chat identity in the window: staff answer each one.
HANDOFF_WINDOW = timedelta(hours=24)
MAX_HANDOFFS = 3


def _contact(answer: str) -> str:
    found = email_or_phone(answer)
    if found is None:
        raise Invalid("handoff.invalid.contact")
    return found


class ValidateHandoffForm(GuidedForm):
    key = "handoff"
    noun = "request"
    area = "handoff"  # labels, names and messages: catalogue/<language>/handoff.yml
    has_confirmation = False
    questions = (
        Question("handoff_topic", accept_text(3)),
        Question("handoff_contact", _contact),
    )

    def name(self) -> str:
        return "validate_handoff_form"


SLOTS = tuple(question.slot for question in ValidateHandoffForm.questions)


def back_to_interrupted_form(tracker: Tracker) -> list[EventType]:
    """Returns to the form the handoff interrupted (at its summary), if there was one."""
    interrupted = tracker.get_slot("interrupted_form")
    if not interrupted:
        return [SlotSet("active_form", None)]
    return [
        SlotSet("interrupted_form", None),
        SlotSet("active_form", interrupted),
        FollowupAction("action_resume_draft"),
    ]


class StartHandoff(Action):
    def name(self) -> str:
        return "action_start_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        recent = await in_session(
            lambda session: handoffs.recent_handoffs(session, tracker.sender_id, HANDOFF_WINDOW)
        )
        if recent >= MAX_HANDOFFS:
            dispatcher.utter_message(
                response="utter_handoff_limited",
                count=recent,
                answer_time=text("handoff.answer_time", language_of(tracker)),
            )
            return back_to_interrupted_form(tracker)
        dispatcher.utter_message(response="utter_handoff_start")
        return [
            *slot_changes(tracker, dict.fromkeys([*SLOTS, "form_outcome"])),
            SlotSet("active_form", "handoff"),
            FollowupAction("handoff_form"),
        ]


def _reference_in(topic: str, tracker: Tracker) -> str | None:
    return find_reference(topic) or tracker.get_slot("last_reference")


class FinishHandoff(Action):
    def name(self) -> str:
        return "action_finish_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        clear = slot_changes(
            tracker, {**dict.fromkeys([*SLOTS, "form_outcome"]), "stop_requested": False}
        )
        if tracker.get_slot("form_outcome") == "stopped":
            dispatcher.utter_message(response="utter_handoff_cancelled")
            return [*clear, *back_to_interrupted_form(tracker)]
        topic = tracker.get_slot("handoff_topic")
        contact = tracker.get_slot("handoff_contact")
        settings = get_settings()
        recorded = await in_session(
            lambda session: handoffs.create_handoff(
                session,
                tracker.sender_id,
                channel_of(tracker.sender_id),
                topic,
                contact,
                _reference_in(topic, tracker),
                client=intake_limits.client_in(tracker.latest_message, tracker.sender_id),
                limits=intake_limits.Limits(
                    settings.handoff_limit_per_client, settings.handoff_limit_total
                ),
                language=language_of(tracker),
            )
        )
        language = language_of(tracker)
        answer_time = text("handoff.answer_time", language)
        if recorded.over_limit is not None:
            key = f"handoff.held_{recorded.over_limit.scope.value}"
            dispatcher.utter_message(
                text=text(key, language, contact=contact, answer_time=answer_time)
            )
        else:
            dispatcher.utter_message(
                response="utter_handoff_sent", contact=contact, answer_time=answer_time
            )
        return [*clear, *back_to_interrupted_form(tracker)]
