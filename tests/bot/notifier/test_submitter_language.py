"""Everything sent to a submitter later is written in their language (`Contact.language`):
a status change with Entryway's own reason, a question from staff, the reminder to
answer it and a decision, by Slack DM, in the web inbox and by e-mail (a real SMTP
server), while an English speaker in the same minutes reads only English. Staff's own
words reach both as written."""

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.notifier import Notifier
from storage import contacts, inbox, reminders, service_levels, submissions
from storage.db import session_scope
from storage.models import Kind
from storage.settings import get_settings
from storage.workflow import rules, transitions
from tests.support import sending
from tests.support.roster import on_roster
from tests.support.submissions import submitted

AUSTIN = ZoneInfo("America/Chicago")
CALENDAR = service_levels.calendar("America/Chicago")
ANN = rules.Staff("slack:UANN")
RECEIVED = datetime(2026, 11, 20, 10, 0, tzinfo=AUSTIN)
ASKED = datetime(2026, 11, 23, 11, 0, tzinfo=AUSTIN)
# 14 business days to answer (Thanksgiving in between); the submitter is reminded two
# business days before, at 09:00.
ANSWER_DUE = date(2026, 12, 15)
REMINDED = CALENDAR.morning_of(CALENDAR.add(ANSWER_DUE, -2)) + timedelta(minutes=1)
DECIDED = REMINDED + timedelta(hours=2)
QUESTION = "Which parks, exactly?"
DECLINED = "Parks already plans shade for these playgrounds next year."

SLACK_VENDOR = "slack-T0001-UVENDOR"  # Spanish, by Slack DM and e-mail
WEB_RESIDENT_ES = "web-residente"  # Spanish, web inbox and e-mail
WEB_RESIDENT_EN = "web-resident"  # English, web inbox and e-mail
ADDRESSES = {
    SLACK_VENDOR: "vendedora@x.example",
    WEB_RESIDENT_ES: "residente@x.example",
    WEB_RESIDENT_EN: "resident@x.example",
}
ENGLISH_MARKS = ("Update on", "Next step:", "Reminder about", "Answer the City's question")
SPANISH_MARKS = ("Novedades sobre", "Próximo paso:", "Recordatorio sobre", "Responder a")


@pytest.fixture
def configured(monkeypatch, database_url, slack, mail):
    on_roster(database_url, "UANN")
    yield sending.configure(monkeypatch, database_url, slack, mail)
    get_settings.cache_clear()


def act(url: str, at: datetime, work):
    with time_machine.travel(at, tick=False), session_scope(url) as session:
        return work(session)


def submit(url: str, sender: str, language: str) -> str:
    with time_machine.travel(RECEIVED, tick=False):
        return submitted(url, sender, language, Kind.idea, email=ADDRESSES[sender]).reference


def send(at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        notifier = Notifier(get_settings())
        while notifier.run_once():
            pass


def the_whole_story(url: str, references: list[str]) -> None:
    """Screening (Entryway's own reason), a question, the reminder to answer it, and a
    decline with staff's own reason, for each submission."""
    for reference in references:
        act(url, ASKED, lambda s, r=reference: transitions.advance(s, r, ANN))
        act(url, ASKED, lambda s, r=reference: transitions.request_info(s, r, ANN, QUESTION))
    send(ASKED)
    with time_machine.travel(REMINDED, tick=False):
        reminders.plan(url, datetime.now(UTC))
    send(REMINDED)
    for reference in references:
        act(url, DECIDED, lambda s, r=reference: transitions.decline(s, r, ANN, DECLINED))
    send(DECIDED)


def test_each_submitter_is_told_everything_in_their_own_language(configured, slack, mail):
    spanish_vendor = submit(configured, SLACK_VENDOR, "es")
    spanish_resident = submit(configured, WEB_RESIDENT_ES, "es")
    english_resident = submit(configured, WEB_RESIDENT_EN, "en")
    the_whole_story(configured, [spanish_vendor, spanish_resident, english_resident])

    # Slack DM: four messages, all in Spanish, the answer button too.
    dms = [p for p in slack.called("chat.postMessage") if p["channel"] == "UVENDOR"]
    assert len(dms) == 4
    sent = json.dumps(dms, ensure_ascii=False)
    assert "Estado actual: en revisión inicial." in sent
    assert "Una persona de la Ciudad empezó la revisión inicial de tu envío." in sent
    assert "Estado actual: esperando información tuya." in sent and QUESTION in sent
    assert f"Recordatorio sobre {spanish_vendor}" in sent
    assert "Por favor responde a más tardar el 15 de diciembre de 2026" in sent
    assert "Estado actual: no aceptado." in sent and DECLINED in sent
    assert "Responder a la pregunta de la Ciudad" in sent
    assert not any(mark in sent for mark in ENGLISH_MARKS)

    # The web inbox, read by the page: Spanish for one, English for the other.
    with session_scope(configured) as session:
        spanish_inbox = [m.text for m in inbox.unseen_messages(session, WEB_RESIDENT_ES)]
        english_inbox = [m.text for m in inbox.unseen_messages(session, WEB_RESIDENT_EN)]
    assert len(spanish_inbox) == len(english_inbox) == 4
    assert spanish_inbox[0].startswith(f'Novedades sobre {spanish_resident} ("Bebederos')
    assert "Esperamos una decisión a más tardar el" in spanish_inbox[0]
    assert not any(mark in "\n".join(spanish_inbox) for mark in ENGLISH_MARKS)
    assert english_inbox[0].startswith(f"Update on {english_resident}")
    assert "A City reviewer has started screening your submission." in english_inbox[0]
    assert "Please answer by December 15, 2026" in english_inbox[2]
    assert DECLINED in english_inbox[3] and "it is now declined" in english_inbox[3]
    assert not any(mark in "\n".join(english_inbox) for mark in SPANISH_MARKS)

    # E-mail: subject, body and footer in the contact's language, and said to be in it.
    for sender, language in (
        (SLACK_VENDOR, "es"),
        (WEB_RESIDENT_ES, "es"),
        (WEB_RESIDENT_EN, "en"),
    ):
        mails = mail.wait_for(ADDRESSES[sender], 4)
        assert len(mails) == 4
        assert {m["Content-Language"] for m in mails} == {language}
        subjects = [str(m["Subject"]).strip() for m in mails]
        bodies = "\n".join(m.get_content() for m in mails)
        if language == "es":
            assert all(s.startswith("Novedades sobre tu envío SC-") for s in subjects)
            assert any(s.endswith(": no aceptado") for s in subjects)
            assert "Puedes ver el estado en cualquier momento" in bodies
            assert "Recordatorio sobre" in bodies and DECLINED in bodies
            assert not any(mark in bodies for mark in ENGLISH_MARKS)
        else:
            assert all(s.startswith("Update on your submission SC-") for s in subjects)
            assert "You can check the status at any time" in bodies
            assert not any(mark in bodies for mark in SPANISH_MARKS)


def test_a_switch_of_language_reaches_what_was_said_before_it(configured):
    reference = submit(configured, WEB_RESIDENT_EN, "en")
    act(configured, ASKED, lambda s: transitions.request_info(s, reference, ANN, QUESTION))

    def latest(session):
        submission = submissions.get_submission(session, reference)
        return inbox.latest_message(session, submission.id)

    with session_scope(configured) as session:
        assert latest(session).text.startswith(f"Update on {reference}")
        assert latest(session).buttons[0]["title"] == "Answer the City's question"
        contacts.keep_language(session, WEB_RESIDENT_EN, "es")
    with session_scope(configured) as session:
        told = latest(session)
        assert told.text.startswith(f"Novedades sobre {reference}")
        assert QUESTION in told.text  # staff's words, as written
        assert told.buttons[0]["title"] == "Responder a la pregunta de la Ciudad"
        submission = submissions.get_submission(session, reference)
        # A reader who names a language (the chat they read it in) gets that one.
        assert inbox.latest_message(session, submission.id, "en").text.startswith("Update on")
