"""A public-information request logged from the staff CLI reaches the vendor at once,
through the real notifier: a Spanish vendor who came through Slack by DM and e-mail in
Spanish, an English vendor on the web in their inbox and by e-mail in English, each
with the deadline to object and a subject of its own. Logging it again tells nobody
twice; the scheduler's reminder comes once, three business days before the deadline,
and not to the vendor whose request was closed before then."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot import scheduler
from bot.notifier import Notifier
from bot.staff_cli import main as staff_cli
from storage import contacts, inbox, submissions
from storage.db import session_scope
from storage.identity import channel_of
from storage.models import Kind
from storage.settings import get_settings
from tests.support import sending

AUSTIN = ZoneInfo("America/Chicago")
LOGGED = datetime(2026, 12, 7, 10, 0, tzinfo=AUSTIN)  # Monday
DUE = date(2026, 12, 21)  # ten business days later
REMINDED = datetime(2026, 12, 16, 9, 0, tzinfo=AUSTIN)  # three business days before
SLACK_VENDOR, WEB_VENDOR = "slack-T0001-UVENDOR", "web-vendor"
ADDRESSES = {SLACK_VENDOR: "vendedora@x.example", WEB_VENDOR: "vendor@x.example"}


@pytest.fixture
def configured(monkeypatch, database_url, slack, mail):
    yield sending.configure(monkeypatch, database_url, slack, mail)
    get_settings.cache_clear()


def submit(url: str, sender: str, language: str) -> str:
    new = submissions.NewSubmission(
        kind=Kind.proposal,
        title="Curb sensors",
        category=None,
        answers={"solution": "s", "estimated_cost": "$300 a sensor"},
        confidential_fields=frozenset({"estimated_cost"}),
        contact=contacts.ContactDetails(
            sender_id=sender,
            channel=channel_of(sender),
            email=ADDRESSES[sender],
            language=language,
        ),
    )
    with time_machine.travel(LOGGED - timedelta(days=10), tick=False), session_scope(url) as s:
        return submissions.create_submission(s, new, AUSTIN).reference


def staff(at: datetime, *argv: str) -> None:
    with time_machine.travel(at, tick=False):
        assert staff_cli(list(argv)) == 0


def send(at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        notifier = Notifier(get_settings())
        while notifier.run_once():
            pass


def plan(at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        scheduler.plan_reminders()


def dms(slack) -> list[dict]:
    return [p for p in slack.called("chat.postMessage") if p["channel"] == "UVENDOR"]


def test_the_vendor_is_told_once_in_their_language_and_reminded_once(configured, slack, mail):
    spanish = submit(configured, SLACK_VENDOR, "es")
    english = submit(configured, WEB_VENDOR, "en")
    for reference in (spanish, english):
        staff(
            LOGGED, "pia", "add", reference, "--due", DUE.isoformat(), "--field", "estimated_cost"
        )
    send(LOGGED)

    # Slack DM and e-mail in Spanish, with the deadline and a person to ask.
    [notice] = dms(slack)
    said = json.dumps(notice, ensure_ascii=False)
    assert f"Una solicitud de información pública incluye tu envío {spanish}" in said
    assert "Costo estimado para la Ciudad" in said and "21 de diciembre de 2026" in said
    assert "Hablar con una persona" in said and "/human_handoff" in said
    [mail_es] = mail.to(ADDRESSES[SLACK_VENDOR])
    assert mail_es["Content-Language"] == "es"
    assert str(mail_es["Subject"]).strip() == (
        f"Solicitud de información pública sobre tu envío {spanish}: "
        "responde a más tardar el 21 de diciembre de 2026"
    )
    assert "Procurador General de Texas" in mail_es.get_content()

    # The web inbox and e-mail in English.
    with session_scope(configured) as session:
        [waiting] = inbox.unseen_messages(session, WEB_VENDOR)
    assert waiting.text.startswith(
        f"A request for public information touches your submission {english}"
    )
    assert "by December 21, 2026" in waiting.text
    assert waiting.buttons == [{"title": "Talk to a person", "payload": "/human_handoff"}]
    [mail_en] = mail.to(ADDRESSES[WEB_VENDOR])
    assert str(mail_en["Subject"]).strip() == (
        f"Public information request about your submission {english}: respond by December 21, 2026"
    )

    # The same request logged again the next day: nobody hears of it twice.
    staff(LOGGED + timedelta(days=1), "pia", "add", spanish, "--due", DUE.isoformat())
    send(LOGGED + timedelta(days=1))
    assert len(dms(slack)) == 1 and len(mail.to(ADDRESSES[SLACK_VENDOR])) == 1

    # The English vendor's request is closed; the Spanish vendor's reminder comes once,
    # on its morning, however often the scheduler plans.
    staff(REMINDED - timedelta(days=1), "pia", "close", english, "--outcome", "withdrawn")
    plan(REMINDED - timedelta(minutes=1))
    send(REMINDED - timedelta(minutes=1))
    assert len(dms(slack)) == 1
    for minutes in (1, 2, 60 * 24):
        plan(REMINDED + timedelta(minutes=minutes))
        send(REMINDED + timedelta(minutes=minutes))
    reminders = dms(slack)[1:]
    assert len(reminders) == 1
    said = json.dumps(reminders, ensure_ascii=False)
    assert f"Recordatorio sobre {spanish}: tienes hasta el 21 de diciembre de 2026" in said
    assert len(mail.to(ADDRESSES[SLACK_VENDOR])) == 2
    assert len(mail.to(ADDRESSES[WEB_VENDOR])) == 1
    with session_scope(configured) as session:
        assert inbox.unseen_messages(session, WEB_VENDOR) == []
