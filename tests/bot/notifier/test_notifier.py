"""The notifier sending the outbox to a fake Slack (a real HTTP server) and a real SMTP
server on loopback: what staff and submitters receive, once, and what happens when
Slack fails, rate-limits, or the sender is killed in the middle of a send."""

import asyncio
import json
import signal
import ssl
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import trustme
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import select

from bot.notifier import Notifier
from bot.staff_cli import main as staff_cli
from storage import contacts, handoff_pace, handoffs, intake_limits, outbox, submissions
from storage.db import session_scope
from storage.models import Kind, OutboxMessage, OutboxState, utcnow
from storage.settings import get_settings
from storage.workflow import evaluation, rules, transitions
from tests.support import sending
from tests.support.fake_slack import FakeSlack, manifest_scopes
from tests.support.mailbox import Mailbox, self_signed_certificate
from tests.support.roster import on_roster
from tests.support.sending import TRIAGE_CHANNEL
from tests.support.slack_people import texts_of

AUSTIN = ZoneInfo("America/Chicago")
ANN = rules.Staff("slack:UANN")
HOSTILE_TITLE = "Benches <!channel>\n*Reach them at:* evil@example.com"


def configure(monkeypatch, url: str, slack: FakeSlack, mail: Mailbox) -> str:
    on_roster(url, "UANN")
    return sending.configure(monkeypatch, url, slack, mail, ENTRYWAY_OUTBOX_MAX_ATTEMPTS="3")


@pytest.fixture
def configured(monkeypatch, database_url, slack, mail):
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
    new = submissions.NewSubmission(
        kind=Kind.proposal,
        title=title,
        category="Mobility",
        answers={
            "solution": "TOPSECRET-SAUCE",
            "departments": "Parks <!here>\n*Assigned to:* nobody",
            "city_ask": "Pilot site",
        },
        confidential_fields=frozenset({"solution"}),
        contact=contacts.ContactDetails(
            sender_id=sender, channel=channel, email="vendor@x.example", name="Ann Vendor"
        ),
        procurement_path="small_purchase",
        procurement_reason="The City would pay about $12,000, under the $50,000 limit.",
        flags=("personal_data", "confidential_answers"),
    )
    with session_scope(url) as session:
        return submissions.create_submission(session, new, AUSTIN).reference


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
        submission = submissions.get_submission(session, reference)
        assert submission.card_channel == TRIAGE_CHANNEL and submission.card_ts
    assert notifier.run_once() == 0  # sent once


def test_every_change_redraws_the_card_in_place(configured, slack):
    reference = submit(configured)
    notifier = Notifier(get_settings())
    notifier.run_once()
    [card] = slack.in_channel(TRIAGE_CHANNEL)
    with session_scope(configured) as session:
        evaluation.assign(session, reference, ANN)
        transitions.advance(session, reference, ANN)
    assert notifier.run_once() == 2  # one card update (coalesced) and the submitter's e-mail
    [update] = slack.called("chat.update")
    assert update["ts"] == card.ts and update["channel"] == TRIAGE_CHANNEL
    shown = "\n".join(texts_of(card.blocks, "mrkdwn"))
    assert "Status: *screening*" in shown and "<@UANN>" in shown


def test_a_card_update_waits_for_its_card(configured, slack):
    reference = submit(configured)
    with session_scope(configured) as session:
        transitions.advance(session, reference, ANN)
    slack.fail("chat.postMessage", error="internal_error")
    notifier = Notifier(get_settings())
    notifier.run_once()
    assert slack.called("chat.update") == [] and slack.called("chat.postMessage") == []
    with session_scope(configured) as session:
        waiting = outbox.pending_for(
            session, "card_update", submissions.get_submission(session, reference).id
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
        handoffs.create_handoff(
            session,
            "web-asker",
            "web",
            "Help\n*Reach them at:* evil@x.example",
            "a@b.example",
            reference,
        )
        handoffs.create_handoff(
            session, "web-other", "web", "Yo también", "c@d.example", reference, language="es"
        )
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
    # Staff read English, and each post says which language to answer in.
    assert "They chatted in English" in json.dumps(first)
    assert "They chatted in Spanish: please answer in Spanish." in json.dumps(second)


def test_a_burst_of_handoffs_costs_the_channel_a_few_posts_and_one_summary(
    configured, slack, capsys
):
    burst = handoff_pace.POSTS_PER_WINDOW + 4
    limits = intake_limits.Limits(per_client=5, total=None)
    with session_scope(configured) as session:
        for n in range(burst):  # many chat identities, one address
            handoffs.create_handoff(
                session, f"web-{n}", "web", f"Question {n}", "a@b.example", None,
                client="198.51.100.7", limits=limits,
            )  # fmt: skip
    reference = submit(configured)  # a triage card, queued behind the burst
    Notifier(get_settings()).run_once()
    posts = slack.in_channel(TRIAGE_CHANNEL)
    own = [p for p in posts if p.text.startswith("Request #")]
    [summary] = [p for p in posts if p.text.startswith("More requests to talk to a person")]
    assert len(own) == handoff_pace.POSTS_PER_WINDOW
    assert any(reference in p.text for p in posts)
    shown = "\n".join(texts_of(summary.blocks, "mrkdwn"))
    assert "Recorded without one since" in shown and "*4*" in shown
    assert "python -m bot.staff_cli handoffs" in shown

    with session_scope(configured) as session:  # two more, in the same window
        for n in range(burst, burst + 2):
            handoffs.create_handoff(
                session, f"web-{n}", "web", f"Question {n}", "a@b.example", None,
                client="198.51.100.7", limits=limits,
            )  # fmt: skip
    Notifier(get_settings()).run_once()
    assert len(slack.in_channel(TRIAGE_CHANNEL)) == len(posts)  # no post more
    with session_scope(configured) as session:  # the window closes: its summary is updated
        session.execute(
            OutboxMessage.__table__.update()
            .where(OutboxMessage.kind == handoff_pace.SUMMARY_UPDATE)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
    Notifier(get_settings()).run_once()
    assert summary.edits == 1
    shown = "\n".join(texts_of(summary.blocks, "mrkdwn"))
    assert "Recorded without one between" in shown and "*6*" in shown

    assert staff_cli(["handoffs"]) == 0  # and staff see every one
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == burst + 2
    assert sum(" posted " in line for line in listed) == handoff_pace.POSTS_PER_WINDOW
    assert sum(" held " in line for line in listed) == burst + 2 - 5
    assert sum(" summarised " in line for line in listed) == 5 - handoff_pace.POSTS_PER_WINDOW


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
        transitions.advance(session, on_slack, ANN)
        transitions.request_info(session, on_web, ANN, "Which parks do you mean?")
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
        assert submissions.get_submission(session, reference).card_ts == cards()[0].ts


# --- exactly once: rate limits, refused look-ups, late and dead senders, --retry -------

WITHOUT_HISTORY = frozenset(
    manifest_scopes() - {"channels:history", "groups:history", "im:history", "mpim:history"}
)


def outbox_row(url: str, kind: str) -> OutboxMessage:
    with session_scope(url) as session:
        [found] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()
        return found


def make_due(url: str) -> None:
    with session_scope(url) as session:
        session.execute(
            OutboxMessage.__table__.update().values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def claim_as(notifier: Notifier, url: str, kind: str = "triage_card") -> outbox.Claim:
    with session_scope(url) as session:
        [held] = outbox.claim(session, notifier.owner, notifier.lease, [kind])
        return held


def expire_claims(url: str) -> None:
    """The lease runs out (as when its sender is paused or slow beyond it)."""
    with session_scope(url) as session:
        session.execute(
            OutboxMessage.__table__.update().values(claimed_until=utcnow() - timedelta(seconds=1))
        )


def test_the_fake_slack_grants_the_documented_manifest_scopes_and_no_more(slack):
    client = WebClient(token="xoxb-test", base_url=slack.url)
    assert "groups:history" in slack.scopes and "chat:write" in slack.scopes
    assert client.conversations_history(channel=TRIAGE_CHANNEL)["ok"]
    with pytest.raises(SlackApiError) as refused:
        client.team_info()  # team:read is not in the manifest
    answer = refused.value.response
    assert answer["error"] == "missing_scope" and answer["needed"] == "team:read"
    assert set(answer["provided"].split(",")) == set(slack.scopes)
    slack.scopes = WITHOUT_HISTORY
    with pytest.raises(SlackApiError) as refused:
        client.conversations_history(channel=TRIAGE_CHANNEL)
    assert refused.value.response["needed"] == "channels:history,groups:history"


def test_a_card_rate_limited_twice_arrives_once_within_a_minute_without_history(on_sqlite, slack):
    """Slack refuses the post twice (429, Retry-After 1 s) and the app may not read the
    channel: the real scheduler posts the card once, without looking anything up."""
    slack.scopes = WITHOUT_HISTORY
    reference = submit(on_sqlite)
    slack.rate_limit("chat.postMessage", times=2, retry_after=1, matching=reference)
    scheduler = sending.start_scheduler()

    def cards():
        return [m for m in slack.in_channel(TRIAGE_CHANNEL) if reference in json.dumps(m.blocks)]

    def marked_sent():
        return outbox_row(on_sqlite, "triage_card").state is OutboxState.sent

    try:
        slack.wait_for(cards, timeout=60, what="the card")
        slack.wait_for(marked_sent, timeout=30, what="the card marked sent")
    finally:
        scheduler.terminate()
        scheduler.wait()
    assert len(cards()) == 1
    assert outbox_row(on_sqlite, "triage_card").attempts == 3  # two refused, one taken
    assert "conversations.history" not in slack.attempts  # a 429 leaves no doubt
    with session_scope(on_sqlite) as session:
        assert submissions.get_submission(session, reference).card_ts == cards()[0].ts


@pytest.mark.parametrize("refusal", ["missing scope", "rate limited"])
def test_a_post_never_answered_goes_out_again_when_the_look_up_is_refused(
    on_sqlite, slack, refusal
):
    """Slack never answers the first post (the send is cut off at its deadline); the
    next attempt's look-up is refused (no history scope, or Slack's one look-up a
    minute), which does not stop the post."""
    if refusal == "missing scope":
        slack.scopes = WITHOUT_HISTORY
    else:
        slack.rate_limit("conversations.history", retry_after=60)
    slack.fail("chat.postMessage", hang=True)
    reference = submit(on_sqlite)
    notifier = Notifier(get_settings())
    assert notifier.run_once() == 0
    in_doubt = outbox_row(on_sqlite, "triage_card")
    assert in_doubt.in_doubt_since is not None and in_doubt.claimed_by is None
    assert "the deadline" in in_doubt.last_error
    make_due(on_sqlite)
    assert notifier.run_once() == 1
    assert "conversations.history" in slack.attempts  # looked, was refused, posted
    assert slack.called("conversations.history") == []
    [card] = slack.in_channel(TRIAGE_CHANNEL)
    assert reference in json.dumps(card.blocks)
    assert outbox_row(on_sqlite, "triage_card").state is OutboxState.sent


def test_a_post_taken_but_never_answered_is_found_and_not_posted_again(configured, slack):
    """Slack takes the post but its answer never comes: the send is cut off at its
    deadline, and the next attempt finds the post by its metadata (groups:history)."""
    reference = submit(configured)
    slack.fail("chat.postMessage", done_then_hang=True)
    notifier = Notifier(get_settings())
    assert notifier.run_once() == 0
    assert outbox_row(configured, "triage_card").in_doubt_since is not None
    make_due(configured)
    assert notifier.run_once() == 1
    [card] = slack.in_channel(TRIAGE_CHANNEL)
    assert slack.attempts == ["chat.postMessage", "conversations.history"]  # no second post
    with session_scope(configured) as session:
        assert submissions.get_submission(session, reference).card_ts == card.ts


def test_a_sender_overtaken_after_slack_took_the_post_is_refused_and_nothing_is_reposted(
    configured, slack
):
    """A posts, then its lease runs out before it marks the card sent (paused, or dead);
    B claims the card next: Slack's answer, stored as it arrived, says it was taken."""
    slack.scopes = WITHOUT_HISTORY  # no look-up could save a repeat here
    reference = submit(configured)
    late, next_one = Notifier(get_settings()), Notifier(get_settings())
    held = claim_as(late, configured)
    delivered = asyncio.run(late.deliver(held))
    expire_claims(configured)
    assert next_one.run_once() == 1
    assert not late.settle(held, delivered)  # the lease was checked: refused
    [card] = slack.in_channel(TRIAGE_CHANNEL)
    assert len(slack.called("chat.postMessage")) == 1
    assert "conversations.history" not in slack.attempts
    sent = outbox_row(configured, "triage_card")
    assert (
        sent.state is OutboxState.sent and sent.attempts == 2 and sent.claimed_by == next_one.owner
    )
    with session_scope(configured) as session:
        assert submissions.get_submission(session, reference).card_ts == card.ts


def test_a_sender_whose_claim_expired_before_it_began_sends_nothing(configured, slack):
    submit(configured)
    late, next_one = Notifier(get_settings()), Notifier(get_settings())
    held = claim_as(late, configured)
    expire_claims(configured)
    assert next_one.run_once() == 1
    assert not late.send(held)  # the claim is checked before anything goes out
    assert len(slack.called("chat.postMessage")) == 1
    assert outbox_row(configured, "triage_card").state is OutboxState.sent


def test_retry_refuses_a_message_being_sent_now(configured, slack, capsys):
    submit(configured)
    sender = Notifier(get_settings())
    held = claim_as(sender, configured)
    assert staff_cli(["outbox", "--retry", str(held.id)]) == 1
    said = capsys.readouterr()
    assert "is being sent right now" in said.out + said.err
    still = outbox_row(configured, "triage_card")
    assert still.claimed_by == sender.owner and still.attempts == 1  # untouched
    assert Notifier(get_settings()).run_once() == 0  # nobody else may take it meanwhile
    assert sender.send(held)
    assert len(slack.called("chat.postMessage")) == 1
    assert staff_cli(["outbox", "--retry", str(held.id)]) == 1
    assert "already sent" in "".join(capsys.readouterr())


def test_retry_after_a_dead_sender_keeps_what_slack_answered(configured, slack, capsys):
    """A sender died after Slack took the post; staff retry the message once its lease
    has run out: it is marked sent without a second post."""
    submit(configured)
    dead = Notifier(get_settings())
    held = claim_as(dead, configured)
    asyncio.run(dead.deliver(held))  # ... and it dies here
    expire_claims(configured)
    assert staff_cli(["outbox", "--retry", str(held.id)]) == 0
    assert Notifier(get_settings()).run_once() == 1
    assert len(slack.called("chat.postMessage")) == 1
    assert outbox_row(configured, "triage_card").state is OutboxState.sent


# --- e-mail: certificates, deadlines, refusals without addresses -----------------------


def advance_for_mail(url: str) -> str:
    reference = submit(url)
    with session_scope(url) as session:
        transitions.advance(session, reference, rules.Staff("cli:operator:test"))
    return reference


def server_context(certificate: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    return context


def trusted_server(tmp_path: Path, host: str = "127.0.0.1") -> tuple[ssl.SSLContext, Path]:
    """A server certificate for `host` from a test CA, and that CA's file to trust."""
    authority = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert(host).configure_cert(context)
    ca_file = tmp_path / "city-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    return context, ca_file


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
@pytest.mark.parametrize("certificate", ["self-signed", "another host's"])
def test_smtp_refuses_a_certificate_that_does_not_verify(
    monkeypatch, sqlite_url, slack, tmp_path, tls, certificate
):
    if certificate == "self-signed":
        context, ca = server_context(*self_signed_certificate(tmp_path)), {}
    else:  # trusted, but for another name than SMTP_URL's
        context, ca_file = trusted_server(tmp_path, "mail.example.org")
        ca = {"ENTRYWAY_SMTP_CA_FILE": str(ca_file)}
    with Mailbox(tls, context) as box:
        sending.configure(monkeypatch, sqlite_url, slack, box, **ca)
        assert box.url.startswith("smtp+starttls://" if tls == "starttls" else "smtps://")
        advance_for_mail(sqlite_url)
        Notifier(get_settings()).run_once()
        failed = outbox_row(sqlite_url, "submitter_email")
        assert box.mails == []
        assert failed.state is OutboxState.pending and failed.attempts == 1
        assert "certificate" in failed.last_error.lower()
    get_settings.cache_clear()


@pytest.mark.parametrize("tls", ["starttls", "smtps"])
def test_smtp_accepts_a_certificate_from_the_configured_authority(
    monkeypatch, sqlite_url, slack, tmp_path, tls
):
    context, ca_file = trusted_server(tmp_path)
    with Mailbox(tls, context) as box:
        sending.configure(monkeypatch, sqlite_url, slack, box, ENTRYWAY_SMTP_CA_FILE=str(ca_file))
        reference = advance_for_mail(sqlite_url)
        Notifier(get_settings()).run_once()
        [mail] = box.wait_for("vendor@x.example", 1)
        assert reference in str(mail["Subject"])
        assert outbox_row(sqlite_url, "submitter_email").state is OutboxState.sent
    get_settings.cache_clear()


def test_a_slow_smtp_server_is_cut_off_at_the_send_deadline(configured, mail):
    """Each command is answered within the per-command timeout (3 s), but the whole
    session would outlast the deadline (40% of the 6 s lease): it is cut off, and sent
    on the next attempt."""
    mail.slowness = 1.5
    advance_for_mail(configured)
    notifier = Notifier(get_settings())
    notifier.run_once()
    cut_off = outbox_row(configured, "submitter_email")
    assert "the deadline" in cut_off.last_error and cut_off.state is OutboxState.pending
    assert mail.to("vendor@x.example") == []
    mail.slowness = 0
    make_due(configured)
    notifier.run_once()
    assert len(mail.wait_for("vendor@x.example", 1)) == 1
    assert outbox_row(configured, "submitter_email").state is OutboxState.sent


def test_a_refused_recipient_is_stored_without_the_address(configured, mail, capsys):
    mail.refused.add("vendor@x.example")
    advance_for_mail(configured)
    Notifier(get_settings()).run_once()
    failed = outbox_row(configured, "submitter_email")
    assert failed.last_error.startswith("SMTP recipient refused: 550")
    assert "Recipient address rejected" in failed.last_error
    assert "vendor@x.example" not in failed.last_error and "@" not in failed.last_error
    assert staff_cli(["outbox"]) == 0
    listed = capsys.readouterr().out
    assert "Recipient address rejected" in listed and "vendor@x.example" not in listed
