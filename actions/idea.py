"""A resident's idea: a short form, stored as a submission of kind `idea`.

Its texts are the catalogue's `idea` area in each language. What is stored is
language-neutral: the resident's own words as they wrote them, and codes for the choices
("citywide", publish "yes"/"no"); the title of an idea not to be published is the code
`idea.title.not_published`, rendered in the reader's language."""

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
from actions.parsing import clean_text, is_unsure, yes_or_no
from storage import submissions
from storage.models import Kind

AREA = "idea"
LOCATIONS = Choices(AREA, "idea_location", ("citywide",))
PUBLISH = Choices(AREA, "idea_publish", ("yes", "no"))
# The title of an idea the resident did not consent to publish: a catalogue key.
NOT_PUBLISHED_TITLE = "idea.title.not_published"


def _location(answer: str) -> str:
    if LOCATIONS.named_in(answer):
        return "citywide"
    if len(answer) < 2:
        raise Invalid("idea.invalid.location")
    return answer[:200]


def _publish(answer: str) -> str:
    """ "yes" or "no": a button's code, a yes or no in either language ("sí", "dale",
    "no gracias"), or the choice's own words ("publícala", "keep it private")."""
    if answer in PUBLISH.codes:
        return answer
    if is_unsure(answer):  # "no sé" is no "no": consent is asked again, never assumed
        raise NotAChoice(PUBLISH)
    said = yes_or_no(answer)
    if said is not None:
        return "yes" if said else "no"
    return PUBLISH.one()(answer)


def _title_of(idea: str) -> str:
    first = clean_text(idea, 400).split("\n")[0]
    sentence = first.split(". ")[0].strip().rstrip(".")
    return sentence if len(sentence) <= 90 else sentence[:87].rstrip() + "..."


QUESTIONS: tuple[Question, ...] = (
    Question("idea_text", accept_text(10)),
    Question("idea_location", _location, choices=LOCATIONS),
    Question("idea_beneficiaries", accept_text(2)),
    Question("idea_contact", optional(email_or_phone, "idea.invalid.contact")),
    Question("idea_publish", _publish, choices=PUBLISH),
)


class ValidateIdeaForm(SubmissionForm):
    key = "idea"
    noun = "idea"
    area = AREA
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
        publish = answers["idea_publish"] == "yes"
        return submissions.NewSubmission(
            kind=Kind.idea,
            # Without consent nothing the resident wrote becomes public, not even a title.
            title=_title_of(answers["idea_text"]) if publish else NOT_PUBLISHED_TITLE,
            category=None,
            answers={field: describe(value) for field, value in answers.items()},
            confidential_fields=frozenset() if publish else frozenset(answers),
            flags=() if publish else ("not_published",),
            title_is_ours=not publish,
            contact=contact_by(sender_id, channel, contact),
        )
