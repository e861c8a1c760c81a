"""Status look-ups in chat. Anyone sees the public status; only the submitter (by the
chat identity that submitted, or the private status code) sees what staff wrote for
them. Look-ups are rate-limited per sender so references cannot be enumerated."""

import re
from datetime import timedelta

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.parsing import find_reference
from actions.store import in_session
from storage import repository
from storage.models import Status, Submission, SubmissionPublic

LOOKUP_WINDOW = timedelta(minutes=10)
MAX_LOOKUPS = 20
MAX_UNKNOWN = 5
STATUS_CODE = re.compile(r"(?<![\w-])[A-Za-z0-9_-]{16}(?![\w-])")
LOOKS_LIKE_REFERENCE = re.compile(r"\bsc[\s-]*\d|\b\d{2,4}-\d{1,7}\b", re.IGNORECASE)


def describe_status(submission: SubmissionPublic) -> str:
    status = submission.status.value.replace("_", " ")
    text = (
        f"{submission.reference} ({submission.kind.value}: “{submission.title}”) is "
        f"{status}, last updated {submission.updated_at:%d %B %Y}. {submission.next_step}"
    )
    if submission.next_decision_by:
        text += f" Next decision expected by {submission.next_decision_by:%d %B %Y}."
    return text


def private_note(submission: Submission, reason: str | None) -> str | None:
    if not reason:
        return None
    if submission.status is Status.needs_info:
        return f"For you, from City staff: they need this information: {reason}"
    return f"For you, from City staff: {reason}"


class CheckStatus(Action):
    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        entities = [e.get("value") or "" for e in message.get("entities", [])]
        reference = next((ref for ref in map(find_reference, [text, *entities]) if ref), None)
        if reference is None:
            return await self.without_reference(dispatcher, tracker, text)

        sender = tracker.sender_id
        codes = STATUS_CODE.findall(text)

        def look_up(session):
            total, unknown = repository.recent_lookups(session, sender, LOOKUP_WINDOW)
            if total >= MAX_LOOKUPS or unknown >= MAX_UNKNOWN:
                return "limited", None, None
            submission = repository.get_submission(session, reference)
            repository.record_lookup(session, sender, reference, submission is not None)
            if submission is None:
                return "unknown", None, None
            mine = repository.submitted_by(session, submission, sender) or any(
                repository.token_matches(submission, code) for code in codes
            )
            note = (
                private_note(submission, repository.latest_public_reason(session, submission.id))
                if mine
                else None
            )
            return "found", SubmissionPublic.model_validate(submission), note

        outcome, public, note = await in_session(look_up)
        if outcome == "limited":
            dispatcher.utter_message(
                text="You have looked up many references in a short time, so I have to pause "
                "look-ups for a few minutes. If you need help now, say 'talk to a person'."
            )
            return []
        if outcome == "unknown":
            dispatcher.utter_message(
                text=f"I can't find a submission with the reference {reference}. References "
                "look like SC-2026-00042; please check the number in your confirmation."
            )
            return [SlotSet("reference", None)]
        dispatcher.utter_message(text=describe_status(public))
        if note:
            dispatcher.utter_message(text=note)
        return [SlotSet("reference", reference)]

    async def without_reference(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str
    ) -> list[EventType]:
        if LOOKS_LIKE_REFERENCE.search(text):
            dispatcher.utter_message(
                text="That doesn't look like a complete reference. References look like "
                "SC-2026-00042: SC, the year, and a number."
            )
            return []
        latest = tracker.get_slot("last_reference") or await in_session(
            lambda session: getattr(
                repository.latest_submission_of_sender(session, tracker.sender_id),
                "reference",
                None,
            )
        )
        if latest:
            dispatcher.utter_message(
                text=f"Do you mean {latest}, which you submitted here? Or type another reference.",
                buttons=[{"title": f"Status of {latest}", "payload": f"status of {latest}"}],
            )
            return []
        dispatcher.utter_message(response="utter_ask_reference")
        return []
