"""Status look-ups in chat: the public status of a submission by its reference."""

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.parsing import find_reference
from actions.store import in_session
from storage import repository
from storage.models import SubmissionPublic


def describe_status(submission: SubmissionPublic) -> str:
    status = submission.status.value.replace("_", " ")
    text = (
        f"{submission.reference} ({submission.kind.value}: “{submission.title}”) is "
        f"{status}, last updated {submission.updated_at:%d %B %Y}. {submission.next_step}"
    )
    if submission.next_decision_by:
        text += f" Next decision expected by {submission.next_decision_by:%d %B %Y}."
    return text


class CheckStatus(Action):
    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = (tracker.latest_message or {}).get("text") or ""
        entities = [e.get("value") or "" for e in tracker.latest_message.get("entities", [])]
        reference = next(
            (ref for ref in map(find_reference, [text, *entities]) if ref),
            tracker.get_slot("last_reference"),
        )
        if reference is None:
            dispatcher.utter_message(response="utter_ask_reference")
            return []
        submission = await in_session(
            lambda session: repository.get_public_submission(session, reference)
        )
        if submission is None:
            dispatcher.utter_message(
                text=f"I can't find a submission with the reference {reference}. References "
                "look like SC-2026-00042; please check the number in your confirmation."
            )
            return [SlotSet("reference", None)]
        dispatcher.utter_message(text=describe_status(submission))
        return [SlotSet("reference", reference)]
