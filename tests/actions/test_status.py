"""The status answer (actions/status.py) in the conversation's language: the status, its
next step, the kind and the dates rendered from codes in the person's language, and the
language kept on the submitter's contact once they are known to be its submitter."""

import pytest

from actions.status import CheckStatus
from storage import contacts, rendering, submissions
from storage.catalogue import text
from storage.db import session_scope
from storage.languages import long_date
from storage.models import Kind
from tests.support.action_calls import REST_SENDER, SENDER, run, slot_events, tracker
from tests.support.submissions import submit, submitted

pytestmark = pytest.mark.usefixtures("database")


def _contact_language(url: str, reference: str) -> str:
    with session_scope(url) as session:
        return contacts.language_of(
            session, submissions.get_submission(session, reference).contact_id
        )


def _updated(url: str, reference: str):
    with session_scope(url) as session:
        return submissions.get_submission(session, reference).updated_at


def test_a_spanish_status_question_is_answered_in_spanish_and_the_language_kept(database):
    reference = submit(database, sender=SENDER)
    said = f"hola, ¿qué pasó con mi propuesta {reference}?"
    events, messages = run(CheckStatus(), tracker({"language": "es"}, text=said))
    [answer, offer] = messages
    assert offer["text"] == text("vendor_requests.offer", "es", reference=reference)
    assert answer["response"] == "utter_status"
    assert answer["reference"] == reference
    assert answer["kind"] == "propuesta"
    assert answer["status"] == text("status.label.received", "es")
    assert answer["next_step"] == text("status.next_step.received", "es")
    assert answer["updated"] == long_date(_updated(database, reference), "es")
    assert " de " in answer["updated"]  # "7 de diciembre de 2026", not "December 7"
    assert slot_events(events)["reference"] == reference
    assert slot_events(events)["vendor_proof"]["reference"] == reference
    # The submitter, known by the chat identity that submitted, now hears from the City
    # in Spanish.
    assert _contact_language(database, reference) == "es"


def test_an_english_conversation_gets_english_and_leaves_a_spanish_contact_alone(database):
    reference = submit(database, sender=SENDER)
    with session_scope(database) as session:
        contacts.keep_language(session, SENDER, "es")
    # A message that shows no language leaves the slot empty: English answers, the
    # contact's Spanish is not overwritten by a guess.
    _, messages = run(CheckStatus(), tracker(text=reference))
    [answer, _] = messages
    assert (answer["kind"], answer["status"]) == ("proposal", "received")
    assert answer["updated"] == long_date(_updated(database, reference), "en")
    assert _contact_language(database, reference) == "es"
    # Said in English, it is English from now on.
    run(CheckStatus(), tracker({"language": "en"}, text=f"status of {reference}"))
    assert _contact_language(database, reference) == "en"


def test_someone_elses_submission_shows_the_neutral_title_in_their_language(database):
    reference = submit(database, sender="web-someone-else")
    _, messages = run(CheckStatus(), tracker({"language": "es"}, text=f"estado de {reference}"))
    [answer] = messages
    assert answer["title"] == text("public_title.proposal", "es")
    assert answer["title"] != "Smart benches"
    # Not theirs: their language says nothing about the submitter's.
    assert _contact_language(database, reference) == "en"


def test_a_rest_sender_with_the_private_code_keeps_the_language_on_that_submission(database):
    receipt = submitted(database, "web-resident", "en", Kind.idea)
    reference, code = receipt.reference, receipt.status_token
    said = f"estado de {reference} código {code}"
    _, messages = run(CheckStatus(), tracker({"language": "es"}, text=said, sender=REST_SENDER))
    assert messages[0]["kind"] == "idea de residente"
    assert messages[0]["title"] == "Bebederos en el Butler Trail"  # theirs, proven
    assert code in messages[0]["entryway_private"]["secrets"]
    assert _contact_language(database, reference) == "es"


def test_a_title_entryway_composed_is_worded_in_the_readers_language(database):
    reference = submitted(database, SENDER, "en", Kind.feedback).reference  # insurance_bonding
    for language, title in [
        ("es", "Obstáculo en las compras: seguros y fianzas"),
        ("en", "Procurement barrier: insurance and bonding"),
    ]:
        said = f"estado de {reference}" if language == "es" else f"status of {reference}"
        _, messages = run(CheckStatus(), tracker({"language": language}, text=said))
        assert (messages[0]["title"], messages[0]["kind"]) == (
            title,
            rendering.kind_label("feedback", language),
        )


def test_a_reference_written_loosely_inside_a_spanish_sentence_is_found(database):
    reference = submit(database, sender=SENDER)  # SC-<year>-00001
    year = reference.split("-")[1]
    said = f"oye, ¿cómo va lo mío? es el sc {year} 1, gracias 🙏"
    events, messages = run(CheckStatus(), tracker({"language": "es"}, text=said))
    assert (messages[0]["response"], messages[0]["reference"]) == ("utter_status", reference)
    assert slot_events(events)["reference"] == reference


def test_a_long_word_is_not_taken_for_a_private_code(database):
    """16 letters, like a status code: "infraestructuras" is a word, kept in the conversation."""
    reference = submit(database, sender="web-someone-else")
    said = f"¿cómo va {reference}? es sobre Infraestructuras, responsibilities"
    _, messages = run(CheckStatus(), tracker({"language": "es"}, text=said))
    assert messages[0]["response"] == "utter_status"
    assert "entryway_private" not in messages[0]
