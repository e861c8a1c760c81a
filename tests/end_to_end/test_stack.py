"""End to end on the real stack: Rasa, the action server, the app and the database."""

import os
import re
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from storage import drafts, process_tokens
from storage.db import session_scope
from storage.models import Kind
from tests.support.conversation import CONFIDENTIAL_VALUES, PROPOSAL_ANSWERS, Conversation
from tests.support.stack import ROOT, Stack, port_is_open

pytestmark = pytest.mark.stack


def new_conversation(stack) -> Conversation:
    return Conversation(stack.url, f"test-{uuid.uuid4()}")


@pytest.fixture
def stack_of_its_own(tmp_path: Path) -> Iterator[Stack]:
    """A stack for a test that stops or restarts it: the session's `stack`, which every
    other test shares, is never restarted under them."""
    running = Stack(database_url=f"sqlite:///{tmp_path / 'entryway.db'}")
    running.start()
    try:
        yield running
    finally:
        running.stop()


def processes_in_session(session_id: int) -> list[int]:
    """The processes of the session the stack's supervisor leads (tests/support/stack.py
    starts it in a session of its own; everything it starts stays in it)."""
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[3]) == session_id:
            found.append(int(stat_file.parent.name))
    return found


def test_health_reports_every_component(stack):
    body = httpx.get(f"{stack.url}/healthz").json()
    # Every checkpoint the windowed tracker store tried so far rebuilt its conversation.
    assert re.fullmatch(r"0 of \d+", body.pop("tracker_checkpoint_fallbacks")), body
    assert body == {
        "status": "ok",
        "app": "ok",
        "rasa": "ok",
        "actions": "ok",
        "database": "ok",
        "rasa_servers_ready": "2 of 2",
    }


def test_every_process_boundary_asks_for_its_token_generated_by_make_run(stack):
    """No token set (tests/support/stack.py unsets them): `make run` generated Rasa's and the
    action server's, kept for the service user only; without them, nothing on the host
    can call Rasa's HTTP API, its REST channel (as any sender) or the action server."""
    kept = ROOT / "var" / "secrets.env"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and kept.stat().st_uid == os.geteuid()
    tokens = process_tokens.read(kept)
    rasa = f"http://127.0.0.1:{stack.ports['ENTRYWAY_RASA_PORT']}"
    actions = f"http://127.0.0.1:{stack.ports['ENTRYWAY_ACTIONS_PORT']}"
    rasa_token, actions_token = tokens["ENTRYWAY_RASA_TOKEN"], tokens["ENTRYWAY_ACTIONS_TOKEN"]
    wrong = {"token": rasa_token[:-1]}
    text = {"text": "I want to submit a proposal"}
    someone = {"sender": "browser-" + "A" * 32, "message": "hello"}
    call = {
        "next_action": "action_greet",
        "sender_id": "test-token",
        "tracker": TRACKER,
        "domain": yaml.safe_load((ROOT / "domain.yml").read_text()),
    }

    for params in ({}, wrong, {"token": actions_token}):
        assert httpx.post(f"{rasa}/model/parse", json=text, params=params).status_code == 401
        webhook = httpx.post(f"{rasa}/webhooks/rest/webhook", json=someone, params=params)
        assert webhook.status_code == 401
    for params in ({}, {"token": rasa_token}):
        assert httpx.post(f"{actions}/webhook", json=call, params=params).status_code == 401

    # Rasa's HTTP API answers with the token (what docs/http-interface.md promises).
    with_token = {"token": rasa_token}
    parsed = httpx.post(f"{rasa}/model/parse", json=text, params=with_token).json()
    assert parsed["intent"]["name"] == "submit_proposal"
    replies = httpx.post(
        f"{rasa}/webhooks/rest/webhook",
        json={"sender": f"test-{uuid.uuid4()}", "message": "hello"},
        params=with_token,
        timeout=60,
    )
    assert replies.status_code == 200 and replies.json()
    answered = httpx.post(f"{actions}/webhook", json=call, params={"token": actions_token})
    assert answered.status_code == 200 and answered.json()["responses"]

    # Nowhere another user of the host could read them: no process's command line (ps),
    # and Rasa's endpoints file (the action server's token) is the service user's alone.
    for command_line in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = command_line.read_bytes()
        except OSError:  # the process ended meanwhile
            continue
        assert rasa_token.encode() not in words and actions_token.encode() not in words
    [endpoints] = (ROOT / "var" / "run").glob(
        f"supervise-*/rasa-endpoints-{stack.ports['ENTRYWAY_RASA_PORT']}.yml"
    )
    assert actions_token in endpoints.read_text()
    assert stat.S_IMODE(endpoints.stat().st_mode) == 0o600


TRACKER = {
    "sender_id": "test-token",
    "slots": {},
    "latest_message": {"text": "hello", "intent": {"name": "greet"}, "entities": []},
    "events": [],
    "paused": False,
    "followup_action": None,
    "active_loop": {},
    "latest_action_name": "action_listen",
}


def test_a_restart_loses_neither_submissions_nor_the_conversation_in_progress(
    stack_of_its_own: Stack,
):
    stack = stack_of_its_own
    chat = new_conversation(stack)
    reference = chat.submit_proposal()
    assert re.fullmatch(r"SC-\d{4}-\d{5}", reference)
    unfinished = new_conversation(stack)
    unfinished.say("I want to submit a proposal")
    for _, answer in PROPOSAL_ANSWERS[:3]:
        unfinished.say(answer)

    stack.restart()

    # The conversation itself survived (the SQL tracker store): the form goes on at
    # the question it was at, the phone number.
    assert "website" in unfinished.text(unfinished.say("+1 512 555 0123"))
    # Someone who only kept the draft (a new conversation) is offered it back.
    with session_scope(stack.database_url) as session:
        assert (
            drafts.get_draft(session, unfinished.sender, Kind.proposal).answers["phone"]
            == "+1 512 555 0123"
        )

    status = httpx.get(f"{stack.url}/api/proposals/{reference}")
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "received"
    assert body["kind"] == "proposal"
    assert body["title"] == "Proposal awaiting screening"  # public once staff screened it
    assert body["next_step"]
    lower_case = httpx.get(f"{stack.url}/api/proposals/{reference.lower()}")
    assert lower_case.json()["reference"] == reference

    public = "\n".join(
        httpx.get(f"{stack.url}{path}").text
        for path in (
            f"/api/proposals/{reference}",
            "/api/open-data/proposals.json",
            "/api/open-data/proposals.csv",
        )
    )
    assert reference in public
    for value in CONFIDENTIAL_VALUES:
        assert value.lower() not in public.lower(), value


def test_status_question_in_chat_finds_the_submission(stack):
    chat = new_conversation(stack)
    reference = chat.submit_proposal()
    reply = chat.text(chat.say(f"what's the status of {reference.lower()}?"))
    assert reference in reply and "received" in reply


def test_why_faq_change_and_stop_inside_the_form(stack):
    chat = new_conversation(stack)
    chat.say("I want to submit a proposal")
    chat.say("Zephyr Kinetics Holdings")
    why = chat.text(chat.say("why do you ask?"))
    assert "reach a named person" in why  # the reason for the contact-name question
    assert "Who should the City contact" in why  # ...and the question again
    chat.say("Quillon Marbeck")
    faq = chat.text(chat.say("is my proposal confidential?"))
    assert "Public Information Act" in faq
    assert "email address" in faq  # the form resumes at the email question
    assert "doesn't look like an email" in chat.text(chat.say("not-an-email"))
    chat.say("quillon@example.org")
    changed = chat.text(chat.say("change my organisation"))
    assert "name of your organisation" in changed
    assert "phone number" in chat.text(chat.say("Zephyr Kinetics LLC"))
    confirm = chat.text(chat.say("stop"))
    assert "stop here" in confirm
    stopped = chat.text(chat.say("yes"))
    assert "saved as a draft" in stopped


def test_a_stopped_draft_is_offered_again_and_resumes(stack):
    chat = new_conversation(stack)
    chat.say("I want to submit a proposal")
    for _, answer in PROPOSAL_ANSWERS[:4]:
        chat.say(answer)
    chat.say("stop")
    chat.say("yes")
    offer = chat.text(chat.say("I want to submit a proposal"))
    assert "unfinished proposal with 4 answers" in offer
    resumed = chat.text(chat.say("yes"))
    assert "website" in resumed  # the fifth question, not the first


def test_hostile_and_odd_messages_get_polite_replies_and_keep_the_draft(stack):
    chat = new_conversation(stack)
    chat.say("I want to submit a proposal")
    chat.say("Zephyr Kinetics Holdings")
    for message in [
        "<script>alert('x')</script>",
        "🚦🚌🚲",
        "x" * 10_000,
        "   ",
        "'; DROP TABLE submission; --",
    ]:
        replies = chat.say(message)
        assert replies and all("recipient_id" in reply for reply in replies)
    offer = chat.text(new_conversation(stack).say("hello"))
    assert offer
    draft_reply = chat.text(chat.say("change my organisation"))
    assert "organisation" in draft_reply


def test_sigterm_stops_every_process(stack_of_its_own: Stack):
    stack = stack_of_its_own
    supervisor = stack.process.pid
    # Rasa's servers, the action server, the app, the scheduler, supervisord and the script.
    assert len(processes_in_session(supervisor)) >= 7
    code = stack.stop()
    # 0: the script ended by itself after stopping everything (stop() SIGKILLs it otherwise).
    assert code == 0
    assert processes_in_session(supervisor) == []
    for port in stack.listening_ports:
        assert not port_is_open(port)
    assert not (ROOT / "var" / "run" / f"supervise-{supervisor}").exists()
