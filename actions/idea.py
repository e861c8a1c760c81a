"""A resident's idea: a short form, stored as a submission of kind `idea`."""

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
from actions.parsing import clean_text, match_choice
from storage import submissions
from storage.models import Kind

PUBLISH: dict[str, tuple[str, ...]] = {
    "Yes": ("yes", "y", "sure", "ok", "okay", "yes please", "please do", "of course"),
    "No": ("no", "n", "nope", "don't", "do not", "rather not", "private"),
}


def _location(text: str) -> str:
    if match_choice(
        text, {"Citywide": ("citywide", "city wide", "all of austin", "everywhere", "whole city")}
    ):
        return "Citywide"
    if len(text) < 2:
        raise Invalid("Please name a neighbourhood, a council district (1-10), or 'citywide'.")
    return text[:200]


def _title_of(idea: str) -> str:
    first = clean_text(idea, 400).split("\n")[0]
    sentence = first.split(". ")[0].strip().rstrip(".")
    return sentence if len(sentence) <= 90 else sentence[:87].rstrip() + "..."


QUESTIONS: tuple[Question, ...] = (
    Question("idea_text", "Idea", accept_text(10), ("idea", "description", "suggestion")),
    Question(
        "idea_location",
        "Where",
        _location,
        ("location", "place", "district", "neighbourhood", "neighborhood"),
    ),
    Question(
        "idea_beneficiaries",
        "Who it helps",
        accept_text(2),
        ("who", "beneficiaries", "who it would help"),
    ),
    Question(
        "idea_contact",
        "Contact for follow-up",
        optional(
            email_or_phone,
            "That doesn't look like an email address or phone number. Or type 'skip'.",
        ),
        ("contact", "email", "phone"),
    ),
    Question(
        "idea_publish", "Publish the idea", choice(PUBLISH), ("publish", "consent", "publication")
    ),
)


class ValidateIdeaForm(SubmissionForm):
    key = "idea"
    noun = "idea"
    questions = QUESTIONS
    draft_kind = Kind.idea
    contact_slots = ("idea_contact",)

    def name(self) -> str:
        return "validate_idea_form"

    def build_submission(
        self, sender_id: str, channel: str, slots: dict[str, Any]
    ) -> submissions.NewSubmission:
        answers = self.answers(slots)
        contact = given(answers.pop("idea_contact", None))
        publish = answers["idea_publish"] == "Yes"
        return submissions.NewSubmission(
            kind=Kind.idea,
            # Without consent nothing the resident wrote becomes public, not even a title.
            title=_title_of(answers["idea_text"]) if publish else "Resident idea (not published)",
            category=None,
            answers={field: describe(value) for field, value in answers.items()},
            confidential_fields=frozenset() if publish else frozenset(answers),
            flags=() if publish else ("not_published",),
            title_is_ours=not publish,
            contact=contact_by(sender_id, channel, contact),
        )
