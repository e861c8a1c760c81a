"""The vendor proposal: its questions and how its answers become a submission."""

from typing import Any

from actions.guided_form import (
    NOT_GIVEN,
    Invalid,
    Question,
    SubmissionForm,
    accept_text,
    choice,
    describe,
    email,
    given,
    optional,
)
from actions.parsing import (
    clean_text,
    is_skip,
    match_choices,
    parse_amount,
    parse_phone,
    parse_website,
)
from actions.triage import city_pays, procurement_path, proposal_flags
from storage import contacts, submissions
from storage.models import Kind
from storage.settings import get_settings

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


UNSURE = {"not sure", "unsure", "don't know", "dont know", "no idea", "unknown", "tbd", "?"}


def _estimated_cost(text: str) -> int | str:
    if text.lower().strip(" .!") in UNSURE:
        return NOT_GIVEN
    amount = parse_amount(text)
    if amount is None:
        raise Invalid(
            "Please give an amount in dollars, e.g. '$40,000' or '1.2 million', or say 'not sure'."
        )
    return amount


def _cooperative_contract(text: str) -> str:
    if is_skip(text) or text.lower().strip(" .!") in UNSURE:
        return NOT_GIVEN
    return text[:200]


def _piloted_or_deployed(slots: dict[str, Any]) -> bool:
    return slots.get("maturity") in {"Piloted elsewhere", "Deployed elsewhere"}


QUESTIONS: tuple[Question, ...] = (
    Question(
        "organisation", "Organisation", accept_text(2, 200), ("company", "organization", "firm")
    ),
    Question("contact_name", "Contact name", accept_text(2, 200), ("name", "contact")),
    Question("email", "Email", email, ("e-mail", "mail", "email address")),
    Question(
        "phone",
        "Phone",
        optional(
            parse_phone, "That doesn't look like a phone number. Type it with digits, or 'skip'."
        ),
        ("phone number", "number"),
    ),
    Question(
        "website",
        "Website",
        optional(
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
    Question("category", "Category", choice(CATEGORIES), ("area",)),
    Question("departments", "Departments", _departments, ("department", "city departments")),
    Question(
        "maturity",
        "Maturity",
        choice(MATURITY),
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
        choice(COST_MODELS),
        ("cost", "costs", "pricing", "funding model", "price"),
        may_be_confidential=True,
    ),
    Question(
        "estimated_cost",
        "Estimated cost to the City",
        _estimated_cost,
        ("estimate", "amount", "budget", "cost to the city"),
        applies=city_pays,
        may_be_confidential=True,
    ),
    Question(
        "cooperative_contract",
        "Cooperative contract",
        _cooperative_contract,
        ("cooperative", "co-op contract", "buyboard", "sourcewell", "gsa"),
        applies=city_pays,
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
        choice(OPEN_DATA),
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
# Stored as the contact (never public), not as answers.
CONTACT_FIELDS = ("organisation", "contact_name", "email", "phone", "website")


class ValidateProposalForm(SubmissionForm):
    key = "proposal"
    noun = "proposal"
    questions = QUESTIONS
    draft_kind = Kind.proposal
    contact_slots = CONTACT_FIELDS

    def name(self) -> str:
        return "validate_proposal_form"

    def build_submission(
        self, sender_id: str, channel: str, slots: dict[str, Any]
    ) -> submissions.NewSubmission:
        answers = self.answers(slots)
        confidential = frozenset(answers.pop("confidential_fields", None) or [])
        contact = {field: given(answers.pop(field, None)) for field in CONTACT_FIELDS}
        facts = {field: given(value) for field, value in answers.items()}
        path, reason = procurement_path(facts, get_settings().small_purchase_limit, confidential)
        return submissions.NewSubmission(
            kind=Kind.proposal,
            title=clean_text(answers.pop("title"), 120),
            category=answers.pop("category", None),
            answers={field: describe(value) for field, value in answers.items()},
            confidential_fields=confidential,
            procurement_path=path,
            procurement_reason=reason,
            flags=tuple(proposal_flags(facts, confidential)),
            contact=contacts.ContactDetails(
                sender_id=sender_id,
                channel=channel,
                organisation=contact["organisation"],
                name=contact["contact_name"],
                email=contact["email"],
                phone=contact["phone"],
                website=contact["website"],
            ),
        )
