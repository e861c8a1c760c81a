"""Several hosts for real: two hosts made of network namespaces (tests/support/hosts.py), each
running every process of `make run`, behind HAProxy with deploy/haproxy.cfg, on one
PostgreSQL and one Redis. Simulated vendors chat through HAProxy's round robin, so
every conversation is served by both hosts in turn; then one host loses its power in
the middle of their forms.

Shown: every vendor goes on from the question the form is at on the surviving host
(their answer in flight was kept or not, never lost halfway), and every proposal is
submitted once with all its answers; reference numbers stay unique and
consecutive; a new X-Forwarded-For on every request does not get round the rate limits
(HAProxy replaces the header), nor reach a host's deep health check; every triage
card, reminder and the weekly digest reaches Slack exactly once although both hosts'
schedulers planned and sent; no conversation lock is left in Redis. What the vendors
waited after the power cut goes to tests/artifacts/hosts/summary.txt (and is printed)."""

import json
import os
import random
import re
import secrets
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import redis
import time_machine
import yaml
from sqlmodel import select

from storage import contacts, submissions
from storage.db import session_scope
from storage.identity import channel_of
from storage.models import Contact, Kind, OutboxMessage, Submission, SubmissionAnswer
from tests.support.conversation import PROPOSAL_ANSWERS
from tests.support.fake_slack import FakeSlack
from tests.support.hosts import HOST_LOGS, ROOT, Cluster, missing_on_this_machine, remove_leftovers
from tests.support.roster import on_roster
from tests.support.sending import TRIAGE_CHANNEL
from tests.support.slack_requests import SIGNING_SECRET

pytestmark = [pytest.mark.stack, pytest.mark.hosts]

REDIS_URL = os.environ.get("ENTRYWAY_TEST_REDIS_URL", "redis://127.0.0.1:6379")
LEAD = "ULEAD"
VENDORS_BEFORE = 3  # whole proposals while both hosts run
VENDORS_ACROSS = 6  # in the middle of their forms when a host dies
KILL_AFTER_ANSWERS = 6  # every one of them has given at least this many answers
GIVE_UP_SECONDS = 150.0  # on one message, sent again and again
# Longer than the outbox lease (6 s here): a message sent twice would have come by then.
DOUBLE_SEND_MARGIN = 8.0
RESTARTING = "The assistant is restarting"
SPOOFED_REQUESTS = 120  # each with another X-Forwarded-For, to the public API
# Answers that are each vendor's own, so a shifted or lost answer cannot go unseen.
OWN_ANSWERS = {
    "organisation", "contact_name", "title", "problem", "solution", "maturity_where",
    "ip_terms", "timeline", "equity_impact",
}  # fmt: skip


def _questions() -> dict[str, str]:
    """Each form slot's question, as the domain asks it."""
    responses = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
    return {
        name.removeprefix("utter_ask_"): variants[0]["text"]
        for name, variants in responses.items()
        if name.startswith("utter_ask_")
    }


QUESTIONS = _questions()


@dataclass
class Attempt:
    began: float
    ended: float
    outcome: str  # "ok", an HTTP status, an exception's name, or "restarting"
    request_id: str | None


@dataclass
class Exchange:
    message: str
    attempts: list[Attempt]
    reply: str  # from the last attempt
    # For an answer whose sending failed: whether the form had kept it before the host
    # died ("kept") or not ("given again"), and when the vendor knew (monotonic).
    fate: str | None = None
    settled: float | None = None

    @property
    def began(self) -> float:
        return self.attempts[0].began

    @property
    def answered(self) -> float:
        return self.settled or self.attempts[-1].ended


@dataclass
class Vendor:
    """Someone filling in the proposal form in the web chat, through the load balancer.

    When a message fails (an error, or the assistant's "restarting" reply), they send it
    again a moment later, as the chat page asks them to. An answer is not sent blindly
    again, though: the host may have died after the form kept it but before the reply
    came back, and the form would take it as the answer to the next question. The
    vendor first asks "why do you ask?", to which the form says why and asks its current
    question again, and goes on from that question."""

    url: str
    number: int
    sender: str = ""
    exchanges: list[Exchange] = field(default_factory=list)
    reference: str | None = None

    def __post_init__(self) -> None:
        self.sender = f"hosts-{uuid.uuid4().hex[:12]}"
        self.client = httpx.Client(base_url=self.url, timeout=70)

    @property
    def answers(self) -> list[tuple[str, str]]:
        return [
            (slot, f"{value} (vendor {self.number})" if slot in OWN_ANSWERS else value)
            for slot, value in PROPOSAL_ANSWERS
        ]

    def _post(self, message: str) -> tuple[Attempt, str]:
        began, request_id = time.monotonic(), None
        try:
            response = self.client.post(
                "/webhooks/rest/webhook", json={"sender": self.sender, "message": message}
            )
            request_id = response.headers.get("x-request-id")
            outcome, reply = str(response.status_code), ""
            if response.status_code == 200:
                reply = "\n".join(r.get("text", "") for r in response.json())
                outcome = "ok" if reply and RESTARTING not in reply else "restarting"
        except (httpx.HTTPError, ValueError) as problem:
            outcome, reply = type(problem).__name__, ""
        return Attempt(began, time.monotonic(), outcome, request_id), reply

    def say(self, message: str, expected: str) -> str:
        """Sends a message that does no harm twice, until the assistant answers."""
        attempts: list[Attempt] = []
        while True:
            attempt, reply = self._post(message)
            attempts.append(attempt)
            if attempt.outcome == "ok":
                break
            if time.monotonic() - attempts[0].began > GIVE_UP_SECONDS:
                raise AssertionError(f"vendor {self.number}: no answer to {message!r}: {attempts}")
            time.sleep(1)
        self.exchanges.append(Exchange(message, attempts, reply))
        assert expected in reply, (
            f"vendor {self.number} said {message!r} (attempts {[a.outcome for a in attempts]}) "
            f"and expected {expected!r}, but got: {reply!r}"
        )
        return reply

    def answer(self, index: int) -> int:
        """Gives answer `index`; returns the index of the answer the form asks for next."""
        slot, value = self.answers[index]
        following = self.answers[index + 1][0] if index + 1 < len(self.answers) else None
        expected = QUESTIONS[following] if following else "Submit it now?"
        attempt, reply = self._post(value)
        exchange = Exchange(value, [attempt], reply)
        self.exchanges.append(exchange)
        if attempt.outcome == "ok":
            assert expected in reply, (
                f"vendor {self.number} answered {slot} with {value!r} and expected "
                f"{expected!r}, but got: {reply!r}"
            )
            return index + 1
        time.sleep(1)
        where = self.say("why do you ask?", "")
        exchange.settled = time.monotonic()
        if QUESTIONS[slot] in where:
            exchange.fate = "given again"
            return index
        assert expected in where, (
            f"vendor {self.number}: after the answer to {slot} failed ({attempt.outcome}), "
            f"the form asks neither that question nor the next: {where!r}"
        )
        exchange.fate = "kept"
        return index + 1

    def propose(self) -> str:
        """The whole proposal form, each reply checked to ask the next question."""
        self.say("I want to submit a proposal", QUESTIONS[self.answers[0][0]])
        index = 0
        while index < len(self.answers):
            time.sleep(random.uniform(0.1, 0.6))  # reading the question
            index = self.answer(index)
        receipt = self.say("Yes, submit", "SC-")
        self.reference = re.search(r"SC-\d{4}-\d{5,6}", receipt)[0]
        return self.reference

    def served_by(self, hosts_of: dict[str, str]) -> list[str]:
        """The host that answered each message, from HAProxy's log."""
        return [hosts_of.get(e.attempts[-1].request_id or "", "?") for e in self.exchanges]


@pytest.fixture
def cluster(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Cluster, FakeSlack, str]]:
    """Two hosts, not yet started (the test writes what must exist before they start)."""
    if missing := missing_on_this_machine():
        pytest.fail(
            f"cannot make test hosts here (this test is never skipped); missing: "
            f"{'; '.join(missing)}",
            pytrace=False,
        )
    remove_leftovers()
    redis_url = f"{REDIS_URL}/{random.randint(1, 15)}"  # own db index; keys are per sender
    with FakeSlack() as slack:
        made = Cluster(
            2,
            database_url=postgres_url,
            redis_url=redis_url,
            slack_url=slack.url,
            env={
                # Random secrets, as an operator would make them; one starting with "-"
                # once kept Rasa from starting (scripts/run-rasa).
                "ENTRYWAY_RASA_TOKEN": "-" + secrets.token_urlsafe(24),
                "ENTRYWAY_ACTIONS_TOKEN": "-" + secrets.token_urlsafe(24),
                "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_TRIAGE_CHANNEL": TRIAGE_CHANNEL,
                "ENTRYWAY_ESCALATION_LEAD": LEAD,
                "ENTRYWAY_OUTBOX_LEASE_SECONDS": "6",
                "ENTRYWAY_SEND_TIMEOUT_SECONDS": "3",
                # Every vendor comes from 127.0.0.1, faster than people do (as in the
                # rest of the suite: tests/conftest.py).
                "ENTRYWAY_RATE_LIMIT_CHAT": "",
                "ENTRYWAY_SUBMISSION_LIMIT_PER_CLIENT": "",
                # The public API keeps a limit, low enough for the test to reach.
                "ENTRYWAY_RATE_LIMIT_PUBLIC": f"{SPOOFED_REQUESTS - 20}/hour",
            },
            work_dir=tmp_path,
        )
        try:
            yield made, slack, redis_url
        finally:
            made.remove()


def seed_overdue_submission(database_url: str) -> str:
    """A proposal received 30 days ago and never touched: its reminders and escalations
    and last week's digest are due, so both hosts' schedulers race to plan them the
    moment they start."""
    new = submissions.NewSubmission(
        kind=Kind.proposal,
        title="Curb sensors",
        category="Mobility",
        answers={"solution": "s"},
        confidential_fields=frozenset(),
        contact=contacts.ContactDetails(sender_id="web-old", channel=channel_of("web-old")),
    )
    with (
        time_machine.travel(datetime.now(UTC) - timedelta(days=30), tick=False),
        session_scope(database_url) as session,
    ):
        return submissions.create_submission(session, new, ZoneInfo("America/Chicago")).reference


def a_loopback_address() -> str:
    """A source address of its own for a client of HAProxy (whose counts, in Redis,
    no earlier run can have touched)."""
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def spoofing_gets_nowhere(url: str, reference: str) -> None:
    """HAProxy replaces X-Forwarded-For with the connection's address, and the hosts
    believe it from HAProxy alone: a client naming a new address in every request is
    still one client; another client keeps its own budget; and a forged 127.0.0.1 gets
    the public's cached health state, not the deep check."""
    spoofer = httpx.HTTPTransport(local_address=a_loopback_address())
    with httpx.Client(base_url=url, transport=spoofer, timeout=30) as client:
        statuses = [
            client.get(
                f"/api/proposals/{reference}",
                headers={"X-Forwarded-For": f"198.18.{n // 250}.{n % 250 + 1}"},
            ).status_code
            for n in range(SPOOFED_REQUESTS)
        ]
    allowed = SPOOFED_REQUESTS - 20
    assert statuses == [200] * allowed + [429] * 20, Counter(statuses)
    neighbour = httpx.HTTPTransport(local_address=a_loopback_address())
    with httpx.Client(base_url=url, transport=neighbour, timeout=30) as client:
        assert client.get(f"/api/proposals/{reference}").status_code == 200
        health = client.get("/healthz", headers={"X-Forwarded-For": "127.0.0.1"})
    assert health.status_code == 200 and "age" in health.headers, health.headers


def run_vendors(vendors: list[Vendor]) -> list:
    with ThreadPoolExecutor(len(vendors)) as pool:
        return [future.result() for future in [pool.submit(v.propose) for v in vendors]]


def slack_posts(slack: FakeSlack) -> tuple[Counter, Counter, int]:
    """Triage cards per reference, reminders per (reference, stage), digests."""
    cards, reminders, digests = Counter(), Counter(), 0
    for post in slack.called("chat.postMessage"):
        shown, fallback = json.dumps(post), post.get("text", "")
        if card := re.search(r"(SC-\d{4}-\d+) is \w+: triage card", fallback):
            cards[card[1]] += 1
        elif reminder := re.match(r"Reminder about (SC-\d{4}-\d+)", fallback):
            stage = (
                "lead"
                if post["channel"] == LEAD
                else "channel"
                if "past its due date" in shown
                else "owner"
            )
            reminders[reminder[1], stage] += 1
        elif fallback.startswith("Weekly digest"):
            digests += 1
    return cards, reminders, digests


def stored_proposals(database_url: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Every submission's reference and answers, by the chat identity that submitted it."""
    found: dict[str, tuple[str, dict[str, str]]] = {}
    with session_scope(database_url) as session:
        for submission, contact in session.exec(
            select(Submission, Contact).where(Submission.contact_id == Contact.id)
        ):
            answers = {
                a.field: a.value
                for a in session.exec(
                    select(SubmissionAnswer).where(SubmissionAnswer.submission_id == submission.id)
                )
            }
            answers |= {
                "organisation": contact.organisation,
                "contact_name": contact.name,
                "email": contact.email,
                "title": submission.title,
            }
            assert contact.sender_id not in found, f"{contact.sender_id} submitted twice"
            found[contact.sender_id] = (submission.reference, answers)
    return found


def test_two_hosts_serve_every_conversation_and_one_can_die_mid_form(cluster, postgres_url):
    hosts, slack, redis_url = cluster
    host1 = hosts.hosts[0]
    # Escalations name the configured lead only while they are a lead on the roster.
    on_roster(postgres_url, LEAD)
    seeded = seed_overdue_submission(postgres_url)
    started = hosts.start()
    spoofing_gets_nowhere(hosts.url, seeded)

    # Both hosts up: whole proposals, every message to whichever host HAProxy picks.
    early = [Vendor(hosts.url, n) for n in range(1, VENDORS_BEFORE + 1)]
    run_vendors(early)
    slack.wait_for(
        lambda: set(slack_posts(slack)[0]) >= {v.reference for v in early} | {seeded},
        timeout=60,
        what="the triage cards of the first proposals",
    )

    # Mid-form, host1 loses its power.
    numbers = range(VENDORS_BEFORE + 1, VENDORS_BEFORE + VENDORS_ACROSS + 1)
    across = [Vendor(hosts.url, n) for n in numbers]
    with ThreadPoolExecutor(len(across)) as pool:
        running = [pool.submit(v.propose) for v in across]
        deadline = time.monotonic() + 300
        while min(len(v.exchanges) for v in across) <= KILL_AFTER_ANSWERS:
            assert time.monotonic() < deadline, "the vendors never got far enough into the form"
            for future in running:
                if future.done():
                    future.result()  # a vendor failed before the power cut: say why
            time.sleep(0.05)
        answered_before = [len(v.exchanges) for v in across]
        killed_at = time.monotonic()
        host1.power_off()
        powered_off = time.monotonic() - killed_at
        while hosts.balancer.servers()["host1"]["status"] != "DOWN":
            assert time.monotonic() - killed_at < 30, "HAProxy never saw host1 go"
            time.sleep(0.1)
        noticed = time.monotonic() - killed_at
        for future in running:
            future.result()

    # --- where each message went ---------------------------------------------------
    vendors = early + across
    hosts_of = hosts.balancer.served_by(
        {a.request_id for v in vendors for e in v.exchanges for a in e.attempts if a.request_id}
    )
    for vendor in early:  # 26 messages each: every conversation went to both hosts
        assert set(vendor.served_by(hosts_of)) == {"host1", "host2"}, vendor.served_by(hosts_of)
    before_the_cut = {
        host
        for vendor, before in zip(across, answered_before, strict=True)
        for host in vendor.served_by(hosts_of)[:before]
    }
    assert before_the_cut == {"host1", "host2"}
    for vendor in across:
        once_noticed = [
            hosts_of.get(attempt.request_id or "", "?")
            for exchange in vendor.exchanges
            for attempt in exchange.attempts
            if attempt.began > killed_at + noticed and attempt.outcome == "ok"
        ]
        assert once_noticed and set(once_noticed) == {"host2"}, once_noticed

    # --- nothing lost, nothing doubled -----------------------------------------------
    proposals = stored_proposals(postgres_url)
    assert len(proposals) == len(vendors) + 1  # and the seeded one
    references = [reference for reference, _ in proposals.values()]
    assert len(set(references)) == len(references)
    by_year: dict[str, list[int]] = {}
    for reference in references:
        _, year, sequence = reference.split("-")
        by_year.setdefault(year, []).append(int(sequence))
    for sequences in by_year.values():  # no gap: no submission half made
        assert sorted(sequences) == list(range(1, len(sequences) + 1))
    shared_answers = []
    for vendor in vendors:
        reference, answers = proposals[vendor.sender]
        assert reference == vendor.reference
        for slot, typed in vendor.answers:
            if slot in OWN_ANSWERS:
                assert answers.get(slot) == typed, (vendor.number, slot, answers.get(slot))
        shared_answers.append({k: v for k, v in answers.items() if k not in OWN_ANSWERS})
    assert all(answers == shared_answers[0] for answers in shared_answers), shared_answers

    # --- every message to staff once, whichever scheduler sent it ----------------------
    slack.wait_for(
        lambda: set(slack_posts(slack)[0]) >= set(references),
        timeout=60,
        what="every triage card",
    )
    time.sleep(DOUBLE_SEND_MARGIN)
    cards, reminders, digests = slack_posts(slack)
    assert cards == dict.fromkeys(references, 1)
    assert reminders == {(seeded, "owner"): 1, (seeded, "channel"): 1, (seeded, "lead"): 1}
    assert digests == 1
    with session_scope(postgres_url) as session:
        sent = session.exec(select(OutboxMessage).where(OutboxMessage.state == "sent")).all()
    assert sent and all(message.attempts == 1 for message in sent)
    senders = Counter(message.claimed_by.split(":")[0] for message in sent)
    for host in hosts.hosts:  # both were sending: each message went to one of two
        assert f"notifier {host.hostname}:" in host.log_path.read_text(), host.name

    # --- the dead host's conversation locks did not stay behind ---------------------
    locks = redis.Redis.from_url(redis_url)
    try:
        left = [key for v in vendors for key in locks.keys(f"*{v.sender}*")]
    finally:
        locks.close()
    assert left == []

    # --- what the vendors lived through ----------------------------------------------
    report = summary(across, killed_at, started, powered_off, noticed, senders)
    (HOST_LOGS / "summary.txt").write_text(report)
    print(report)


def summary(
    vendors: list[Vendor],
    killed_at: float,
    started: float,
    powered_off: float,
    noticed: float,
    senders: Counter,
) -> str:
    before = [e.answered - e.began for v in vendors for e in v.exchanges if e.answered < killed_at]
    lines = [
        f"hosts up (HAProxy sees both) {started:.0f} s after the start",
        f"power cut of host1: {powered_off:.2f} s; HAProxy marked it DOWN after {noticed:.1f} s",
        f"replies before the cut: median {statistics.median(before):.2f} s, "
        f"max {max(before):.2f} s",
        "",
        "| vendor | answers before the cut | failed sendings after it | answer in flight |"
        " longest wait for a reply after it, s |",
        "|---:|---:|---:|---|---:|",
    ]
    for vendor in vendors:
        after = [e for e in vendor.exchanges if e.answered > killed_at]
        failed = sum(a.outcome != "ok" for e in after for a in e.attempts)
        fates = ", ".join(e.fate for e in after if e.fate) or "-"
        longest = max(e.answered - e.began for e in after)
        given = sum(e.answered < killed_at for e in vendor.exchanges) - 1  # not the opening message
        lines.append(f"| {vendor.number} | {given} | {failed} | {fates} | {longest:.1f} |")
    lines += [
        "",
        "outbox messages sent, by the host whose scheduler sent them: "
        + ", ".join(f"{host} {count}" for host, count in sorted(senders.items())),
    ]
    return "\n".join(lines) + "\n"
