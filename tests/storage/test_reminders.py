"""Reminders, escalations and the weekly digest, pushed through time with a test clock:
each sent once, whatever the planner's runs, the clock's jumps, a SIGKILL of the
scheduler or a second scheduler on the same PostgreSQL."""

import json
import signal
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import update
from sqlmodel import select

from bot.notifier import Notifier
from bot.slack.blocks import digest as digest_blocks
from storage import contacts, reminders, reports, roster, service_levels, submissions
from storage.db import session_scope
from storage.identity import channel_of
from storage.models import Kind, OutboxMessage, OutboxState, StaffRole, Status, SubmitterMessage
from storage.settings import get_settings
from storage.workflow import evaluation, holds, rules, transitions
from storage.workflow.submitter_news import worded
from tests.support import sending
from tests.support.fake_slack import FakeSlack
from tests.support.mailbox import Mailbox
from tests.support.roster import TEST_OPERATOR, on_roster
from tests.support.sending import TRIAGE_CHANNEL
from tests.support.slack_people import texts_of

AUSTIN = ZoneInfo("America/Chicago")
CALENDAR = service_levels.calendar("America/Chicago")
ANN = rules.Staff("slack:UANN")
LEAD = "ULEAD"


def austin(*args) -> datetime:
    return datetime(*args, tzinfo=AUSTIN)


# Received Friday 20 November 2026 (the Friday before Thanksgiving), due Tuesday 1
# December (5 business days: Thanksgiving and the Friday after are holidays).
RECEIVED = austin(2026, 11, 20, 10, 0)
OWNER_REMINDER = austin(2026, 11, 25, 9, 0)  # due - 2 business days, 09:00
CHANNEL_ESCALATION = austin(2026, 12, 3, 9, 0)  # due + 2
LEAD_ESCALATION = austin(2026, 12, 8, 9, 0)  # due + 5


def configure(monkeypatch, url: str, slack: FakeSlack, mail: Mailbox) -> str:
    return sending.configure(monkeypatch, url, slack, mail, ENTRYWAY_ESCALATION_LEAD=LEAD)


@pytest.fixture
def configured(monkeypatch, database_url, slack, mail):
    on_roster(database_url, "UANN", LEAD)
    yield configure(monkeypatch, database_url, slack, mail)
    get_settings.cache_clear()


def submit(url: str, at: datetime = RECEIVED, sender: str = "web-vendor", **changes) -> str:
    fields = {
        "kind": Kind.proposal,
        "title": "Curb sensors",
        "category": "Mobility",
        "answers": {"solution": "s"},
        "confidential_fields": frozenset(),
        "contact": contacts.ContactDetails(
            sender_id=sender, channel=channel_of(sender), email="v@x.example"
        ),
    } | changes
    with time_machine.travel(at, tick=False), session_scope(url) as session:
        return submissions.create_submission(
            session, submissions.NewSubmission(**fields), AUSTIN
        ).reference


def plan(url: str, at: datetime) -> int:
    with time_machine.travel(at, tick=False):
        return reminders.plan(url, datetime.now(UTC))


def act(url: str, at: datetime, work):
    with time_machine.travel(at, tick=False), session_scope(url) as session:
        return work(session)


def reminder_rows(url: str) -> list[tuple[int, str]]:
    with session_scope(url) as session:
        return [
            (m.submission_id, m.payload["stage"])
            for m in session.exec(select(OutboxMessage).where(OutboxMessage.kind == "reminder"))
        ]


def send(at: datetime) -> int:
    with time_machine.travel(at, tick=False):
        return Notifier(get_settings()).run_once()


def posts(slack: FakeSlack, needle: str) -> list[dict]:
    return [p for p in slack.called("chat.postMessage") if needle in json.dumps(p)]


def test_each_stage_comes_once_at_its_time_and_goes_to_the_right_people(configured, slack):
    unowned = submit(configured)
    owned = submit(configured)
    act(configured, RECEIVED, lambda s: evaluation.assign(s, owned, ANN))
    assert plan(configured, OWNER_REMINDER - timedelta(minutes=1)) == 1  # last week's digest
    assert reminder_rows(configured) == []
    plan(configured, OWNER_REMINDER + timedelta(minutes=1))
    plan(configured, OWNER_REMINDER + timedelta(hours=3))
    assert sorted(stage for _, stage in reminder_rows(configured)) == ["owner", "owner"]
    send(OWNER_REMINDER + timedelta(minutes=2))
    [to_ann] = [p for p in posts(slack, owned) if p["channel"] == "UANN"]
    assert "is due to move on from received by Tue 01 Dec, in 2 business day(s)" in json.dumps(
        to_ann
    )
    [to_channel] = [p for p in posts(slack, unowned) if p["channel"] == TRIAGE_CHANNEL and
                    "Reminder" in p["text"]]  # fmt: skip
    buttons = [e["text"]["text"] for b in to_channel["blocks"] if b["type"] == "actions"
               for e in b["elements"]]  # fmt: skip
    assert buttons == ["Assign to me", "Advance", "Snooze 3 business days"]

    for moment in (CHANNEL_ESCALATION, LEAD_ESCALATION):
        plan(configured, moment - timedelta(minutes=1))
        before = len(reminder_rows(configured))
        plan(configured, moment + timedelta(minutes=1))
        assert len(reminder_rows(configured)) == before + 2
    send(LEAD_ESCALATION + timedelta(minutes=2))
    lead = [p for p in slack.called("chat.postMessage") if p["channel"] == LEAD]
    assert len(lead) == 2 and "5 business day(s) past its due date" in json.dumps(lead[0])
    assert sorted(stage for _, stage in reminder_rows(configured)) == [
        "channel", "channel", "lead", "lead", "owner", "owner",
    ]  # fmt: skip


def test_missed_while_down_comes_once_at_start_and_clock_jumps_add_nothing(configured):
    submit(configured)
    plan(configured, LEAD_ESCALATION + timedelta(days=1))  # everything was down until now
    assert sorted(stage for _, stage in reminder_rows(configured)) == ["channel", "lead", "owner"]
    for moment in (RECEIVED, OWNER_REMINDER, LEAD_ESCALATION + timedelta(days=30)):
        plan(configured, moment)  # the clock jumps back, then far ahead
    assert len(reminder_rows(configured)) == 3


def test_moving_on_makes_reminders_of_the_old_stay_obsolete(configured, slack):
    reference = submit(configured)
    plan(configured, OWNER_REMINDER + timedelta(minutes=1))
    act(
        configured,
        OWNER_REMINDER + timedelta(minutes=5),
        lambda s: transitions.advance(s, reference, ANN),
    )
    send(OWNER_REMINDER + timedelta(minutes=6))
    assert [p for p in posts(slack, reference) if "Reminder" in p["text"]] == []
    plan(configured, OWNER_REMINDER + timedelta(minutes=7))  # screening: due 8 Dec now
    assert reminder_rows(configured) == [(1, "owner")]


def test_snooze_holds_the_owners_reminder_but_not_escalations(configured, slack):
    reference = submit(configured)
    plan(configured, OWNER_REMINDER + timedelta(minutes=1))
    with session_scope(configured) as session:
        snoozes = submissions.get_submission(session, reference).snoozes

    def snooze(s):
        return holds.snooze(s, reference, ANN, expected_snoozes=snoozes,
                               expected_status=Status.received)  # fmt: skip

    first = act(configured, OWNER_REMINDER + timedelta(hours=1), snooze)
    again = act(configured, OWNER_REMINDER + timedelta(hours=1), snooze)
    assert first.changed and "until December 2" in first.message
    assert not again.changed and "already paused" in again.message  # a double click
    plan(configured, austin(2026, 12, 2, 8, 59))
    assert reminder_rows(configured) == [(1, "owner")]
    plan(configured, austin(2026, 12, 2, 9, 1))  # the snooze ends: the owner hears again
    assert reminder_rows(configured) == [(1, "owner"), (1, "owner")]
    # Snoozing again does not hold the escalation back: it is for when nobody acts.
    act(configured, austin(2026, 12, 2, 10, 0), lambda s: holds.snooze(s, reference, ANN))
    plan(configured, CHANNEL_ESCALATION + timedelta(minutes=1))
    plan(configured, LEAD_ESCALATION + timedelta(minutes=1))
    assert sorted(s for _, s in reminder_rows(configured)) == [
        "channel", "lead", "owner", "owner", "owner",
    ]  # fmt: skip
    act(
        configured,
        LEAD_ESCALATION,
        lambda s: transitions.decline(s, reference, ANN, "Not now, sorry."),
    )
    with pytest.raises(rules.Refused, match="can no longer be changed"):
        act(configured, LEAD_ESCALATION, lambda s: holds.snooze(s, reference, ANN))
    with pytest.raises(rules.Refused, match="no submission"):
        act(configured, LEAD_ESCALATION, lambda s: holds.snooze(s, "SC-2026-99999", ANN))


def test_a_reminders_snooze_on_a_later_stay_changes_nothing(configured):
    reference = submit(configured)
    act(configured, OWNER_REMINDER, lambda s: transitions.advance(s, reference, ANN))
    stale = act(
        configured,
        OWNER_REMINDER,
        lambda s: holds.snooze(
            s, reference, ANN, expected_snoozes=0, expected_status=Status.received
        ),
    )
    assert not stale.changed and "already screening" in stale.message
    with session_scope(configured) as session:
        assert submissions.get_submission(session, reference).snoozes == 0


def test_waiting_for_the_submitter_reminds_them_once_then_tells_staff(configured, slack, mail):
    reference = submit(configured, sender="slack-T0001-UVENDOR")
    asked = austin(2026, 11, 23, 11, 0)
    act(configured, asked, lambda s: evaluation.assign(s, reference, ANN))
    act(
        configured, asked, lambda s: transitions.request_info(s, reference, ANN, "Which corridors?")
    )
    due = CALENDAR.add(date(2026, 11, 23), 14)  # 14 business days, Thanksgiving in between
    assert due == date(2026, 12, 15)
    reminder = CALENDAR.morning_of(CALENDAR.add(due, -2)) + timedelta(minutes=1)
    for moment in (reminder, reminder + timedelta(hours=5)):
        plan(configured, moment)
    with session_scope(configured) as session:
        told = session.exec(
            select(SubmitterMessage).where(SubmitterMessage.key.startswith("reminder:"))
        ).all()
        reminded = worded(told[0], "en")
        assert len(told) == 1 and "still waiting for your answer" in reminded.text
        assert reminded.buttons[0]["payload"].startswith("/provide_info")
    unanswered = CALENDAR.morning_of(CALENDAR.add(due, 1)) + timedelta(minutes=1)
    plan(configured, unanswered)
    assert reminder_rows(configured) == [(1, "unanswered")]
    send(unanswered)
    dm = [p for p in slack.called("chat.postMessage") if p["channel"] == "UVENDOR"]
    assert sum("still waiting for your answer" in p["text"] for p in dm) == 1
    [to_staff] = [p for p in slack.called("chat.postMessage") if p["channel"] == "UANN"]
    assert "has not answered the question asked on 23 Nov" in json.dumps(to_staff)
    assert any("still waiting" in m.get_content() for m in mail.wait_for("v@x.example", 2))


def test_the_digest_is_planned_once_a_week_on_monday_morning(configured):
    monday = austin(2026, 11, 30, 9, 0)
    plan(configured, monday - timedelta(minutes=1))
    plan(configured, monday + timedelta(minutes=1))
    plan(configured, monday + timedelta(days=2))
    with session_scope(configured) as session:
        keys = [
            m.dedupe_key
            for m in session.exec(select(OutboxMessage).where(OutboxMessage.kind == "digest"))
        ]
    assert keys == ["digest:2026-W48", "digest:2026-W49"]


def test_the_digest_has_the_numbers_worked_out_by_hand(configured):
    """The week 23 November 09:00 to 30 November 09:00 (City time)."""
    a = submit(configured, austin(2026, 11, 17, 10, 0))
    b = submit(configured, austin(2026, 11, 24, 10, 0), kind=Kind.idea, category=None)
    submit(
        configured, austin(2026, 11, 25, 10, 0), kind=Kind.feedback, category="insurance_bonding"
    )
    submit(configured, austin(2026, 11, 23, 10, 0), kind=Kind.feedback, category="timeline")
    e = submit(configured, austin(2026, 11, 2, 10, 0))
    act(configured, austin(2026, 11, 3, 10, 0), lambda s: transitions.advance(s, e, ANN))
    act(configured, austin(2026, 11, 3, 10, 5), lambda s: evaluation.assign(s, e, ANN))
    act(configured, austin(2026, 11, 23, 10, 0), lambda s: transitions.advance(s, a, ANN))
    act(configured, austin(2026, 11, 25, 12, 0), lambda s: transitions.advance(s, b, ANN))
    since, until = reminders.digest_week(austin(2026, 11, 30, 9, 30), CALENDAR)
    assert (since, until) == (austin(2026, 11, 23, 9, 0), austin(2026, 11, 30, 9, 0))
    with session_scope(configured) as session:
        found = reports.digest(session, CALENDAR, since, until)
    assert found.new == {"proposal": 0, "idea": 1, "feedback": 2}
    assert found.by_status == {
        "received": 2, "screening": 3, "needs_info": 0, "evaluation": 0, "pilot": 0,
        "procurement": 0,
    }  # fmt: skip
    # E: in screening since 3 Nov, due 10 Nov; Veterans Day (11 Nov), Thanksgiving and
    # the Friday after are no business days: 11 days overdue on 30 Nov.
    assert [(o.reference, o.days, o.assignee) for o in found.overdue] == [(e, 11, "slack:UANN")]
    # First responses this week: A after 4 business days (17 -> 23 Nov), B after 1.
    assert (found.first_response_median, found.first_responses) == (2.5, 2)
    assert found.barriers == {"insurance_bonding": 1, "timeline": 1}
    # C and D still wait for a first response, D (since 23 Nov) for 3 business days.
    assert (found.awaiting_first_response, found.oldest_awaiting) == (2, 3)
    assert reports.Digest.from_payload(found.to_payload()) == found
    shown = json.dumps(digest_blocks.message(found, CALENDAR))
    assert "2.5 business days" in shown and "11 business day(s) overdue" in shown
    assert "<@UANN>" in shown and "insurance bonding 1" in shown


def test_the_digests_overdue_lines_name_a_submitters_language_other_than_english(configured):
    spanish = submit(
        configured,
        sender="web-es",
        contact=contacts.ContactDetails(
            sender_id="web-es", channel="web", email="es@x.example", language="es"
        ),
    )
    english = submit(configured, sender="web-en")
    anonymous = submit(
        configured, kind=Kind.feedback, category="timeline", contact=None, title="Barrier"
    )
    since, until = reminders.digest_week(austin(2026, 12, 7, 9, 30), CALENDAR)
    with session_scope(configured) as session:
        found = reports.digest(session, CALENDAR, since, until)
    languages = {item.reference: item.language for item in found.overdue}
    assert languages == {spanish: "es", english: "en", anonymous: None}
    assert reports.Digest.from_payload(found.to_payload()) == found
    lines = {
        reference: line
        for line in texts_of(digest_blocks.message(found, CALENDAR)["blocks"], "mrkdwn")
        for reference in languages
        if reference in line
    }
    assert lines[spanish].endswith("Submitter's language: *Spanish*")
    assert "language" not in lines[english] and "language" not in lines[anonymous]


def test_a_digest_planned_before_languages_were_kept_is_still_sent(configured):
    submit(configured)
    since, until = reminders.digest_week(austin(2026, 12, 7, 9, 30), CALENDAR)
    with session_scope(configured) as session:
        payload = reports.digest(session, CALENDAR, since, until).to_payload()
    for item in payload["overdue"]:
        del item["language"]
    found = reports.Digest.from_payload(payload)
    assert [item.language for item in found.overdue] == [None]
    assert "language" not in json.dumps(digest_blocks.message(found, CALENDAR))


def _only_reminders_left(url: str) -> None:
    """What was sent before (triage cards) is out of the way: only reminders are tested."""
    with session_scope(url) as session:
        session.execute(update(OutboxMessage).values(state=OutboxState.sent))


def _stage_posts(slack: FakeSlack, reference: str) -> dict[str, int]:
    """How many posts about the submission each stage produced."""
    found = {"owner": 0, "channel": 0, "lead": 0}
    for post in posts(slack, reference):
        shown = json.dumps(post)
        if post["channel"] == LEAD:
            found["lead"] += 1
        elif "past its due date" in shown:
            found["channel"] += 1
        elif "due to move on" in shown:
            found["owner"] += 1
    return found


def _clock_at(moment: datetime) -> float:
    return (moment - datetime.now(UTC)).total_seconds()


@pytest.fixture
def on_sqlite(monkeypatch, sqlite_url, slack, mail):
    on_roster(sqlite_url, LEAD)
    yield configure(monkeypatch, sqlite_url, slack, mail)
    get_settings.cache_clear()


@pytest.fixture
def on_postgres(monkeypatch, postgres_url, slack, mail):
    on_roster(postgres_url, LEAD)
    yield configure(monkeypatch, postgres_url, slack, mail)
    get_settings.cache_clear()


def test_a_scheduler_killed_between_claim_and_send_sends_each_reminder_once(on_sqlite, slack):
    reference = submit(on_sqlite)
    _only_reminders_left(on_sqlite)
    slack.fail("chat.postMessage", hang=True)  # the first send never completes
    offset = _clock_at(LEAD_ESCALATION + timedelta(hours=1))
    first = sending.start_scheduler(offset)
    slack.wait_for(lambda: "chat.postMessage" in slack.attempts, timeout=40, what="a send")
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = sending.start_scheduler(offset)
    try:
        slack.wait_for(
            lambda: all(_stage_posts(slack, reference).values()), timeout=60, what="each stage"
        )
        slack.wait_for(lambda: posts(slack, "Weekly digest"), timeout=30, what="the digest")
        time.sleep(3)
    finally:
        second.terminate()
        second.wait()
    assert _stage_posts(slack, reference) == {"owner": 1, "channel": 1, "lead": 1}
    assert len(posts(slack, "Weekly digest")) == 1


def test_two_schedulers_on_one_postgresql_send_each_reminder_once(on_postgres, slack):
    references = [submit(on_postgres) for _ in range(3)]
    _only_reminders_left(on_postgres)
    offset = _clock_at(LEAD_ESCALATION + timedelta(hours=1))
    schedulers = [sending.start_scheduler(offset) for _ in range(2)]
    try:
        for reference in references:
            slack.wait_for(
                lambda r=reference: all(_stage_posts(slack, r).values()),
                timeout=60,
                what=reference,
            )
        time.sleep(5)
    finally:
        for process in schedulers:
            process.terminate()
            process.wait()
    for reference in references:
        assert _stage_posts(slack, reference) == {"owner": 1, "channel": 1, "lead": 1}
    assert len(posts(slack, "Weekly digest")) == 1


def test_without_a_lead_the_channel_hears_the_last_escalation_too(monkeypatch, configured, slack):
    monkeypatch.delenv("ENTRYWAY_ESCALATION_LEAD")
    get_settings.cache_clear()
    reference = submit(configured)
    plan(configured, LEAD_ESCALATION + timedelta(minutes=1))
    send(LEAD_ESCALATION + timedelta(minutes=2))
    to_channel = [p for p in posts(slack, reference) if p["channel"] == TRIAGE_CHANNEL]
    assert sum("Escalation:" in json.dumps(p) for p in to_channel) == 1


def test_reminders_name_and_write_to_roster_members_only(configured, slack):
    owned = submit(configured)
    act(configured, RECEIVED, lambda s: evaluation.assign(s, owned, ANN))
    with session_scope(configured) as session:
        roster.add(session, LEAD, StaffRole.evaluator, None, TEST_OPERATOR)  # no longer a lead
        roster.remove(session, "UANN", TEST_OPERATOR)  # left: gives up what they owned
    plan(configured, LEAD_ESCALATION + timedelta(minutes=1))
    send(LEAD_ESCALATION + timedelta(minutes=2))
    sent = posts(slack, owned)
    assert sent and {p["channel"] for p in sent} == {TRIAGE_CHANNEL}
    assert "UANN" not in json.dumps(sent)
    assert sum("Escalation:" in json.dumps(p) for p in sent) == 1  # the lead's, to the channel


def test_a_staff_snooze_does_not_remind_the_submitter_twice(configured):
    reference = submit(configured, sender="web-asked")
    asked = austin(2026, 11, 23, 11, 0)
    act(configured, asked, lambda s: transitions.request_info(s, reference, ANN, "Which streets?"))
    reminder = CALENDAR.morning_of(CALENDAR.add(date(2026, 12, 15), -2)) + timedelta(minutes=1)
    plan(configured, reminder)
    act(configured, reminder, lambda s: holds.snooze(s, reference, ANN))
    plan(configured, reminder + timedelta(days=10))
    with session_scope(configured) as session:
        told = session.exec(
            select(SubmitterMessage).where(SubmitterMessage.key.startswith("reminder:"))
        ).all()
    assert len(told) == 1
