"""A submission's answers as staff read them: each under the form's own question label
(`proposal.label.city_ask`: "What you ask of the City"), a coded choice as its label
(`proposal.choice.city_ask.pilot_site`), and the submitter's own words as written, never
translated. Staff read English; the labels are the form's, from the forms' catalogue
areas (proposal, idea, feedback: kind_area below).

A field or a code the catalogue has no label for is shown as stored (the field code
with spaces, the value itself), so an answer is never hidden for want of a label.

Also the submitter's language, as staff are told it (in English: "Spanish")."""

from sqlmodel import Session

from storage import contacts
from storage.catalogue import text
from storage.languages import DEFAULT_LANGUAGE, ENGLISH_NAMES, language_or_default
from storage.models import Submission

STAFF_LANGUAGE = DEFAULT_LANGUAGE


def _label(key: str) -> str | None:
    try:
        return text(key, STAFF_LANGUAGE)
    except (KeyError, TypeError):  # no such key, or a list of words rather than a label
        return None


def field_label(kind_area: str, field: str) -> str:
    """The form's question label for an answer field, else the field code readable."""
    return _label(f"{kind_area}.label.{field}") or field.replace("_", " ")


def answer_value(kind_area: str, field: str, value: str) -> str:
    """A coded answer (the choice set is the field) as its label; anything else, such as
    the submitter's own words, as written."""
    return _label(f"{kind_area}.choice.{field}.{value.strip()}") or value


def language_name(language: str | None) -> str:
    """The submitter's language as staff read it: "English", "Spanish"."""
    return ENGLISH_NAMES[language_or_default(language)]


def submitter_language(session: Session, submission: Submission) -> str | None:
    """The language the submitter reads what staff write to them in (their contact's), or
    None when nobody can be written to (anonymous feedback)."""
    if submission.contact_id is None:
        return None
    return contacts.language_of(session, submission.contact_id)
