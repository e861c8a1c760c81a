"""Stored codes in the reader's words. The database holds codes (a status, its next
step, a reason Entryway gave, a form's choice); whoever reads them gets them worded in
their own language: the submitter in their contact's, staff in English, the public in
the page's. Staff's own words (a public reason, a question) are never translated.

    status_label(Status.needs_info, "es")      "esperando información tuya"
    public_status_label(Status.needs_info)     "waiting for information from the submitter"
    next_step_text("needs_info", "es")         "La Ciudad le pidió más información..."
    reason_text(change, "es")                  the reason Entryway gave, or staff's words
    coded_columns()                            the open-data dictionary's codes, en and es
"""

from storage.catalogue import folder, text
from storage.languages import DEFAULT_LANGUAGE, LANGUAGES
from storage.models import Kind, Status, StatusChange

# Where the labels of a coded column's codes are: catalogue key prefixes, one per set of
# choices the column may hold (a proposal's category and a feedback's procurement step
# share the `category` column). The forms' areas (proposal, idea, feedback) write them.
CHOICE_SETS = {
    "kind": ("status.kind.",),
    "status": ("status.public_label.",),
    "next_step": ("status.next_step.",),
    "category": (
        "proposal.choice.category.",
        "idea.choice.category.",
        "feedback.choice.category.",
        "feedback.choice.barrier_step.",
    ),
}


def status_label(status: Status | str, language: str = DEFAULT_LANGUAGE) -> str:
    return text(f"status.label.{Status(status).value}", language)


def public_status_label(status: Status | str, language: str = DEFAULT_LANGUAGE) -> str:
    """The status as the public reads it (the report, open data): "waiting for
    information from the submitter", where the submitter reads "... from you"."""
    return text(f"status.public_label.{Status(status).value}", language)


def kind_label(kind: Kind | str, language: str = DEFAULT_LANGUAGE) -> str:
    return text(f"status.kind.{Kind(kind).value}", language)


def next_step_text(code: str, language: str = DEFAULT_LANGUAGE) -> str:
    """What a submitter should expect next: `Submission.next_step` is the code of the
    status it was set for."""
    return text(f"status.next_step.{Status(code).value}", language)


# Titles Entryway composes (an idea not to be published, a barrier named by its step) are
# stored as the catalogue key that words them, so each reader gets them in their language;
# a title the person wrote is stored and shown as written.
COMPOSED_TITLES = ("idea.title.", "feedback.title.")


def title_text(title: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A stored title as a reader of `language` reads it."""
    return text(title, language) if title.startswith(COMPOSED_TITLES) else title


def public_title(kind: Kind | str, language: str = DEFAULT_LANGUAGE) -> str:
    """The neutral title that stands in until staff have screened a submission."""
    return text(f"public_title.{Kind(kind).value}", language)


def reason_text(change: StatusChange, language: str = DEFAULT_LANGUAGE) -> str:
    """The public reason of a status change: staff's words as written, or the reason
    Entryway gave (a code) in `language`; "" when there is none."""
    if change.reason_code:
        return text(f"status.reason.{change.reason_code}", language)
    return change.public_reason or ""


def coded_columns() -> dict[str, dict[str, dict[str, str]]]:
    """Every code each coded column of the open data may hold, with its label in each
    language: {"status": {"needs_info": {"en": "...", "es": "..."}}, ...}. For the data
    dictionary; a code whose label no form writes yet is left out until one does."""
    english = folder(DEFAULT_LANGUAGE)
    columns: dict[str, dict[str, dict[str, str]]] = {}
    for column, prefixes in CHOICE_SETS.items():
        codes = columns.setdefault(column, {})
        for prefix in prefixes:
            for key in english:
                code = key.removeprefix(prefix)
                if key.startswith(prefix) and "." not in code and code not in codes:
                    codes[code] = {language: text(key, language) for language in LANGUAGES}
    return columns
