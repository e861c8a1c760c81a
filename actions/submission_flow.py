"""Starting, resuming, reviewing and finishing the three submission forms (proposal,
idea, procurement feedback). Each form's own module says what it asks and how the
answers become a submission; this module is the same flow around all three."""

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import browser_session, private
from actions.barrier import ValidateBarrierForm
from actions.guided_form import CHANGE_CODE, GuidedForm, SubmissionForm, slot_changes
from actions.idea import ValidateIdeaForm
from actions.language import language_of
from actions.proposal import ValidateProposalForm
from actions.store import in_session
from storage import intake_limits, submissions
from storage.catalogue import text
from storage.drafts import discard_draft, get_draft, non_empty_drafts
from storage.identity import channel_of, is_named_by_client
from storage.languages import long_date
from storage.models import Draft, Kind, Status
from storage.settings import get_settings

FORMS: dict[str, SubmissionForm] = {
    form.key: form for form in (ValidateProposalForm(), ValidateIdeaForm(), ValidateBarrierForm())
}


def noun(form: GuidedForm, language: str) -> str:
    """What the person calls the form ("proposal", "propuesta")."""
    return text(f"form.noun.{form.key}", language)


def yes_no_buttons(yes_key: str, no_key: str, language: str) -> list[dict[str, str]]:
    """Buttons that send intents, so any language's chat sends the same payloads."""
    return [
        {"title": text(yes_key, language), "payload": "/affirm"},
        {"title": text(no_key, language), "payload": "/deny"},
    ]


def active_form(tracker: Tracker) -> SubmissionForm:
    """The form this conversation started or was offered (a proposal if none was)."""
    return FORMS[tracker.get_slot("active_form") or "proposal"]


def clear_form(tracker: Tracker, form: GuidedForm) -> list[EventType]:
    """Empties the form's answers and its flags (those not empty already)."""
    cleared: dict[str, Any] = {q.slot: None for q in form.questions}
    cleared |= {form.confirm_slot: None, "confirm_stop": None, "form_outcome": None}
    cleared |= {"stop_requested": False, "resume_offered": False}
    return slot_changes(tracker, cleared)


async def saved_drafts(sender_id: str, keys: Iterable[str] = FORMS) -> list[Draft]:
    """The sender's non-empty drafts of these forms, oldest first."""

    kinds = [Kind(key) for key in keys]
    return await in_session(lambda session: non_empty_drafts(session, sender_id, kinds))


def offer_to_resume(
    dispatcher: CollectingDispatcher, draft: Draft, language: str
) -> list[EventType]:
    dispatcher.utter_message(
        text=text(
            "form.resume_offer",
            language,
            noun=noun(FORMS[draft.kind.value], language),
            count=len(browser_session.answers_only(draft.answers)),
            date=long_date(draft.updated_at, language),
        ),
        buttons=yes_no_buttons("form.button.continue", "form.button.not_now", language),
    )
    return [SlotSet("resume_offered", True), SlotSet("active_form", draft.kind.value)]


class Greet(Action):
    """Greets, and offers a returning user what they left unfinished."""

    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        drafts = await saved_drafts(tracker.sender_id)
        if not drafts:
            dispatcher.utter_message(response="utter_greet")
            return []
        language = language_of(tracker)
        dispatcher.utter_message(text=text("form.welcome_back", language))
        return offer_to_resume(dispatcher, drafts[-1], language)


class StartForm(Action, ABC):
    """Opens a submission form, or first offers to resume a saved draft of that kind."""

    @property
    @abstractmethod
    def key(self) -> str:
        """Which form (a key of FORMS)."""

    def name(self) -> str:
        return f"action_start_{self.key}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        form = FORMS[self.key]
        if tracker.get_slot("resume_offered") and tracker.get_slot("active_form") == self.key:
            return await resume(dispatcher, tracker, form)  # "continue my proposal"
        drafts = await saved_drafts(tracker.sender_id, [self.key])
        language = language_of(tracker)
        if drafts:
            return offer_to_resume(dispatcher, drafts[-1], language)
        introduction = text(f"form.introduction.{self.key}", language)
        dispatcher.utter_message(text=introduction + text("form.how_it_works", language))
        return [
            *clear_form(tracker, form),
            SlotSet("active_form", self.key),
            FollowupAction(form.form_name()),
        ]


class StartProposal(StartForm):
    key = "proposal"


class StartIdea(StartForm):
    key = "idea"


class StartFeedback(StartForm):
    key = "feedback"


async def resume(
    dispatcher: CollectingDispatcher, tracker: Tracker, form: SubmissionForm
) -> list[EventType]:
    """Reopens the form with the draft's answers: it asks the first one still missing."""
    draft = await in_session(lambda session: get_draft(session, tracker.sender_id, Kind(form.key)))
    answers = draft.answers if draft else {}
    known = {q.slot for q in form.questions}
    dispatcher.utter_message(text=text("form.resumed", language_of(tracker)))
    return [
        *clear_form(tracker, form),
        SlotSet("active_form", form.key),
        *(SlotSet(slot, value) for slot, value in answers.items() if slot in known),
        FollowupAction(form.form_name()),
    ]


class ResumeDraft(Action):
    def name(self) -> str:
        return "action_resume_draft"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return await resume(dispatcher, tracker, active_form(tracker))


class KeepDraft(Action):
    """'No' to resuming keeps the draft: declining must never throw answers away.
    (Any answer can be corrected after resuming, so starting over needs no deletion.)"""

    def name(self) -> str:
        return "action_keep_draft"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        form = active_form(tracker)
        language = language_of(tracker)
        days = get_settings().draft_retention_days
        dispatcher.utter_message(
            text=text("form.kept_draft", language, noun=noun(form, language), days=days)
        )
        return [SlotSet("resume_offered", False), SlotSet("active_form", None)]


def summary(
    form: GuidedForm,
    slots: dict[str, Any],
    language: str,
    hidden: set[str] | None = None,
    named_by_client: bool = False,
) -> str:
    """The answers to check before submitting; `hidden` ones (contact answers from an
    earlier browser session, or any to a REST client's own sender id) are said to be
    kept, not shown."""
    hidden = hidden or set()
    kept, kept_note = (
        ("summary.not_echoed", "summary.not_echoed_note")
        if named_by_client
        else ("summary.kept_from_before", "summary.kept_note")
    )
    confidential = set(slots.get("confidential_fields") or [])
    lines = [text("summary.header", language, noun=noun(form, language))]
    for question in form.applicable(slots):
        if question.slot == "confidential_fields":
            continue
        if question.slot in hidden:
            value = text(kept, language)
        else:
            value = form.show(question, slots.get(question.slot), language)
        if len(value) > 160:
            value = value[:157] + "..."
        marker = text("form.confidential_marker", language) if question.slot in confidential else ""
        label = form.label(question, language)
        lines.append(text("summary.line", language, label=label, marker=marker, value=value))
    if hidden:
        lines.append(text(kept_note, language))
    lines.append(text("summary.footer", language))
    return "\n".join(lines)


async def hidden_contact(form: SubmissionForm, tracker: Tracker) -> set[str]:
    """The contact answers not to show: every one to a REST client's own sender id
    (whoever names the id reads the answer; a resumed draft would show them), and in the
    web chat those from another browser session (see browser_session). Slack DMs and the
    page's cookie identity are authenticated: the person's own answers are shown."""
    details = form.contact_details(tracker.slots)
    if is_named_by_client(tracker.sender_id):
        return set(details)
    where = browser_session.current(tracker)
    if not details or where is None:
        return set()
    draft = await in_session(lambda session: get_draft(session, tracker.sender_id, form.draft_kind))
    return browser_session.hidden(details, draft.answers if draft else {}, where)


class AskConfirmation(Action, ABC):
    """The summary before submitting, with the ways to go on."""

    @property
    @abstractmethod
    def key(self) -> str:
        """Which form (a key of FORMS)."""

    def name(self) -> str:
        return f"action_ask_{self.key}_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        form = FORMS[self.key]
        language = language_of(tracker)
        dispatcher.utter_message(
            text=summary(
                form,
                tracker.slots,
                language,
                await hidden_contact(form, tracker),
                named_by_client=is_named_by_client(tracker.sender_id),
            ),
            buttons=[
                {"title": text("form.button.submit", language), "payload": "/affirm"},
                {
                    "title": text("form.button.change", language),
                    "payload": f'/choose{{"choice":"{CHANGE_CODE}"}}',
                },
                {"title": text("form.button.stop", language), "payload": "/stop"},
            ],
        )
        return []


class AskProposalConfirmed(AskConfirmation):
    key = "proposal"


class AskIdeaConfirmed(AskConfirmation):
    key = "idea"


class AskFeedbackConfirmed(AskConfirmation):
    key = "feedback"


class FinishSubmission(Action):
    """Runs when a submission form closes: submits what was confirmed, or confirms the pause."""

    def name(self) -> str:
        return "action_finish_submission"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        form = active_form(tracker)
        if tracker.get_slot("form_outcome") == "handoff":
            # The answers stay (they are in the draft too); the form returns at its
            # summary once the handoff is done.
            return [
                SlotSet("form_outcome", None),
                SlotSet(form.confirm_slot, None),
                SlotSet("interrupted_form", form.key),
                FollowupAction("action_start_handoff"),
            ]
        done = [*clear_form(tracker, form), SlotSet("active_form", None)]
        language = language_of(tracker)
        named = noun(form, language)
        if tracker.get_slot("form_outcome") != "confirmed":
            days = get_settings().draft_retention_days
            dispatcher.utter_message(text=text("form.stopped", language, noun=named, days=days))
            return done
        new = in_language(
            form.build_submission(tracker.sender_id, channel_of(tracker.sender_id), tracker.slots),
            language,
        )
        hidden = await hidden_contact(form, tracker)  # before the draft goes
        settings = get_settings()
        client = intake_limits.client_in(tracker.latest_message, tracker.sender_id)
        kind = intake_limits.Intake.submission
        limits = intake_limits.Limits(
            settings.submission_limit_per_client, settings.submission_limit_total
        )

        def submit(session) -> submissions.Receipt | intake_limits.OverLimit:
            over = intake_limits.over_limit(session, kind, client, limits)
            if over is not None:
                return over  # the draft stays, with every answer
            intake_limits.record(session, kind, client)
            receipt = submissions.create_submission(session, new, settings.zone)
            discard_draft(session, tracker.sender_id, new.kind)
            return receipt

        receipt = await in_session(submit)
        if isinstance(receipt, intake_limits.OverLimit):
            dispatcher.utter_message(
                text=text(
                    f"submission_held.{receipt.scope.value}",
                    language,
                    noun=named,
                    limit=receipt.limit,
                    minutes=receipt.minutes,
                )
            )
            return done
        reach = new.contact and (new.contact.email or new.contact.phone)
        follow_up = text("summary.follow_up", language, reach=reach) if reach else ""
        if reach and reach in {tracker.slots.get(slot) for slot in hidden}:
            # not shown again on this device
            follow_up = text("summary.follow_up_kept", language)
        dispatcher.utter_message(
            text=text(
                "summary.receipt",
                language,
                noun=named,
                reference=receipt.reference,
                next_step=text(f"status.next_step.{Status.received.value}", language),
                follow_up=follow_up,
                token=receipt.status_token,
            ),
            **private_receipt(form, receipt, anonymous=new.contact is None),
        )
        if new.contact is None:
            return done  # nothing in the conversation names what it submitted
        return [*done, SlotSet("last_reference", receipt.reference)]


def in_language(new: submissions.NewSubmission, language: str) -> submissions.NewSubmission:
    """The submission with its contact's language: everything sent to the submitter
    later (receipt, staff questions, decisions, reminders) is written in it."""
    if new.contact is None:
        return new
    return replace(new, contact=replace(new.contact, language=language))


def private_receipt(
    form: SubmissionForm, receipt: submissions.Receipt, anonymous: bool
) -> dict[str, Any]:
    """The receipt's private status code is shown to the person, never stored with the
    conversation. After an anonymous submission the stored conversation also forgets
    the form's answers and the reference, which would link the person to it."""
    if not anonymous:
        return private.keep_out([receipt.status_token])
    return private.keep_out(
        [receipt.status_token, receipt.reference],
        forms=[form.form_name()],
        slots=[question.slot for question in form.questions] + [form.confirm_slot],
    )
