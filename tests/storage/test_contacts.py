"""The contact's language, kept in one place (storage.contacts.keep_language) for every
part that learns it: a language switch in a form, a status look-up and an answer to the
City's question by someone proven to own the submission."""

import pytest

from storage import contacts, submissions
from storage.db import session_scope
from storage.models import Kind
from tests.support.submissions import submitted


def languages(url: str, *references: str) -> list[str]:
    with session_scope(url) as session:
        return [
            contacts.language_of(session, submissions.get_submission(session, r).contact_id)
            for r in references
        ]


def kept(url: str, sender: str, language: str | None, proven: str | None = None) -> int:
    with session_scope(url) as session:
        submission = submissions.get_submission(session, proven) if proven else None
        return contacts.keep_language(session, sender, language, proven=submission)


def test_a_switch_reaches_every_contact_of_the_chat_identity_and_no_one_elses(database_url):
    first = submitted(database_url, "web-ana", "en").reference
    second = submitted(database_url, "web-ana", "en", Kind.idea).reference
    someone_else = submitted(database_url, "web-bea", "en").reference
    assert kept(database_url, "web-ana", "es") == 2
    assert languages(database_url, first, second, someone_else) == ["es", "es", "en"]
    assert kept(database_url, "web-ana", "es-MX") == 0  # already Spanish: nothing changes


def test_a_submission_proven_from_another_identity_follows_too(database_url):
    """A REST client that gave the private status code, or a person on a new browser:
    the submission's contact is theirs, though its chat identity is another."""
    proven = submitted(database_url, "web-old-browser", "en").reference
    unproven = submitted(database_url, "web-old-browser", "en", title="Otra").reference
    mine = submitted(database_url, "web-new-browser", "en").reference
    assert kept(database_url, "web-new-browser", "es", proven=proven) == 2
    assert languages(database_url, proven, unproven, mine) == ["es", "en", "es"]


def test_an_anonymous_submission_proves_no_contact(database_url):
    anonymous = submitted(database_url, None, "en", Kind.feedback).reference
    mine = submitted(database_url, "web-ana", "en").reference
    assert kept(database_url, "web-ana", "es", proven=anonymous) == 1
    assert languages(database_url, mine) == ["es"]


@pytest.mark.parametrize("unshown", [None, "", "fr", "xx-YY"])
def test_a_language_not_shown_or_not_spoken_replaces_nothing(database_url, unshown):
    """The slot is empty until a message shows a language; a page or client may name one
    Entryway does not speak. Neither is a reason to forget the Spanish already known."""
    reference = submitted(database_url, "web-ana", "es").reference
    assert kept(database_url, "web-ana", unshown, proven=reference) == 0
    assert languages(database_url, reference) == ["es"]
