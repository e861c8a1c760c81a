"""A pilot's check-ins through the scheduler and the real notifier: a Spanish vendor who
came through Slack is asked by DM and e-mail in Spanish, reminded once when the milestone
check-in goes unanswered; then its owner hears by DM, then the escalation lead, each once
however often the scheduler plans; the monthly check-in, answered by a staff report,
brings no reminder."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot import scheduler
from bot.notifier import Notifier
from storage import contacts, submissions
from storage.db import session_scope
from storage.models import Kind, Status
from storage.pilots import plan_input, plans, readings
from storage.settings import get_settings
from storage.workflow import evaluation, transitions
from storage.workflow.rules import Staff
from tests.storage.pilots.test_checkins import (
    APPROVED,
    ASKED,
    ESCALATED,
    MONTHLY_ASKED,
    MONTHLY_REMINDER,
    OWNER,
    PLAN,
    REMINDED,
)
from tests.support import sending
from tests.support.roster import TEST_OPERATOR, on_roster
from tests.support.slack_people import texts_of

AUSTIN = ZoneInfo("America/Chicago")
LEAD, OWNER_USER, ESCALATION_LEAD = "U0LEAD", "UANN", "UBOSS"
VENDOR, ADDRESS = "slack-T0001-UVENDOR", "vendedora@x.example"
# Words only check-in posts have (status changes reach the vendor in the same DM).
CHECKIN_MARKS = ("tu piloto", "pilot check-in")


@pytest.fixture
def configured(monkeypatch, sqlite_url, slack, mail):
    on_roster(sqlite_url, LEAD, OWNER_USER, ESCALATION_LEAD)
    yield sending.configure(
        monkeypatch, sqlite_url, slack, mail, ENTRYWAY_ESCALATION_LEAD=ESCALATION_LEAD
    )
    get_settings.cache_clear()


def act(url: str, when: datetime, work):
    with time_machine.travel(when, tick=False), session_scope(url) as session:
        return work(session)


def spanish_pilot(url: str) -> str:
    """A Spanish vendor's proposal, owned by Ann, brought to pilot and its plan approved."""
    new = submissions.NewSubmission(
        kind=Kind.proposal,
        title="Sensores de estacionamiento",
        category="mobility",
        answers={"solution": "sensores"},
        confidential_fields=frozenset(),
        contact=contacts.ContactDetails(
            sender_id=VENDOR, channel="slack", email=ADDRESS, language="es"
        ),
    )
    before = APPROVED - timedelta(days=3)
    reference = act(url, before, lambda s: submissions.create_submission(s, new, AUSTIN).reference)
    for status in (Status.screening, Status.evaluation, Status.pilot):
        act(url, before, lambda s, to=status: transitions.advance(s, reference, TEST_OPERATOR, to))
    lead = Staff(f"slack:{LEAD}")
    act(url, before, lambda s: evaluation.assign(s, reference, lead, Staff(f"slack:{OWNER_USER}")))
    checked = plan_input.checked(PLAN, reference)
    act(url, APPROVED, lambda s: plans.set_plan(s, reference, lead, checked))
    act(url, APPROVED, lambda s: plans.approve(s, reference, lead))
    return reference


def run(when: datetime) -> None:
    """The scheduler's planning job, then the notifier until nothing is left to send."""
    with time_machine.travel(when, tick=False):
        scheduler.plan_reminders()
        notifier = Notifier(get_settings())
        while notifier.run_once():
            pass


def posts_to(slack, channel: str, reference: str) -> list[str]:
    """What was posted to `channel` about the pilot's check-ins, as one string per post."""
    found = []
    for post in slack.called("chat.postMessage"):
        said = json.dumps(post, ensure_ascii=False)
        if post["channel"] == channel and reference in said:
            blocks = post.get("blocks")
            found.append(
                " ".join(texts_of(json.loads(blocks) if isinstance(blocks, str) else blocks))
            )
    return found


def test_asked_reminded_owner_then_lead_each_once_in_the_vendors_language(configured, slack, mail):
    reference = spanish_pilot(configured)
    checkin_posts = lambda channel: [  # noqa: E731
        p for p in posts_to(slack, channel, reference) if any(mark in p for mark in CHECKIN_MARKS)
    ]
    checkin_mails = lambda: [  # noqa: E731
        m for m in mail.to(ADDRESS) if str(m["Subject"]).startswith("Revisión de tu piloto")
    ]

    for when in (ASKED - timedelta(minutes=1), ASKED, ASKED + timedelta(minutes=1)):
        run(when)
    [asked] = checkin_posts("UVENDOR")
    assert f"Es momento de revisar tu piloto {reference}" in asked
    assert "a más tardar el 19 de enero de 2027" in asked and "Hito: Sensors installed" in asked
    assert "- cruising_minutes (minutes)" in asked
    [mail_asked] = checkin_mails()
    assert mail_asked["Content-Language"] == "es"
    assert str(mail_asked["Subject"]).strip() == (
        f"Revisión de tu piloto {reference}: envía tu informe a más tardar el 19 de enero de 2027"
    )

    for when in (REMINDED, REMINDED + timedelta(hours=1), OWNER, OWNER + timedelta(minutes=1)):
        run(when)
    reminded = checkin_posts("UVENDOR")[1:]
    assert len(reminded) == 1 and reminded[0].startswith(
        f"Recordatorio sobre tu piloto {reference}"
    )
    assert len(checkin_mails()) == 2
    [owner_told] = checkin_posts(OWNER_USER)
    assert f"The vendor of *{reference}* has not answered the pilot check-in due Tue 19 Jan" in (
        owner_told
    )
    assert "Still missing: cruising_minutes" in owner_told and "Milestone: Sensors installed" in (
        owner_told
    )
    assert checkin_posts(ESCALATION_LEAD) == []

    for when in (ESCALATED, ESCALATED + timedelta(minutes=1), ESCALATED + timedelta(days=2)):
        run(when)
    [escalated] = checkin_posts(ESCALATION_LEAD)
    assert escalated.startswith(":rotating_light: Escalation: the pilot check-in of")
    assert len(checkin_posts(OWNER_USER)) == 1 and len(checkin_posts("UVENDOR")) == 2

    # The monthly check-in is asked for, then answered by a staff report: no reminder.
    run(MONTHLY_ASKED)
    assert len(checkin_posts("UVENDOR")) == 3
    act(
        configured,
        MONTHLY_ASKED + timedelta(hours=4),
        lambda s: readings.report(
            s, reference, Staff(f"slack:{LEAD}"), "parking_turnover", 3.9, date(2027, 2, 4)
        ),
    )
    for when in (MONTHLY_REMINDER, MONTHLY_REMINDER + timedelta(days=7)):
        run(when)
    assert len(checkin_posts("UVENDOR")) == 3
    assert len(checkin_posts(OWNER_USER)) == 1 and len(checkin_posts(ESCALATION_LEAD)) == 1
    assert len(checkin_mails()) == 3
