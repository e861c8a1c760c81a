"""Answering City staff's question (actions/info_request.py) in the conversation's
language: the answer is attached as written, the person told in their language, and the
language kept on their contact for what the City sends next."""

import pytest
from sqlmodel import select

from actions.info_request import FinishInfoAnswer, StartInfoAnswer, ValidateInfoForm
from storage import contacts, submissions
from storage.catalogue import text
from storage.db import session_scope
from storage.models import InfoRequest, Status
from storage.workflow import transitions
from tests.support.action_calls import ASKER, SENDER, run, slot_events, tracker
from tests.support.submissions import submit

pytestmark = pytest.mark.usefixtures("database")
ANSWER = "El piloto cuesta $40,000 y los datos serían de la Ciudad. 🙂"


def _asked(url: str) -> str:
    reference = submit(url, sender=SENDER)
    with session_scope(url) as session:
        transitions.request_info(session, reference, ASKER, "Who would own the data?")
    return reference


def _stored(url: str, reference: str) -> tuple[Status, str, str | None]:
    with session_scope(url) as session:
        submission = submissions.get_submission(session, reference)
        [answer] = session.exec(
            select(InfoRequest.answer).where(InfoRequest.submission_id == submission.id)
        ).all()
        language = contacts.language_of(session, submission.contact_id)
        return submission.status, language, answer


def test_a_spanish_answer_is_attached_as_written_and_acknowledged_in_spanish(database):
    reference = _asked(database)
    events, messages = run(StartInfoAnswer(), tracker({"language": "es"}))
    assert messages[0]["question"] == "Who would own the data?"  # staff's words, as written
    assert slot_events(events)["info_reference"] == reference
    slots = {"language": "es", "info_reference": reference, "info_answer": ANSWER}
    _, messages = run(FinishInfoAnswer(), tracker(slots))
    assert messages[0]["text"] == text(
        "info_answer.answered",
        "es",
        reference=reference,
        status=text("info_answer.back_in.received", "es"),
    )
    assert _stored(database, reference) == (Status.received, "es", ANSWER)


def test_an_english_answer_is_acknowledged_in_english(database):
    reference = _asked(database)
    slots = {"language": "en", "info_reference": reference, "info_answer": "The City would."}
    _, messages = run(FinishInfoAnswer(), tracker(slots))
    assert messages[0]["text"] == (
        f"Thank you: your answer is attached to {reference}, which is now back in received."
    )
    # Answered again: nothing is asked any more, said in the person's language.
    _, messages = run(FinishInfoAnswer(), tracker({**slots, "language": "es"}))
    assert messages[0]["text"] == text("info_answer.nothing_asked", "es", reference=reference)


def test_someone_elses_submission_is_refused_in_their_language(database):
    reference = _asked(database)
    slots = {"language": "es", "info_reference": reference, "info_answer": ANSWER}
    _, messages = run(FinishInfoAnswer(), tracker(slots, sender="web-intruder"))
    assert messages[0]["text"] == text("info_answer.not_yours", "es", reference=reference)
    assert _stored(database, reference) == (Status.needs_info, "en", None)


def test_an_emoji_only_answer_is_asked_again_in_the_persons_language(database):
    reference = _asked(database)
    for language in ("es", "en"):
        slots = {"language": language, "info_reference": reference, "requested_slot": "info_answer"}
        events, [reply] = run(ValidateInfoForm(), tracker(slots, "👍", "inform", 0.3))
        assert reply["text"] == text("form.invalid.too_short", language, minimum=2)
        assert slot_events(events) == {"info_answer": None, "requested_slot": "info_answer"}
    # Nothing was attached; the question still waits.
    assert _stored(database, reference) == (Status.needs_info, "en", None)
