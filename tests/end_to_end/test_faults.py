"""Faults on a stack run as in production (PostgreSQL, Redis, two Rasa servers under the
supervisor), with a vendor half-way through a proposal and a few others chatting:
each process is killed with SIGKILL in turn, and PostgreSQL and Redis are restarted.
Each time the stack must answer again by itself within 15 seconds (a polite
"restarting" reply counts), then the vendor's form must go on at the same question;
nothing given may be lost or doubled, and nobody may get a 5xx or an empty reply.

The recovery time of each fault is written to tests/artifacts/fault-recovery.md, which
the end of the test run prints (tests/conftest.py)."""

import os
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx
import pytest
import yaml
from sqlalchemy import func
from sqlmodel import select

from storage import contacts, drafts, submissions
from storage.db import session_scope
from storage.models import Contact, Kind
from tests.support.conversation import PROPOSAL_ANSWERS
from tests.support.databases import postgres_schema
from tests.support.stack import ARTIFACTS, ROOT, Stack

pytestmark = [pytest.mark.stack, pytest.mark.faults]

# The bound on silence: within it the stack answers again by itself (a polite
# "restarting" reply counts; the app comes back in seconds). How long until the answer is
# taken (a Rasa server loading its model again) is measured and printed, not asserted.
ANSWER_LIMIT = 15.0
RESTARTING = "restarting"  # the polite reply (catalogue chat.restarting)
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
REDIS_START = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
    "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
)
# fault, seconds until answered, seconds until the answer was taken, polite replies
RECOVERY: list[tuple[str, float, float, int]] = []


def question_of(slot: str) -> str:
    """The opening words of the form's question for that slot."""
    return DOMAIN["responses"][f"utter_ask_{slot}"][0]["text"][:30]


@dataclass
class Outcomes:
    """Every reply the chatting users got while the faults happened."""

    replies: int = 0
    polite: int = 0
    refused: int = 0  # the app itself was down: no connection (a browser shows a retry)
    bad: list[str] = field(default_factory=list)  # 5xx, an empty reply, a broken body


def talk(client: httpx.Client, sender: str, message: str, outcomes: Outcomes) -> list | None:
    try:
        response = client.post(
            "/webhooks/rest/webhook", json={"sender": sender, "message": message}
        )
    except httpx.TransportError:
        outcomes.refused += 1
        return None
    if response.status_code >= 500:
        outcomes.bad.append(f"{response.status_code} {response.text[:80]}")
        return None
    replies = response.json()
    if not isinstance(replies, list) or not replies:
        outcomes.bad.append(f"empty reply {response.text[:80]}")
        return None
    outcomes.replies += 1
    if any(RESTARTING in (reply.get("text") or "") for reply in replies):
        outcomes.polite += 1
        return None
    return replies


class LightLoad(threading.Thread):
    """A few people chatting all along (FAQ, status, the start of a proposal)."""

    MESSAGES = ("hello", "how long does the evaluation take?", "I want to submit a proposal",
                "Acme", "stop", "yes", "what's the status of SC-2026-00001?")  # fmt: skip

    def __init__(self, url: str, outcomes: Outcomes) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=url, timeout=40)
        self.outcomes = outcomes
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            sender = f"load-{uuid.uuid4()}"
            for message in self.MESSAGES:
                if self.stopping.is_set():
                    return
                talk(self.client, sender, message, self.outcomes)
                time.sleep(0.3)


def _supervisor(stack: Stack) -> list[str]:
    conf = ROOT / f"var/run/supervise-{stack.process.pid}/supervisord.conf"
    return [str(ROOT / ".venv/bin/supervisorctl"), "-c", str(conf)]


def kill_program(name: str):
    def kill(stack: Stack) -> None:
        pid = subprocess.run([*_supervisor(stack), "pid", name], capture_output=True, text=True)
        os.kill(int(pid.stdout.strip()), signal.SIGKILL)

    return kill


def kill_supervisor(stack: Stack) -> None:
    pidfile = ROOT / f"var/run/supervise-{stack.process.pid}/supervisord.pid"
    os.kill(int(pidfile.read_text().strip()), signal.SIGKILL)


def restart_postgresql(stack: Stack) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True
    )


def restart_redis(stack: Stack) -> None:
    subprocess.run(["redis-cli", "shutdown", "nosave"], check=False, capture_output=True)
    time.sleep(1)
    subprocess.run(REDIS_START, shell=True, check=True)


PROCESS_FAULTS = (
    ("a Rasa server, SIGKILL", kill_program("rasa-0")),
    ("the other Rasa server, SIGKILL", kill_program("rasa-1")),
    ("the action server, SIGKILL", kill_program("actions")),
    ("the app, SIGKILL", kill_program("app")),
    ("the scheduler, SIGKILL", kill_program("scheduler")),
    ("the supervisor, SIGKILL", kill_supervisor),
)
SERVICE_FAULTS = (
    ("PostgreSQL, restarted", restart_postgresql),
    ("Redis, restarted", restart_redis),
)


@pytest.fixture(scope="module")
def production_stack() -> Stack:
    """PostgreSQL for data and conversations, Redis for Rasa's locks, two Rasa servers."""
    with postgres_schema() as url:
        stack = Stack(database_url=url, env={"REDIS_URL": "redis://127.0.0.1:6379/3"})
        stack.start()
        try:
            yield stack
        finally:
            stack.stop()


def wait_healthy(stack: Stack, timeout: float = 180) -> None:
    """Until every part is up again, every Rasa server included: faults come one at a time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            health = httpx.get(f"{stack.url}/healthz", timeout=3)
            ready = health.json().get("rasa_servers_ready", "")
            if health.status_code == 200 and ready.split(" of ")[0] == ready.split(" of ")[-1]:
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise AssertionError("the stack did not become healthy again")


@pytest.mark.parametrize("faults", [PROCESS_FAULTS, SERVICE_FAULTS], ids=["processes", "services"])
def test_every_fault_is_answered_within_15_seconds_and_the_form_goes_on(production_stack, faults):
    stack = production_stack
    outcomes = Outcomes()
    vendor = httpx.Client(base_url=stack.url, timeout=40)
    sender = f"web-{uuid.uuid4()}"
    assert talk(vendor, sender, "I want to submit a proposal", outcomes)
    load = LightLoad(stack.url, outcomes)
    load.start()
    answers = list(PROPOSAL_ANSWERS)
    try:
        for index, (name, inject) in enumerate(faults):
            slot, answer = answers[index]
            next_slot = answers[index + 1][0]
            wait_healthy(stack)
            polite_before = outcomes.polite
            started = time.monotonic()
            inject(stack)
            answered = None
            while True:  # the vendor goes on typing the answer until it is taken
                replies_before = outcomes.replies
                replies = talk(vendor, sender, answer, outcomes)
                if answered is None and outcomes.replies > replies_before:
                    answered = time.monotonic() - started
                if replies is not None:
                    break
                assert time.monotonic() - started < 90, f"{name}: not taken in 90 s"
                time.sleep(0.5)
            taken = time.monotonic() - started
            RECOVERY.append((name, answered, taken, outcomes.polite - polite_before))
            said = "\n".join(reply.get("text") or "" for reply in replies)
            assert question_of(next_slot) in said, f"{name}: the form did not go on: {said}"
        for slot, answer in answers[len(faults) :]:
            assert talk(vendor, sender, answer, outcomes) is not None, slot
        receipt = "\n".join(
            r.get("text") or "" for r in talk(vendor, sender, "Yes, submit", outcomes)
        )
        assert "Your reference is SC-" in receipt
    finally:
        load.stopping.set()
        load.join(60)
        _write_table()
    assert outcomes.bad == [], outcomes.bad
    given = dict(answers)
    with session_scope(stack.database_url) as session:
        submission = contacts.latest_submission_of_sender(session, sender)
        stored = {a.field: a.value for a in submissions.get_answers(session, submission.id)}
        contact = contacts.get_contact(session, submission.contact_id)
        assert drafts.get_draft(session, sender, Kind.proposal) is None
        submitted = session.exec(
            select(func.count()).select_from(Contact).where(Contact.sender_id == sender)
        ).one()
    assert submitted == 1  # submitted once, whatever was retried
    assert (contact.organisation, contact.email) == (given["organisation"], given["email"])
    for slot in ("problem", "solution", "timeline", "equity_impact"):
        assert stored[slot] == given[slot], slot
    for name, answered, _, _ in RECOVERY[-len(faults) :]:
        assert answered < ANSWER_LIMIT, f"{name}: silent for {answered:.1f} s"


def _write_table() -> None:
    lines = [
        "| fault | answered again after (s) | answer taken, form goes on after (s) "
        '| polite "restarting" replies meanwhile |',
        "|---|---:|---:|---:|",
        *(
            f"| {name} | {answered:.1f} | {taken:.1f} | {polite} |"
            for name, answered, taken, polite in RECOVERY
        ),
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "fault-recovery.md").write_text("\n".join(lines) + "\n")
