"""The vendor proposal: its questions, the form's validation, and submitting it."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.guided_form import GuidedForm, Invalid, Question, accept_text, describe
from actions.parsing import (
    clean_text,
    is_skip,
    match_choice,
    match_choices,
    parse_email,
    parse_phone,
    parse_website,
)
from actions.store import in_session
from bot.settings import get_settings
from storage import repository
from storage.models import NEXT_STEPS, Draft, Kind, Status

CATEGORIES: dict[str, tuple[str, ...]] = {
    "Mobility": ("transport", "transportation", "traffic", "parking", "transit", "bike", "ev"),
    "Energy & environment": ("energy", "environment", "climate", "solar", "air quality", "waste"),
    "Water": ("water", "flood", "stormwater", "drainage", "leak"),
    "Public safety": ("safety", "police", "fire", "emergency", "ems"),
    "Digital services & connectivity": (
        "digital",
        "connectivity",
        "broadband",
        "wifi",
        "app",
        "software",
        "internet",
        "data platform",
    ),
    "Housing & land use": ("housing", "land use", "zoning", "homeless", "affordable"),
    "Health": ("health", "public health", "clinic", "wellbeing"),
    "Other": ("other", "something else", "none of these"),
}
MATURITY: dict[str, tuple[str, ...]] = {
    "Idea": ("concept", "just an idea", "early", "idea stage"),
    "Prototype": ("prototype", "mvp", "beta", "proof of concept", "poc"),
    "Piloted elsewhere": ("pilot", "piloted", "trial", "tested", "piloting"),
    "Deployed elsewhere": ("deployed", "production", "in use", "live", "commercial"),
}
CITY_ASKS: dict[str, tuple[str, ...]] = {
    "Pilot site": ("pilot", "site", "location", "test site", "right of way"),
    "Data access": ("data", "dataset", "api access"),
    "Funding": ("funding", "money", "grant", "budget", "pay"),
    "A contract": ("contract", "purchase", "buy", "procurement"),
    "A partnership": ("partnership", "partner", "ppp", "collaboration", "mou"),
}
COST_MODELS: dict[str, tuple[str, ...]] = {
    "Vendor-funded pilot": ("vendor funded", "free", "at our cost", "no cost", "we pay", "vendor"),
    "Cost share": ("share", "shared", "split", "co fund", "cofund", "match"),
    "City-funded": ("city funded", "city pays", "city", "paid by the city", "purchase"),
    "Revenue share / public-private partnership": (
        "revenue",
        "ppp",
        "public private",
        "partnership",
        "concession",
    ),
}
OPEN_DATA: dict[str, tuple[str, ...]] = {
    "Yes": ("yes", "sure", "absolutely", "fully", "all of it", "y"),
    "Partly": ("partly", "partially", "some", "aggregated", "anonymised", "anonymized", "depends"),
    "No": ("no", "not", "none", "never", "n"),
}


def _choice(choices: dict[str, tuple[str, ...]], prompt: str):
    def parse(text: str) -> str:
        choice = match_choice(text, choices)
        if choice is None:
            raise Invalid(f"Please pick one of: {', '.join(choices)}. {prompt}".strip())
        return choice

    return parse


def _email(text: str) -> str:
    email = parse_email(text)
    if email is None:
        raise Invalid(
            "That doesn't look like an email address. Could you check it? "
            "(for example: name@example.com)"
        )
    return email


def _optional(parser, problem: str):
    def parse(text: str) -> str:
        if is_skip(text):
            return "not given"
        value = parser(text)
        if value is None:
            raise Invalid(problem)
        return value

    return parse


def _city_ask(text: str) -> list[str]:
    return match_choices(text, CITY_ASKS) or [f"Other: {text[:300]}"]


def _personal_data(text: str) -> str:
    folded = text.lower().strip()
    if is_skip(folded) or folded.startswith(("no ", "no,", "none")):
        return "No"
    if folded in {"yes", "y", "yeah", "yep"}:
        raise Invalid("Which personal data, briefly? (for example: licence plates, names, images)")
    return text


def _departments(text: str) -> str:
    return (
        "Not sure"
        if text.lower().strip(" .!")
        in {"not sure", "unsure", "don't know", "dont know", "no idea", "?"}
        else text
    )


def _title(text: str) -> str:
    if len(text) < 4:
        raise Invalid("A title needs at least a few words, e.g. 'Smart parking sensors downtown'.")
    if len(text) > 120:
        raise Invalid("Please keep the title under 120 characters; details come later.")
    return text


def _confidential(text: str) -> list[str]:
    if is_skip(text) or text.lower().strip(" .!") in {"nothing", "no confidential"}:
        return []
    choices = {q.slot: (q.label, *q.synonyms) for q in QUESTIONS if q.may_be_confidential}
    found = match_choices(text, choices)
    if not found:
        names = ", ".join(q.label.lower() for q in QUESTIONS if q.may_be_confidential)
        raise Invalid(
            f"I couldn't tell which answers you mean. You can mark: {names}. Or say 'none'."
        )
    return found


def _piloted_or_deployed(slots: dict[str, Any]) -> bool:
    return slots.get("maturity") in {"Piloted elsewhere", "Deployed elsewhere"}


QUESTIONS: tuple[Question, ...] = (
    Question(
        "organisation", "Organisation", accept_text(2, 200), ("company", "organization", "firm")
    ),
    Question("contact_name", "Contact name", accept_text(2, 200), ("name", "contact")),
    Question("email", "Email", _email, ("e-mail", "mail", "email address")),
    Question(
        "phone",
        "Phone",
        _optional(
            parse_phone, "That doesn't look like a phone number. Type it with digits, or 'skip'."
        ),
        ("phone number", "number"),
    ),
    Question(
        "website",
        "Website",
        _optional(
            parse_website,
            "That doesn't look like a web address (e.g. example.com). Or type 'skip'.",
        ),
        ("site", "url", "web site"),
    ),
    Question("title", "Title", _title, ("proposal title", "name of the proposal")),
    Question(
        "problem",
        "Problem addressed",
        accept_text(10),
        ("problem", "challenge"),
        may_be_confidential=True,
    ),
    Question(
        "solution",
        "Solution",
        accept_text(10),
        ("proposed solution", "description"),
        may_be_confidential=True,
    ),
    Question("category", "Category", _choice(CATEGORIES, ""), ("area",)),
    Question("departments", "Departments", _departments, ("department", "city departments")),
    Question(
        "maturity",
        "Maturity",
        _choice(MATURITY, ""),
        ("stage", "maturity level"),
        may_be_confidential=True,
    ),
    Question(
        "maturity_where",
        "Where piloted or deployed",
        accept_text(3),
        ("where", "references", "deployments", "pilots elsewhere"),
        applies=_piloted_or_deployed,
        may_be_confidential=True,
    ),
    Question(
        "city_ask",
        "Ask of the City",
        _city_ask,
        ("ask", "request", "what we ask"),
        may_be_confidential=True,
    ),
    Question(
        "cost_model",
        "Cost model",
        _choice(COST_MODELS, ""),
        ("cost", "costs", "pricing", "funding model", "price"),
        may_be_confidential=True,
    ),
    Question(
        "data_collected",
        "Data collected",
        accept_text(2),
        ("data", "data collection"),
        may_be_confidential=True,
    ),
    Question(
        "personal_data",
        "Personal data",
        _personal_data,
        ("personal information", "pii"),
        may_be_confidential=True,
    ),
    Question(
        "data_owner",
        "Data ownership",
        accept_text(2),
        ("data owner", "ownership", "who owns the data"),
        may_be_confidential=True,
    ),
    Question(
        "ip_terms",
        "IP terms",
        accept_text(2),
        ("ip", "intellectual property", "licensing", "licence", "license"),
        may_be_confidential=True,
    ),
    Question(
        "open_data",
        "Open data",
        _choice(OPEN_DATA, ""),
        ("publish", "publication"),
        may_be_confidential=True,
    ),
    Question(
        "timeline", "Timeline", accept_text(2), ("schedule", "dates"), may_be_confidential=True
    ),
    Question(
        "equity_impact",
        "Equity and accessibility",
        accept_text(3),
        ("equity", "accessibility", "impact"),
        may_be_confidential=True,
    ),
    Question(
        "confidential_fields",
        "Confidential answers",
        _confidential,
        ("confidential", "confidentiality"),
    ),
)
CONTACT_FIELDS = ("organisation", "contact_name", "email", "phone", "website")
# Stored on the submission itself (public) rather than as answers.
PUBLIC_FIELDS = ("title", "category")


class ValidateProposalForm(GuidedForm):
    kind = Kind.proposal
    questions = QUESTIONS

    def name(self) -> str:
        return "validate_proposal_form"


def summary(slots: dict[str, Any]) -> str:
    confidential = set(slots.get("confidential_fields") or [])
    lines = ["Here is your proposal. Please check it before you submit:"]
    for question in ValidateProposalForm.questions:
        if question.slot == "confidential_fields" or not question.applies(slots):
            continue
        value = describe(slots.get(question.slot))
        if len(value) > 160:
            value = value[:157] + "..."
        marker = " (confidential)" if question.slot in confidential else ""
        lines.append(f"• {question.label}{marker}: {value}")
    lines.append(
        "Contact details and answers marked confidential are never published. Submit it now?"
    )
    return "\n".join(lines)


class AskProposalConfirmed(Action):
    def name(self) -> str:
        return "action_ask_proposal_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            text=summary(tracker.slots),
            buttons=[
                {"title": "Submit", "payload": "Yes, submit"},
                {"title": "Change an answer", "payload": "I want to change an answer"},
                {"title": "Stop for now", "payload": "stop"},
            ],
        )
        return []


def _clear_form() -> list[EventType]:
    slots = [q.slot for q in QUESTIONS] + ["proposal_confirmed", "confirm_stop"]
    return [SlotSet(slot, None) for slot in slots] + [
        SlotSet("stop_requested", False),
        SlotSet("form_outcome", None),
        SlotSet("resume_offered", False),
    ]


async def saved_draft(tracker: Tracker) -> Draft | None:
    draft = await in_session(
        lambda session: repository.get_draft(session, tracker.sender_id, Kind.proposal)
    )
    return draft if draft and draft.answers else None


def offer_to_resume(dispatcher: CollectingDispatcher, draft: Draft) -> list[EventType]:
    dispatcher.utter_message(
        text=f"You have an unfinished proposal with {len(draft.answers)} answers saved "
        f"(last changed {draft.updated_at:%d %B %Y}). Continue where you left off?",
        buttons=[
            {"title": "Continue", "payload": "Yes"},
            {"title": "Start over", "payload": "No"},
        ],
    )
    return [SlotSet("resume_offered", True)]


class Greet(Action):
    """Greets, and offers a returning user the proposal they left unfinished."""

    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        draft = await saved_draft(tracker)
        if draft is None:
            dispatcher.utter_message(response="utter_greet")
            return []
        dispatcher.utter_message(text="Welcome back!")
        return offer_to_resume(dispatcher, draft)


class StartProposal(Action):
    """Opens the proposal form, or first offers to resume a saved draft."""

    def name(self) -> str:
        return "action_start_proposal"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        draft = await saved_draft(tracker)
        if draft is not None:
            return offer_to_resume(dispatcher, draft)
        dispatcher.utter_message(
            text="Thank you for bringing a proposal to the City. I'll ask about 20 short "
            "questions, one at a time. At any question you can ask 'why?', say 'change' and "
            "an earlier answer's name to correct it, or 'stop' to finish later. Your answers "
            "are saved as you go, and nothing is submitted until you confirm."
        )
        return [*_clear_form(), FollowupAction("proposal_form")]


class ResumeProposal(Action):
    def name(self) -> str:
        return "action_resume_proposal"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        draft = await saved_draft(tracker)
        answers = draft.answers if draft else {}
        dispatcher.utter_message(text="Welcome back. Let's pick up where you left off.")
        known = {q.slot for q in QUESTIONS}
        restored = [SlotSet(slot, value) for slot, value in answers.items() if slot in known]
        return [*_clear_form(), *restored, FollowupAction("proposal_form")]


class RestartProposal(Action):
    def name(self) -> str:
        return "action_restart_proposal"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        await in_session(
            lambda session: repository.discard_draft(session, tracker.sender_id, Kind.proposal)
        )
        dispatcher.utter_message(text="OK, the old draft is deleted. Let's start a new proposal.")
        return [*_clear_form(), FollowupAction("proposal_form")]


def new_submission(sender_id: str, channel: str, slots: dict[str, Any]) -> repository.NewSubmission:
    answers = ValidateProposalForm().answers(slots)
    confidential = frozenset(answers.pop("confidential_fields", None) or [])
    contact = {field: answers.pop(field, None) for field in CONTACT_FIELDS}
    title = clean_text(answers.pop("title"), 120)
    category = answers.pop("category", None)
    return repository.NewSubmission(
        kind=Kind.proposal,
        title=title,
        category=category,
        answers={field: describe(value) for field, value in answers.items()},
        confidential_fields=confidential,
        contact=repository.ContactDetails(
            sender_id=sender_id,
            channel=channel,
            organisation=contact["organisation"],
            name=contact["contact_name"],
            email=contact["email"],
            phone=None if contact["phone"] == "not given" else contact["phone"],
            website=None if contact["website"] == "not given" else contact["website"],
        ),
    )


def channel_of(tracker: Tracker) -> str:
    channel = tracker.get_latest_input_channel() or "rest"
    return "web" if channel == "rest" else channel


class FinishProposal(Action):
    """Runs when the form closes: submits a confirmed proposal or confirms the pause."""

    def name(self) -> str:
        return "action_finish_proposal"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("form_outcome") != "confirmed":
            dispatcher.utter_message(
                text="Stopped. Your answers are saved as a draft for "
                f"{get_settings().draft_retention_days} days: say 'continue my proposal' "
                "whenever you are ready."
            )
            return _clear_form()

        new = new_submission(tracker.sender_id, channel_of(tracker), tracker.slots)

        def submit(session):
            receipt = repository.create_submission(session, new, get_settings().zone)
            repository.discard_draft(session, tracker.sender_id, Kind.proposal)
            return receipt

        receipt = await in_session(submit)
        dispatcher.utter_message(
            text=f"Thank you, your proposal is submitted. Your reference is {receipt.reference}.\n"
            f"What happens next: {NEXT_STEPS[Status.received]} Reviewers will write to "
            f"{new.contact.email} if they have questions.\n"
            f"Check its status any time by asking me 'status of {receipt.reference}', or at "
            f"/api/proposals/{receipt.reference}.\n"
            f"Your private status code is {receipt.status_token}: keep it, it lets you see "
            "details meant only for you."
        )
        return [*_clear_form(), SlotSet("last_reference", receipt.reference)]
