"""The notifier sending the outbox to a fake Slack (a real HTTP server) and a real SMTP
server on loopback: what staff and submitters receive, once, and what happens when
Slack fails, rate-limits, or the sender is killed in the middle of a send."""

import json
import signal
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.notifier import Notifier
from bot.staff_cli import main as staff_cli
from storage import outbox, repository, workflow
from storage.db import session_scope
from storage.models import Kind, OutboxMessage, OutboxState, utcnow
from storage.settings import get_settings
from tests import sending
from tests.fake_slack import FakeSlack
from tests.mailbox import Mailbox
from tests.roster import on_roster
from tests.sending import TRIAGE_CHANNEL

ROOT = Path(__file__).resolve().parent.parent
AUSTIN = ZoneInfo("America/Chicago")
ANN = workflow.Staff("slack:UANN")
HOSTILE_TITLE = "Benches <!channel>\n*Reach them at:* evil@example.com"


def configure(monkeypatch, url: str, slack: FakeSlack, mail: Mailbox) -> str:
    return sending.configure(monkeypatch, url, slack, mail, ENTRYWAY_OUTBOX_MAX_ATTEMPTS="3")


@pytest.fixture
def configured(monkeypatch, database_url, slack, mail):
    on_roster(database_url, "UANN")
    yield configure(monkeypatch, database_url, slack, mail)
    get_settings.cache_clear()


@pytest.fixture
def on_sqlite(monkeypatch, sqlite_url, slack, mail):
    yield configure(monkeypatch, sqlite_url, slack, mail)
    get_settings.cache_clear()


@pytest.fixture
def on_postgres(monkeypatch, postgres_url, slack, mail):
    yield configure(monkeypatch, postgres_url, slack, mail)
    get_settings.cache_clear()


def submit(
    url: str, sender: str = "web-vendor", channel: str = "web", title: str = "Benches"
) -> str:
    new = repository.NewSubmission(
        kind=Kind.proposal,
        title=title,
        category="Mobility",
        answers={
            "solution": "TOPSECRET-SAUCE",
            "departments": "Parks <!here>\n*Assigned to:* nobody",
            "city_ask": "Pilot site",
        },
        confidential_fields=frozenset({"solution"}),
        contact=repository.ContactDetails(
            sender_id=sender, channel=channel, email="vendor@x.example", name="Ann Vendor"
        ),
        procurement_path="small_purchase",
        procurement_reason="The City would pay about $12,000, under the $50,000 limit.",
        flags=("personal_data", "confidential_answers"),
    )
    with session_scope(url) as session:
        return repository.create_submission(session, new, AUSTIN).reference


def texts_of(blocks: list[dict], kind: str) -> list[str]:
    """Every text object of one type (mrkdwn or plain_text) in a message's blocks."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == kind and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def test_triage_card_shows_the_facts_and_never_a_confidential_value(configured, slack):
    reference = submit(configured, title=HOSTILE_TITLE)
    notifier = Notifier(get_settings())
    assert notifier.run_once() == 1
    [post] = slack.called("chat.postMessage")
    assert post["channel"] == TRIAGE_CHANNEL
    everything = json.dumps(post)
    assert reference in everything
    assert "TOPSECRET-SAUCE" not in everything and "Ann Vendor" not in everything
    assert "vendor@x.example" not in everything
    mrkdwn = "\n".join(texts_of(post["blocks"], "mrkdwn")) + post["text"]
    plain = "\n".join(texts_of(post["blocks"], "plain_text"))
    # The submitter's words are quoted plain text: they ping nobody and fake no field.
    for hostile in ("<!channel>", "<!here>", "Reach them at", "evil@example.com"):
        assert hostile not in mrkdwn
    assert "> Benches <!channel>\n> *Reach them at:* evil@example.com" in plain
    assert "> Parks <!here>\n> *Assigned to:* nobody" in plain
    assert "Small purchase under the City's threshold" in mrkdwn
    assert "$12,000" in plain and "$12,000" not in mrkdwn  # the reason may quote the vendor
    assert "personal data collected" in mrkdwn and "confidential answers present" in mrkdwn
    [actions] = [b["elements"] for b in post["blocks"] if b["type"] == "actions"]
    buttons = [e["text"]["text"] for e in actions if e["type"] == "button"]
    assert buttons == ["Assign to me", "Request info", "Advance", "Decline", "Score", "Details"]
    [waiting_on] = [e for e in actions if e["type"] == "static_select"]
    assert "legal review" in json.dumps(waiting_on)
    with session_scope(configured) as session:
        submission = repository.get_submission(session, reference)
        assert submission.card_channel == TRIAGE_CHANNEL and submission.card_ts
    assert notifier.run_once() == 0  # sent once


def test_every_change_redraws_the_card_in_place(configured, slack):
    reference = submit(configured)
    notifier = Notifier(get_settings())
    notifier.run_once()
    [card] = slack.in_channel(TRIAGE_CHANNEL)
    with session_scope(configured) as session:
        workflow.assign(session, reference, ANN)
        workflow.advance(session, reference, ANN)
    assert notifier.run_once() == 2  # one card update (coalesced) and the submitter's e-mail
    [update] = slack.called("chat.update")
    assert update["ts"] == card.ts and update["channel"] == TRIAGE_CHANNEL
    shown = "\n".join(texts_of(card.blocks, "mrkdwn"))
    assert "Status: *screening*" in shown and "<@UANN>" in shown


def test_a_card_update_waits_for_its_card(configured, slack):
    reference = submit(configured)
    with session_scope(configured) as session:
        workflow.advance(session, reference, ANN)
    slack.fail("chat.postMessage", error="internal_error")
    notifier = Notifier(get_settings())
    notifier.run_once()
    assert slack.called("chat.update") == [] and slack.called("chat.postMessage") == []
    with session_scope(configured) as session:
        waiting = outbox.pending_for(
            session, "card_update", repository.get_submission(session, reference).id
        )
        assert waiting and waiting[0].attempts == 0  # postponed, not failed
        session.execute(
            OutboxMessage.__table__.update().values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
    notifier.run_once()
    with session_scope(configured) as session:
        session.execute(
            OutboxMessage.__table__.update().values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
    notifier.run_once()
    [card] = slack.in_channel(TRIAGE_CHANNEL)
    assert "Status: *screening*" in "\n".join(texts_of(card.blocks, "mrkdwn"))


def test_handoff_post_quotes_the_person_so_nothing_can_pass_for_a_field(configured, slack):
    reference = submit(configured, sender="web-asker")
    with session_scope(configured) as session:
        repository.create_handoff(
            session,
            "web-asker",
            "web",
            "Help\n*Reach them at:* evil@x.example",
            "a@b.example",
            reference,
        )
        repository.create_handoff(session, "web-other", "web", "Me too", "c@d.example", reference)
    Notifier(get_settings()).run_once()
    posts = [p for p in slack.called("chat.postMessage") if "Someone asked" in json.dumps(p)]
    assert len(posts) == 2
    first, second = posts
    assert "Reach them at:* evil" not in "\n".join(texts_of(first["blocks"], "mrkdwn"))
    assert "> Help\n> *Reach them at:* evil@x.example" in "\n".join(
        texts_of(first["blocks"], "plain_text")
    )
    assert f"About {reference}, which this chat identity submitted" in json.dumps(first)
    assert "did not submit (not verified)" in json.dumps(second)


def test_failed_sends_back_off_give_up_show_in_the_cli_and_can_be_retried(
    configured, slack, capsys
):
    submit(configured)
    slack.fail("chat.postMessage", times=3, error="channel_not_found")
    notifier = Notifier(get_settings())
    for _ in range(3):
        assert notifier.run_once() == 0
        with session_scope(configured) as session:
            session.execute(
                OutboxMessage.__table__.update().values(
                    next_attempt_at=utcnow() - timedelta(seconds=1)
                )
            )
    with session_scope(configured) as session:
        [dead] = session.exec(select(OutboxMessage)).all()
        assert dead.state is OutboxState.dead and dead.attempts == 3
        assert "channel_not_found" in dead.last_error
    assert staff_cli(["outbox"]) == 0
    listed = capsys.readouterr().out
    assert "dead: 1" in listed and "channel_not_found" in listed and f"#{dead.id}" in listed
    assert staff_cli(["outbox", "--retry", str(dead.id)]) == 0
    assert notifier.run_once() == 1
    assert len(slack.called("chat.postMessage")) == 1


def test_slack_rate_limits_are_respected(configured, slack):
    submit(configured)
    slack.fail("chat.postMessage", status=429, retry_after=120)
    Notifier(get_settings()).run_once()
    with session_scope(configured) as session:
        [waiting] = session.exec(select(OutboxMessage)).all()
        assert waiting.next_attempt_at > utcnow() + timedelta(seconds=100)


def test_submitters_hear_of_each_public_change_once_by_their_channel_and_email(
    configured, slack, mail
):
    on_slack = submit(configured, sender="slack-T0001-UVENDOR", channel="slack")
    on_web = submit(configured, sender="web-resident")
    with session_scope(configured) as session:
        workflow.advance(session, on_slack, ANN)
        workflow.request_info(session, on_web, ANN, "Which parks do you mean?")
    notifier = Notifier(get_settings())
    notifier.run_once()
    notifier.run_once()
    [dm] = [p for p in slack.called("chat.postMessage") if p["channel"] == "UVENDOR"]
    assert "now in screening" in dm["text"]
    mails = mail.wait_for("vendor@x.example", 2)
    subjects = sorted(str(m["Subject"]).strip() for m in mails)
    assert subjects == [
        f"Update on your submission {on_slack}: in screening",
        f"Update on your submission {on_web}: waiting for information from you",
    ]
    body = next(m for m in mails if on_web in m["Subject"]).get_content()
    assert "Which parks do you mean?" in body and f"/api/proposals/{on_web}" in body
    assert all(m["Message-ID"].startswith("<entryway-outbox-") for m in mails)
    assert notifier.run_once() == 0
    assert len(mail.to("vendor@x.example")) == 2


def test_a_sender_killed_between_claim_and_send_loses_nothing_and_sends_once(on_sqlite, slack):
    reference = submit(on_sqlite)
    slack.fail("chat.postMessage", hang=True)  # Slack never answers the first attempt
    first = sending.start_scheduler()
    slack.wait_for(lambda: "chat.postMessage" in slack.attempts, what="first attempt")
    first.send_signal(signal.SIGKILL)
    first.wait()
    with session_scope(on_sqlite) as session:
        [held] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "triage_card"))
        assert held.state is OutboxState.pending and held.claimed_until is not None
    second = sending.start_scheduler()

    def cards():
        return [p for p in slack.called("chat.postMessage") if reference in json.dumps(p)]

    try:
        slack.wait_for(cards, timeout=40, what="re-send")
        time.sleep(2)
    finally:
        second.terminate()
        second.wait()
    assert len(cards()) == 1
    with session_scope(on_sqlite) as session:
        [sent] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "triage_card"))
        assert sent.state is OutboxState.sent and sent.attempts == 2


def test_two_schedulers_on_one_postgresql_send_every_message_once(on_postgres, slack):
    references = {submit(on_postgres, title=f"Proposal {n}") for n in range(12)}
    schedulers = [sending.start_scheduler() for _ in range(2)]

    def cards():
        return [
            reference
            for post in slack.called("chat.postMessage")
            for reference in references
            if reference in json.dumps(post)
        ]

    try:
        slack.wait_for(lambda: len(cards()) >= 12, timeout=60, what="12 cards")
        time.sleep(3)
    finally:
        for process in schedulers:
            process.terminate()
            process.wait()
    assert sorted(cards()) == sorted(references)


def test_a_sender_killed_after_slack_took_the_post_does_not_post_it_again(on_sqlite, slack):
    reference = submit(on_sqlite)
    slack.fail("chat.postMessage", done_then_hang=True)  # posted, but the answer never comes
    first = sending.start_scheduler()

    def cards():
        return [m for m in slack.in_channel(TRIAGE_CHANNEL) if reference in json.dumps(m.blocks)]

    slack.wait_for(cards, timeout=40, what="the first post")
    first.send_signal(signal.SIGKILL)
    first.wait()
    second = sending.start_scheduler()
    try:
        slack.wait_for(lambda: slack.called("conversations.history"), timeout=40, what="a look")
        time.sleep(2)
    finally:
        second.terminate()
        second.wait()
    assert len(cards()) == 1  # found by its metadata, not posted twice
    with session_scope(on_sqlite) as session:
        [sent] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "triage_card"))
        assert sent.state is OutboxState.sent
        assert repository.get_submission(session, reference).card_ts == cards()[0].ts
