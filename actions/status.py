"""Status look-ups in chat. Anyone sees the public status; only the submitter (by the
chat identity that submitted, when the app issued it, or the private status code) sees
what they were told about it (their inbox: the newest message from City staff), and,
when staff wait for their answer, the way to give it; and, asking in no form, the
buttons for what they may ask of it (withdraw, change an answer, a debrief:
actions/vendor_requests.py), which act on the proof this look-up keeps in the
conversation for a while. A request typed before the proof (TYPED_REQUEST_SLOT) starts
at once when the next look-up proves it, instead of the buttons. Look-ups are
rate-limited per sender so references cannot be enumerated."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import private
from actions.language import language_of
from actions.parsing import find_reference
from actions.store import in_session
from storage import contacts, inbox, rendering, status_lookups, submissions
from storage.catalogue import text
from storage.identity import is_named_by_client
from storage.languages import long_date
from storage.models import Status, SubmissionPublic, utcnow
from storage.workflow import vendor_requests

LOOKUP_WINDOW = timedelta(minutes=10)
MAX_LOOKUPS = 20
MAX_UNKNOWN = 5
# A private status code: 16 characters of URL-safe base64. A word of 16 letters
# ("infraestructuras", "administraciones", "responsibilities") is no code: taken for one,
# it would be kept out of the stored conversation for nothing.
STATUS_CODE = re.compile(r"(?<![\w-])(?![A-Za-z][a-z]{15}(?![\w-]))[A-Za-z0-9_-]{16}(?![\w-])")
LOOKS_LIKE_REFERENCE = re.compile(r"\bsc[\s-]*\d|\b\d{2,4}-\d{1,7}\b", re.IGNORECASE)
# How long a proven look-up lets the conversation act on the submission. A REST client's
# sender id is anyone's to name: there no proof is kept at all (proven_reference), so
# another client naming the same id cannot act on what this one proved.
PROOF_LASTS = timedelta(minutes=10)
# The slot holding the proof: {"reference": ..., "at": ISO time}.
PROOF_SLOT = "vendor_proof"
# A request typed without a proof (withdraw, amend, debrief: actions/vendor_requests.py),
# waiting for the next status look-up to prove the submission; that look-up uses it up.
TYPED_REQUEST_SLOT = "typed_request"


def proof(reference: str) -> dict[str, str]:
    """What the conversation keeps once the person showed `reference` is theirs."""
    return {"reference": reference, "at": utcnow().isoformat()}


def proven_reference(tracker: Tracker) -> str | None:
    """The submission this conversation proved is the person's, while the proof lasts;
    never for a sender id a REST client names (its code proves only the look-up it came
    with, and the next message may be anyone's)."""
    if is_named_by_client(tracker.sender_id):
        return None
    kept: Any = tracker.get_slot(PROOF_SLOT)
    if not isinstance(kept, dict) or not kept.get("reference") or not kept.get("at"):
        return None
    try:
        at = datetime.fromisoformat(kept["at"])
    except (TypeError, ValueError):
        return None
    return kept["reference"] if utcnow() - at <= PROOF_LASTS else None


# Titles Entryway composes are stored as catalogue keys (actions/idea.py, barrier.py), so
# the data holds no language; a submitter's own title is stored as they wrote it.
def status_values(submission: SubmissionPublic, language: str) -> dict[str, str]:
    """The template values of utter_status for one submission, in `language`: the status,
    its next step and the kind are rendered from their codes, never from the English
    sentences the database may hold."""
    decided_by = submission.next_decision_by
    status = submission.status.value
    return {
        "reference": submission.reference,
        "kind": rendering.kind_label(submission.kind, language),
        "title": submission.title,
        "status": text(f"status.label.{status}", language),
        "updated": long_date(submission.updated_at, language),
        "next_step": text(f"status.next_step.{status}", language),
        "next_decision": text(
            "notify.next_decision", language, date=long_date(decided_by, language)
        )
        if decided_by
        else "",
    }


async def answer_status(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Answers a status question (also asked in the middle of a form, and before a typed
    request, whose proof it keeps as a status question with the code does)."""
    events, _ = await _answer_status(dispatcher, tracker)
    return events


@dataclass(frozen=True)
class Found:
    """A looked-up submission as this person may see it."""

    public: SubmissionPublic
    mine: bool
    # The newest message the City sent its submitter (shown to them only).
    note: str | None
    # What they may ask of it (vendor_requests.open_requests; none unless it is theirs).
    requests: list[str]


async def _answer_status(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> tuple[list[EventType], list[str]]:
    """The answer, and what the person may ask of the submission (none unless proven)."""
    message = tracker.latest_message or {}
    said = message.get("text") or ""
    entities = [e.get("value") or "" for e in message.get("entities", [])]
    reference = next((ref for ref in map(find_reference, [said, *entities]) if ref), None)
    if reference is None:
        return await _without_reference(dispatcher, tracker, said), []

    sender = tracker.sender_id
    language = language_of(tracker)
    shown_language = tracker.get_slot("language")  # None until a message shows one
    codes = STATUS_CODE.findall(said)
    # A code typed to see one's details is not stored with the conversation.
    mark = private.keep_out(codes) if codes else {}

    def look_up(session) -> Found | str:
        total, unknown = status_lookups.recent_lookups(session, sender, LOOKUP_WINDOW)
        if total >= MAX_LOOKUPS or unknown >= MAX_UNKNOWN:
            return "limited"
        submission = submissions.get_submission(session, reference)
        status_lookups.record_lookup(session, sender, reference, submission is not None)
        if submission is None:
            return "unknown"
        # A REST client's own sender id proves nothing (anyone may name it): there the
        # private status code is the proof; a Slack user or the page's cookie is one.
        by_identity = not is_named_by_client(sender) and contacts.submitted_by(
            session, submission, sender
        )
        mine = by_identity or any(submissions.token_matches(submission, code) for code in codes)
        # The submitter sees their own title; anyone else what the public sees.
        shown = submissions.public_view(submission, language)
        if not mine:
            return Found(shown, False, None, [])
        latest = inbox.latest_message(session, submission.id, language)
        # What the City sends them later follows the language they ask in now.
        contacts.keep_language(session, sender, shown_language, proven=submission)
        shown.title = rendering.title_text(submission.title, language)
        # Requests act on a proof kept for later messages: none is kept for a REST sender.
        requests = (
            [] if is_named_by_client(sender) else vendor_requests.open_requests(session, submission)
        )
        return Found(shown, True, latest.text if latest else None, requests)

    found = await in_session(look_up)
    if found == "limited":
        dispatcher.utter_message(response="utter_status_limited", **mark)
        return [], []
    if not isinstance(found, Found):
        dispatcher.utter_message(response="utter_status_unknown", reference=reference, **mark)
        return [SlotSet("reference", None), *_kept_proof(tracker, None)], []
    public = found.public
    dispatcher.utter_message(response="utter_status", **status_values(public, language), **mark)
    if found.note:
        dispatcher.utter_message(response="utter_status_for_you", note=found.note)
        if public.status is Status.needs_info:
            dispatcher.utter_message(response="utter_status_answer_offer")
    # Proven now, or not: the proof of another submission does not carry over to this one.
    kept = proof(reference) if found.mine and not is_named_by_client(sender) else None
    return [SlotSet("reference", reference), *_kept_proof(tracker, kept)], found.requests


def _kept_proof(tracker: Tracker, kept: dict[str, str] | None) -> list[EventType]:
    """The event that keeps `kept` as the proof, if it changes anything."""
    return [] if tracker.get_slot(PROOF_SLOT) == kept else [SlotSet(PROOF_SLOT, kept)]


def offer_requests(
    dispatcher: CollectingDispatcher, reference: str, requests: list[str], language: str
) -> None:
    """The buttons for what the proven submitter may ask of `reference`."""
    dispatcher.utter_message(
        text=text("vendor_requests.offer", language, reference=reference),
        buttons=[
            {
                "title": text(f"vendor_requests.button.{code}", language),
                "payload": f'/choose{{"choice":"{code}"}}',
            }
            for code in requests
        ],
    )


async def _without_reference(
    dispatcher: CollectingDispatcher, tracker: Tracker, said: str
) -> list[EventType]:
    if LOOKS_LIKE_REFERENCE.search(said):
        dispatcher.utter_message(response="utter_status_incomplete")
        return []
    latest = tracker.get_slot("last_reference") or await in_session(
        lambda session: getattr(
            contacts.latest_submission_of_sender(session, tracker.sender_id), "reference", None
        )
    )
    if latest:
        dispatcher.utter_message(response="utter_status_offer_latest", reference=latest)
        return []
    dispatcher.utter_message(response="utter_ask_reference")
    return []


class CheckStatus(Action):
    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events, requests = await _answer_status(dispatcher, tracker)
        if tracker.get_slot(TYPED_REQUEST_SLOT):
            tracker.add_slots(events)
            looked_up = next((e["value"] for e in events if e.get("name") == "reference"), None)
            if looked_up and proven_reference(tracker) == looked_up:
                # The typed request starts now (action_vendor_request uses the slot up).
                return [*events, FollowupAction("action_vendor_request")]
            events.append(SlotSet(TYPED_REQUEST_SLOT, None))
        if requests:  # only a proven submitter has any
            reference = next(e["value"] for e in events if e.get("name") == "reference")
            offer_requests(dispatcher, reference, requests, language_of(tracker))
        return events
