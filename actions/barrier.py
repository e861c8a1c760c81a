"""Feedback on where City procurement hinders projects, stored as kind `feedback` with a
coded step (the submission's category), so reports can count where problems cluster."""

from typing import Any

from actions.guided_form import (
    Invalid,
    Question,
    SubmissionForm,
    accept_text,
    choice,
    contact_by,
    describe,
    email_or_phone,
    given,
    optional,
)
from actions.parsing import is_skip, match_choices
from storage import submissions
from storage.models import Kind

# Label shown to the user -> (code stored as the category, synonyms people use).
STEPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Vendor registration": (
        "vendor_registration",
        ("registration", "register", "vendor portal", "signing up"),
    ),
    "Finding opportunities": (
        "finding_opportunities",
        ("finding", "find", "notice", "advertised", "didn't know", "opportunities"),
    ),
    "Solicitation scope or requirements": (
        "solicitation_requirements",
        ("scope", "requirements", "rfp", "specification", "specs", "solicitation", "criteria"),
    ),
    "Insurance and bonding": ("insurance_bonding", ("insurance", "bonding", "bond", "bonds")),
    "IP and data terms": (
        "ip_data_terms",
        ("ip", "intellectual property", "data terms", "data", "licence", "license", "ownership"),
    ),
    "Legal review": ("legal_review", ("legal", "lawyers", "contract review", "attorney")),
    "Timeline": ("timeline", ("time", "timeline", "deadline", "too slow", "slow", "delay")),
    "Payment terms": ("payment_terms", ("payment", "paid", "invoice", "net 90", "net 60")),
    "Other": ("other", ("other", "something else")),
}
IMPACTS: dict[str, tuple[str, ...]] = {
    "Delay": ("delay", "delayed", "slow", "months", "late"),
    "Extra cost": ("cost", "costs", "expensive", "money", "extra cost"),
    "Could not bid": (
        "could not bid",
        "couldn't bid",
        "unable to bid",
        "no bid",
        "excluded",
        "didn't bid",
        "did not bid",
    ),
    "Project abandoned": ("abandoned", "gave up", "cancelled", "canceled", "walked away", "killed"),
}
ANONYMOUS = ("anonymous", "anon", "no", "none", "skip", "no thanks")


def _impact(text: str) -> list[str]:
    found = match_choices(text, IMPACTS)
    if not found:
        raise Invalid(f"Please pick one or more of: {', '.join(IMPACTS)}.")
    return found


def _contact(text: str) -> str:
    if is_skip(text) or text.lower().strip(" .!") in ANONYMOUS:
        return "anonymous"
    found = email_or_phone(text)
    if found is None:
        raise Invalid(
            "That doesn't look like an email address or phone number. Or type 'anonymous'."
        )
    return found


QUESTIONS: tuple[Question, ...] = (
    Question("barrier_what", "What happened", accept_text(10), ("what", "description", "story")),
    Question(
        "barrier_step",
        "Step",
        choice({label: syn for label, (_, syn) in STEPS.items()}),
        ("step", "stage", "which step"),
    ),
    Question(
        "barrier_where",
        "Solicitation or department",
        optional(lambda text: text[:300], "Please name it, or type 'skip'."),
        ("solicitation", "department", "where"),
    ),
    Question("barrier_impact", "Impact", _impact, ("impact", "effect", "consequence")),
    Question(
        "barrier_suggestion",
        "Suggestion",
        optional(accept_text(2), "Could you say a little more? Or type 'skip'."),
        ("suggestion", "idea", "what to change"),
    ),
    Question("barrier_contact", "Contact", _contact, ("contact", "email", "anonymous")),
)


class ValidateBarrierForm(SubmissionForm):
    key = "feedback"
    noun = "feedback"
    questions = QUESTIONS
    draft_kind = Kind.feedback
    contact_slots = ("barrier_contact",)

    def contact_details(self, slots: dict[str, Any]) -> dict[str, Any]:
        details = super().contact_details(slots)
        return {slot: value for slot, value in details.items() if value != "anonymous"}

    def name(self) -> str:
        return "validate_barrier_form"

    def build_submission(
        self, sender_id: str, channel: str, slots: dict[str, Any]
    ) -> submissions.NewSubmission:
        answers = self.answers(slots)
        contact = given(answers.pop("barrier_contact", "anonymous"))
        step = answers["barrier_step"]
        return submissions.NewSubmission(
            kind=Kind.feedback,
            title=f"Procurement barrier: {step}",
            category=STEPS[step][0],
            answers={field: describe(value) for field, value in answers.items()},
            # The account may name people or firms: staff read it, the public sees the step.
            confidential_fields=frozenset(answers) - {"barrier_step", "barrier_impact"},
            flags=("confidential_answers",),
            title_is_ours=True,
            contact=None if contact == "anonymous" else contact_by(sender_id, channel, contact),
        )
