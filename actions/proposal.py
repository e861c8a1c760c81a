"""The vendor proposal: its questions and how its answers become a submission."""

import re
from collections.abc import Callable
from typing import Any

from actions.guided_form import (
    NOT_GIVEN,
    OTHER,
    Choices,
    Invalid,
    Question,
    SubmissionForm,
    accept_text,
    describe,
    email,
    given,
    optional,
)
from actions.parsing import (
    NOT_SURE,
    clean_text,
    is_skip,
    is_unsure,
    match_choices,
    parse_amount,
    parse_phone,
    parse_website,
    plain,
    yes_or_no,
)
from actions.triage import city_pays, procurement_path, proposal_flags
from storage import contacts, submissions
from storage.catalogue import text
from storage.models import Kind
from storage.settings import get_settings

AREA = "proposal"
# The codes each choice is stored as; labels and words are in catalogue/<language>/proposal.yml.
CATEGORIES = Choices(
    AREA,
    "category",
    (
        "mobility",
        "energy_environment",
        "water",
        "public_safety",
        "digital_services",
        "housing_land_use",
        "health",
        "other",
    ),
)
MATURITY = Choices(AREA, "maturity", ("idea", "prototype", "piloted", "deployed"))
CITY_ASKS = Choices(
    AREA, "city_ask", ("pilot_site", "data_access", "funding", "contract", "partnership")
)
COST_MODELS = Choices(
    AREA, "cost_model", ("vendor_funded", "cost_share", "city_funded", "revenue_share")
)
OPEN_DATA = Choices(AREA, "open_data", ("yes", "partly", "no"))
DEPARTMENTS = Choices(AREA, "departments", (NOT_SURE,))
PERSONAL_DATA = Choices(AREA, "personal_data", ("no",))
DATA_COLLECTED = Choices(AREA, "data_collected", ("none",))
DATA_OWNERS = Choices(AREA, "data_owner", ("city", "vendor", "shared", NOT_SURE))


def _exactly(choices: Choices, answer: str) -> str | None:
    """The code an answer is, when the whole answer is one (a button's code, or a choice's
    label or word on its own); free text that merely mentions one is no choice."""
    if answer in choices.codes:
        return answer
    said = plain(answer).strip(" .!")
    return next(
        (code for code, words in choices.words().items() if said in map(plain, words)), None
    )


def _city_ask(answer: str) -> list[str]:
    return CITY_ASKS.named_in(answer) or [f"{OTHER}{answer[:300]}"]


def _personal_data(answer: str) -> str:
    said = plain(answer)
    if is_skip(said) or _exactly(PERSONAL_DATA, said) or said.startswith(("no ", "no,", "none")):
        return "no"
    # A bare yes ("Sí", the Yes button) says there is some, not which: asked again.
    # "Sí, placas" says which.
    if yes_or_no(said) is True and len(re.findall(r"\w+", said)) == 1:
        raise Invalid("proposal.invalid.which_personal_data")
    return answer


def _departments(answer: str) -> str:
    return NOT_SURE if is_unsure(answer) else answer


def _described_or(choices: Choices) -> Callable[[str], str]:
    """A free-text answer, or one of a few choices when the whole answer is one ("None",
    "Ninguno", a button's code)."""

    def parse(answer: str) -> str:
        if len(answer) < 2:
            raise Invalid("form.invalid.too_short", minimum=2)
        return _exactly(choices, answer) or answer

    return parse


def _title(answer: str) -> str:
    if len(answer) < 4:
        raise Invalid("proposal.invalid.title_short")
    if len(answer) > 120:
        raise Invalid("proposal.invalid.title_long")
    return answer


def _confidential(answer: str) -> list[str]:
    if is_skip(answer) or plain(answer).strip(" .!") in NOTHING_CONFIDENTIAL:
        return []
    form = ValidateProposalForm()
    may_be = [q for q in QUESTIONS if q.may_be_confidential]
    found = match_choices(answer, {q.slot: form.names(q) for q in may_be})
    if not found:
        raise ConfidentialNotNamed(form, may_be)
    return found


# "Nothing" in both languages, besides the skip words.
NOTHING_CONFIDENTIAL = {"nothing", "no confidential", "nada", "nada confidencial", "ninguna"}


class ConfidentialNotNamed(Invalid):
    """No answer that may be confidential was named: the names are listed in the
    person's language."""

    def __init__(self, form: "ValidateProposalForm", may_be: list[Question]) -> None:
        super().__init__("proposal.invalid.confidential")
        self.form, self.may_be = form, may_be

    def message(self, language: str) -> str:
        return text(self.key, language, names=self.form.labels(self.may_be, language))


def _estimated_cost(answer: str) -> int | str:
    if is_unsure(answer):
        return NOT_GIVEN
    amount = parse_amount(answer)
    if amount is None:
        raise Invalid("proposal.invalid.amount")
    return amount


def _cooperative_contract(answer: str) -> str:
    if is_skip(answer) or is_unsure(answer):
        return NOT_GIVEN
    return answer[:200]


def _asked(slot: str, parse: Callable[[str], Any], **options: Any) -> Question:
    """A question whose label and names are in the catalogue (the form's area), not here."""
    return Question(slot, parse, **options)


def _piloted_or_deployed(slots: dict[str, Any]) -> bool:
    return slots.get("maturity") in {"piloted", "deployed"}


QUESTIONS: tuple[Question, ...] = (
    _asked("organisation", accept_text(2, 200)),
    _asked("contact_name", accept_text(2, 200)),
    _asked("email", email),
    _asked("phone", optional(parse_phone, "proposal.invalid.phone")),
    _asked("website", optional(parse_website, "proposal.invalid.website")),
    _asked("title", _title),
    _asked("problem", accept_text(10), may_be_confidential=True),
    _asked("solution", accept_text(10), may_be_confidential=True),
    _asked("category", CATEGORIES.one(), choices=CATEGORIES),
    _asked("departments", _departments, choices=DEPARTMENTS),
    _asked("maturity", MATURITY.one(), may_be_confidential=True, choices=MATURITY),
    _asked(
        "maturity_where",
        accept_text(3),
        applies=_piloted_or_deployed,
        may_be_confidential=True,
    ),
    _asked(
        "city_ask",
        _city_ask,
        may_be_confidential=True,
        choices=CITY_ASKS,
    ),
    _asked(
        "cost_model",
        COST_MODELS.one(),
        may_be_confidential=True,
        choices=COST_MODELS,
    ),
    _asked(
        "estimated_cost",
        _estimated_cost,
        applies=city_pays,
        may_be_confidential=True,
    ),
    _asked(
        "cooperative_contract",
        _cooperative_contract,
        applies=city_pays,
        may_be_confidential=True,
    ),
    _asked(
        "data_collected",
        _described_or(DATA_COLLECTED),
        may_be_confidential=True,
        choices=DATA_COLLECTED,
    ),
    _asked(
        "personal_data",
        _personal_data,
        may_be_confidential=True,
        choices=PERSONAL_DATA,
    ),
    _asked(
        "data_owner",
        _described_or(DATA_OWNERS),
        may_be_confidential=True,
        choices=DATA_OWNERS,
    ),
    _asked("ip_terms", accept_text(2), may_be_confidential=True),
    _asked("open_data", OPEN_DATA.one(), may_be_confidential=True, choices=OPEN_DATA),
    _asked("timeline", accept_text(2), may_be_confidential=True),
    _asked("equity_impact", accept_text(3), may_be_confidential=True),
    _asked("confidential_fields", _confidential),
)
# Stored as the contact (never public), not as answers.
CONTACT_FIELDS = ("organisation", "contact_name", "email", "phone", "website")


class ValidateProposalForm(SubmissionForm):
    key = "proposal"
    area = AREA
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
