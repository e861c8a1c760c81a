"""Feedback on where City procurement hinders projects, stored as kind `feedback` with a
coded step (the submission's category), so reports can count where problems cluster.

Its texts are the catalogue's `feedback` area in each language. What is stored is
language-neutral: codes for the step, the impacts and an anonymous contact, the person's
own words as written, and the title as the code `feedback.title.<step>`, rendered in the
reader's language (open data publishes it)."""

from typing import Any

from actions.guided_form import (
    Choices,
    Invalid,
    NotAChoice,
    Question,
    SubmissionForm,
    accept_text,
    contact_by,
    describe,
    email_or_phone,
    given,
    optional,
)
from actions.parsing import is_skip, plain
from storage import submissions
from storage.models import Kind

AREA = "feedback"
STEPS = Choices(
    AREA,
    "barrier_step",
    (
        "vendor_registration",
        "finding_opportunities",
        "solicitation_requirements",
        "insurance_bonding",
        "ip_data_terms",
        "legal_review",
        "timeline",
        "payment_terms",
        "other",
    ),
)
IMPACTS = Choices(
    AREA, "barrier_impact", ("delay", "extra_cost", "could_not_bid", "project_abandoned")
)
ANONYMOUS = "anonymous"
CONTACT = Choices(AREA, "barrier_contact", (ANONYMOUS,))


def _impact(answer: str) -> list[str]:
    found = IMPACTS.named_in(answer)
    if not found:
        raise NotAChoice(IMPACTS, several=True)
    return found


def _is_anonymous(answer: str) -> bool:
    """The whole answer says so ("anonymous", "anónimo", "no thanks", a skip word);
    an answer that merely contains "no" may still carry a phone number."""
    said = plain(answer).strip(" .!")
    return (
        answer == ANONYMOUS
        or is_skip(answer)
        or said in {plain(word) for word in CONTACT.words()[ANONYMOUS]}
    )


def _contact(answer: str) -> str:
    if _is_anonymous(answer):
        return ANONYMOUS
    found = email_or_phone(answer)
    if found is None:
        raise Invalid("feedback.invalid.contact")
    return found


QUESTIONS: tuple[Question, ...] = (
    Question("barrier_what", accept_text(10)),
    Question("barrier_step", STEPS.one(), choices=STEPS),
    Question("barrier_where", optional(lambda answer: answer[:300], "feedback.invalid.where")),
    Question("barrier_impact", _impact, choices=IMPACTS),
    Question("barrier_suggestion", optional(accept_text(2), "feedback.invalid.suggestion")),
    Question("barrier_contact", _contact, choices=CONTACT),
)


class ValidateBarrierForm(SubmissionForm):
    key = "feedback"
    noun = "feedback"
    area = AREA
    questions = QUESTIONS
    draft_kind = Kind.feedback
    contact_slots = ("barrier_contact",)

    def contact_details(self, slots: dict[str, Any]) -> dict[str, Any]:
        details = super().contact_details(slots)
        return {slot: value for slot, value in details.items() if value != ANONYMOUS}

    def name(self) -> str:
        return "validate_barrier_form"

    def build_submission(
        self, sender_id: str, channel: str, slots: dict[str, Any]
    ) -> submissions.NewSubmission:
        answers = self.answers(slots)
        contact = given(answers.pop("barrier_contact", ANONYMOUS))
        step = answers["barrier_step"]
        return submissions.NewSubmission(
            kind=Kind.feedback,
            title=f"feedback.title.{step}",
            category=step,
            answers={field: describe(value) for field, value in answers.items()},
            # The account may name people or firms: staff read it, the public sees the step.
            confidential_fields=frozenset(answers) - {"barrier_step", "barrier_impact"},
            flags=("confidential_answers",),
            title_is_ours=True,
            contact=None if contact == ANONYMOUS else contact_by(sender_id, channel, contact),
        )
