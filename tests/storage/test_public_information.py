"""Public-information requests touching a proposal, on real databases: logging one tells
the vendor once (the same request logged again tells nobody), the reminder comes once
on the right business day and never after the request is closed or the deadline is past,
and what cannot be logged is refused with the reason. The table's migration goes up and
down on SQLite."""

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from alembic import command
from sqlalchemy import create_engine, inspect
from sqlmodel import select

from storage import contacts, public_information, submissions
from storage.db import session_scope
from storage.identity import channel_of
from storage.migrate import alembic_config
from storage.models import Activity, Kind, PublicInformationRequest, SubmitterMessage
from storage.settings import get_settings
from storage.workflow import evaluation, rules
from storage.workflow.submitter_news import worded
from tests.support.roster import on_roster

AUSTIN = ZoneInfo("America/Chicago")
ANN = rules.Staff("slack:UANN")
# Logged Monday 7 December 2026; the vendor may object until Monday 21 December (ten
# business days). Reminded three business days before: Wednesday 16 December, 09:00.
LOGGED = datetime(2026, 12, 7, 10, 0, tzinfo=AUSTIN)
DUE = date(2026, 12, 21)
REMINDED = datetime(2026, 12, 16, 9, 0, tzinfo=AUSTIN)


@pytest.fixture
def url(database_url: str) -> str:
    on_roster(database_url, "UANN")
    return database_url


def submit(url: str, kind: Kind = Kind.proposal, sender: str | None = "web-vendor") -> str:
    contact = (
        contacts.ContactDetails(sender_id=sender, channel=channel_of(sender), language="es")
        if sender
        else None
    )
    new = submissions.NewSubmission(
        kind=kind,
        title="Curb sensors",
        category=None,
        answers={"solution": "s", "estimated_cost": "$300 a sensor"},
        confidential_fields=frozenset({"estimated_cost"}),
        contact=contact,
    )
    with time_machine.travel(LOGGED - timedelta(days=7), tick=False), session_scope(url) as s:
        return submissions.create_submission(s, new, AUSTIN).reference


def log(url: str, reference: str, at: datetime = LOGGED, **given) -> public_information.Logged:
    with time_machine.travel(at, tick=False), session_scope(url) as session:
        return public_information.log_request(
            session, reference, ANN, given.pop("due", DUE), **given
        )


def messages(url: str, reference: str) -> list[SubmitterMessage]:
    with session_scope(url) as session:
        submission = submissions.get_submission(session, reference)
        return list(
            session.exec(
                select(SubmitterMessage)
                .where(SubmitterMessage.submission_id == submission.id)
                .where(SubmitterMessage.news.startswith("public_information"))
                .order_by(SubmitterMessage.id)
            )
        )


def plan(url: str, at: datetime) -> int:
    with time_machine.travel(at, tick=False):
        return public_information.plan_reminders(url, datetime.now(UTC))


def test_logging_tells_the_vendor_once_and_the_same_request_again_tells_nobody(url):
    reference = submit(url)
    first = log(url, reference, request_id="PIR-26-0412", fields=("estimated_cost",))
    assert first.new and first.reached_by == (public_information.INBOX,)
    assert first.request.notified_at is not None
    assert first.request.remind_at == REMINDED
    # The same request, its number typed otherwise, a day later: nobody is told again.
    again = log(url, reference, at=LOGGED + timedelta(days=1), request_id="pir-26-0412 ")
    assert not again.new and again.request.id == first.request.id
    told = messages(url, reference)
    assert [m.news for m in told] == ["public_information"]
    # Worded in the vendor's language when read, with the deadline in it.
    text = worded(told[0], "es").text
    assert text.startswith(f"Una solicitud de información pública incluye tu envío {reference}")
    assert "Incluye estas respuestas tuyas: Costo estimado para la Ciudad." in text
    assert "a más tardar el 21 de diciembre de 2026" in text
    assert worded(told[0], "en").buttons[0]["payload"] == "/human_handoff"
    # Another request touching the same proposal is news of its own.
    other = log(url, reference, due=DUE + timedelta(days=1))
    assert other.new and len(messages(url, reference)) == 2
    with session_scope(url) as session:
        logged = session.exec(
            select(Activity).where(Activity.kind == "public_information_logged")
        ).all()
    assert [entry.detail["vendor_told"] for entry in logged] == [True, True]
    assert logged[0].detail["fields"] == ["estimated_cost"] and logged[0].actor == ANN.identity


def test_an_anonymous_submission_is_logged_and_nobody_is_told(url):
    reference = submit(url, sender=None)
    logged = log(url, reference)
    assert logged.new and logged.reached_by == () and logged.request.notified_at is None
    assert messages(url, reference) == []


def test_the_reminder_comes_once_on_its_business_day_and_says_the_deadline(url):
    reference = submit(url)
    log(url, reference)
    assert plan(url, REMINDED - timedelta(minutes=1)) == 0
    assert plan(url, REMINDED + timedelta(minutes=1)) == 1
    assert plan(url, REMINDED + timedelta(minutes=2)) == 0
    assert plan(url, REMINDED + timedelta(days=1)) == 0
    reminder = messages(url, reference)[-1]
    assert reminder.news == "public_information_reminder"
    assert "you have until December 21, 2026" in worded(reminder, "en").text
    assert "tienes hasta el 21 de diciembre de 2026" in worded(reminder, "es").text


def test_no_reminder_after_the_request_is_closed(url):
    reference = submit(url)
    log(url, reference)
    with time_machine.travel(REMINDED - timedelta(days=1), tick=False), session_scope(url) as s:
        closed = public_information.close_request(s, reference, ANN, "withdrawn")
    assert closed.changed and "withdrawn by the requestor" in closed.message
    assert plan(url, REMINDED + timedelta(minutes=1)) == 0
    assert [m.news for m in messages(url, reference)] == ["public_information"]
    with session_scope(url) as session:
        assert public_information.open_requests(session) == []
        with pytest.raises(rules.Refused, match="no open public-information request"):
            public_information.close_request(session, reference, ANN)


def test_a_deadline_too_near_has_no_reminder_and_a_missed_one_none_after_the_deadline(url):
    reference = submit(url)
    near = log(url, reference, due=date(2026, 12, 9))  # two business days away
    assert near.new and near.request.remind_at is None
    log(url, reference, due=DUE)
    # Everything was down from before the reminder until after the deadline.
    assert plan(url, datetime(2026, 12, 22, 9, 0, tzinfo=AUSTIN)) == 0
    assert [m.news for m in messages(url, reference)] == ["public_information"] * 2
    with session_scope(url) as session:
        rows = session.exec(select(PublicInformationRequest)).all()
    assert all(r.remind_at is None and r.reminded_at is None for r in rows)


def test_the_reminder_days_are_configurable(url, monkeypatch):
    monkeypatch.setenv("ENTRYWAY_PUBLIC_INFORMATION_REMIND_DAYS", "5")
    get_settings.cache_clear()
    logged = log(url, submit(url))
    assert logged.request.remind_at == datetime(2026, 12, 14, 9, 0, tzinfo=AUSTIN)


@pytest.mark.parametrize(
    ("kind", "due", "fields", "refusal"),
    [
        (Kind.idea, DUE, (), "is not a proposal (its kind: idea)"),
        (Kind.proposal, date(2026, 12, 6), (), "already past (today is 2026-12-07"),
        (Kind.proposal, DUE, ("budget",), "has no answer budget; its answers are: "),
    ],
)
def test_what_cannot_be_logged_is_refused_and_nothing_is_kept(url, kind, due, fields, refusal):
    reference = submit(url, kind=kind)
    with pytest.raises(rules.Refused, match=re.escape(refusal)):
        log(url, reference, due=due, fields=fields)
    with pytest.raises(rules.Refused, match="no submission SC-2026-99999"):
        log(url, "SC-2026-99999")
    with (
        pytest.raises(rules.Refused, match="Only City staff on the roster"),
        session_scope(url) as s,
    ):
        public_information.log_request(s, reference, rules.Staff("slack:UNOBODY"), DUE)
    assert messages(url, reference) == []
    with session_scope(url) as session:
        assert session.exec(select(PublicInformationRequest)).all() == []


def test_the_table_migrates_up_and_down_on_sqlite(tmp_path: Path):
    database = f"sqlite:///{tmp_path / 'migrating.db'}"
    config = alembic_config(database)
    command.upgrade(config, "a1e7c3d5f920")
    engine = create_engine(database)
    table = inspect(engine)
    assert "publicinformationrequest" in table.get_table_names()
    assert {"due", "request_key", "remind_at", "reminded_at", "closed_at", "outcome"} <= {
        column["name"] for column in table.get_columns("publicinformationrequest")
    }
    command.downgrade(config, "9d5f3b2c1e48")
    assert "publicinformationrequest" not in inspect(engine).get_table_names()
    command.upgrade(config, "head")
    assert "publicinformationrequest" in inspect(engine).get_table_names()


def test_someone_with_a_declared_conflict_neither_logs_nor_closes_a_request(url):
    reference = submit(url)
    log(url, reference)
    on_roster(url, "UCAT")
    cat = rules.Staff("slack:UCAT")
    with session_scope(url) as session:
        evaluation.declare_conflict(session, reference, cat, True, "My cousin")
    conflicted = "You declared a conflict of interest"
    with time_machine.travel(LOGGED, tick=False), session_scope(url) as session:
        with pytest.raises(rules.Refused, match=conflicted):
            public_information.log_request(session, reference, cat, DUE, request_id="PIR-2")
        with pytest.raises(rules.Refused, match=conflicted):
            public_information.close_request(session, reference, cat, "withdrawn")
    assert [m.news for m in messages(url, reference)] == ["public_information"]
    with session_scope(url) as session:
        assert [ref for _, ref in public_information.open_requests(session)] == [reference]
