"""Passing a person to City staff: two questions, then the request is stored (staff see
it) and posted to the Slack triage channel when Slack is on."""

import asyncio

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.guided_form import (
    GuidedForm,
    Invalid,
    Question,
    accept_text,
    channel_of,
    email_or_phone,
)
from actions.parsing import find_reference
from actions.store import in_session
from bot.settings import get_settings
from bot.staff_alerts import HANDOFF_ANSWER_TIME, notify_pending_handoffs
from storage import repository


def _contact(text: str) -> str:
    found = email_or_phone(text)
    if found is None:
        raise Invalid("Staff answer by email or phone. Could you give one of them?")
    return found


class ValidateHandoffForm(GuidedForm):
    key = "handoff"
    noun = "request"
    has_confirmation = False
    questions = (
        Question("handoff_topic", "Topic", accept_text(3), ("topic", "question", "request")),
        Question("handoff_contact", "Contact", _contact, ("contact", "email", "phone")),
    )

    def name(self) -> str:
        return "validate_handoff_form"


SLOTS = tuple(question.slot for question in ValidateHandoffForm.questions)


class StartHandoff(Action):
    def name(self) -> str:
        return "action_start_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            text="I'll pass you to the City's innovation office. Two quick questions so the "
            "right person can answer."
        )
        return [
            *(SlotSet(slot, None) for slot in SLOTS),
            SlotSet("form_outcome", None),
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
        clear = [
            *(SlotSet(slot, None) for slot in SLOTS),
            SlotSet("form_outcome", None),
            SlotSet("stop_requested", False),
            SlotSet("active_form", None),
        ]
        if tracker.get_slot("form_outcome") == "stopped":
            dispatcher.utter_message(text="OK, no request was sent.")
            return clear
        topic = tracker.get_slot("handoff_topic")
        contact = tracker.get_slot("handoff_contact")
        await in_session(
            lambda session: repository.create_handoff(
                session,
                tracker.sender_id,
                channel_of(tracker),
                topic,
                contact,
                _reference_in(topic, tracker),
            )
        )
        # Best effort now; the scheduler posts anything this misses.
        await asyncio.to_thread(notify_pending_handoffs, get_settings())
        dispatcher.utter_message(
            text=f"Thank you. Your request is with City staff, who will reply to {contact} "
            f"{HANDOFF_ANSWER_TIME}. If it is about a submission, keep its reference at hand."
        )
        return clear
