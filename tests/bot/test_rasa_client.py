"""Which Rasa server the app sends a conversation's messages to (bot/rasa_client.py), over
real HTTP: two stand-in Rasa servers on consecutive ports, as `scripts/run-rasa` starts
them, and the app in front of them."""

import itertools
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import httpx

from bot.rasa_client import home_server
from storage import contacts, submissions
from storage.db import session_scope
from storage.identity import new_browser_sender
from storage.models import Kind
from storage.workflow import rules, transitions
from tests.support.live_app import live_app
from tests.support.misbehaving_rasa import MisbehavingRasa
from tests.support.stack import free_port, free_ports


def senders_at_home_on(server: int, count: int) -> list[str]:
    """Sender ids whose hash gives `server` of two."""
    ids = (f"vendor-{number}" for number in itertools.count())
    return list(itertools.islice((s for s in ids if home_server(s, 2) == server), count))


def say(url: str, sender: str) -> httpx.Response:
    return httpx.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": "hi"}, timeout=10
    )


def senders(rasa: MisbehavingRasa) -> list[str]:
    return [request["sender"] for request in rasa.requests if "sender" in request]


def test_a_new_conversation_goes_where_fewer_messages_wait_and_stays_there(
    app_settings, monkeypatch
):
    first, second, third = senders_at_home_on(0, 3)
    base = free_ports(2)
    busy = MisbehavingRasa("slow", slow_seconds=1.0, port=base)
    free = MisbehavingRasa("echo", port=base + 1)
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(base))
    monkeypatch.setenv("ENTRYWAY_RASA_WORKERS", "2")
    monkeypatch.setenv("ENTRYWAY_ACTIONS_PORT", str(free_port()))
    with busy, free, live_app() as url, ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(say, url, first)
        while first not in senders(busy):
            assert not waiting.done(), waiting.result()
            time.sleep(0.01)
        # The hash says server 0 for `second` too, but a message waits there.
        assert say(url, second).status_code == 200
        assert senders(free) == [second]
        assert waiting.result().status_code == 200
        # Nothing waits anywhere now: `second` stays where its conversation is kept...
        say(url, second)
        assert senders(free) == [second, second]
        # ...and a new conversation goes where its hash says.
        say(url, third)
        assert senders(busy) == [first, third]


def asked_a_question(database: str, sender: str) -> None:
    """A submission by `sender`, on which staff wait for an answer."""
    new = submissions.NewSubmission(
        kind=Kind.idea,
        title="Shade on the trail",
        category="Other",
        answers={"idea_text": "Trees"},
        confidential_fields=frozenset(),
        contact=contacts.ContactDetails(sender_id=sender, channel="rest"),
        procurement_path=None,
        procurement_reason=None,
    )
    operator = rules.Staff("cli:operator:test")
    with session_scope(database) as session:
        reference = submissions.create_submission(session, new, ZoneInfo("America/Chicago"))
        transitions.advance(session, reference.reference, operator)  # received -> screening
        transitions.request_info(session, reference.reference, operator, "Which trail?")


def pages_at_home_on(server: int, count: int) -> list[str]:
    """Web chat page identities (as the app issues them) whose hash gives `server` of two."""
    ids = (new_browser_sender() for _ in itertools.count())
    return list(itertools.islice((s for s in ids if home_server(s, 2) == server), count))


def say_on_page(url: str, sender: str) -> httpx.Response:
    cookies = {"entryway_id": sender, "entryway_visit": secrets.token_urlsafe(16)}
    return httpx.post(f"{url}/chat/message", json={"message": "hi"}, cookies=cookies, timeout=10)


def test_an_open_question_is_set_in_the_conversation_on_its_home_server_first(
    app_settings, monkeypatch
):
    waiting, idle = pages_at_home_on(1, 2)
    # A REST client's own sender id proves nothing: its question is shown, and answered,
    # only with the private status code (the Answer button), never flagged for typing.
    rest = next(s for s in (f"vendor-{n}" for n in itertools.count()) if home_server(s, 2) == 0)
    for sender in (waiting, rest):
        asked_a_question(app_settings, sender)
    base = free_ports(2)
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(base))
    monkeypatch.setenv("ENTRYWAY_RASA_WORKERS", "2")
    monkeypatch.setenv("ENTRYWAY_ACTIONS_PORT", str(free_port()))
    other, home = MisbehavingRasa("echo", port=base), MisbehavingRasa("echo", port=base + 1)
    with other, home, live_app() as url:
        for sender in (idle, waiting):
            assert say_on_page(url, sender).status_code == 200
        assert say(url, rest).status_code == 200
    # Nothing before the message of a person nobody waits for; for the one staff wait
    # for, the slot first, on the server the message then went to.
    assert [r["path"] for r in home.requests] == [
        "/webhooks/rest/webhook",
        f"/conversations/{waiting}/tracker/events?include_events=NONE",
        "/webhooks/rest/webhook",
    ]
    assert home.requests[1]["events"] == [{"event": "slot", "name": "question_open", "value": True}]
    assert senders(home) == [idle, waiting]
    # The REST client's message goes ahead as a plain message.
    assert [r["path"] for r in other.requests] == ["/webhooks/rest/webhook"]
    assert senders(other) == [rest]


def test_when_rasa_refuses_the_open_question_the_person_is_told_it_is_restarting(
    app_settings, monkeypatch
):
    [sender] = pages_at_home_on(0, 1)
    asked_a_question(app_settings, sender)
    base = free_port()
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(base))
    monkeypatch.setenv("ENTRYWAY_ACTIONS_PORT", str(free_port()))
    with MisbehavingRasa("error", port=base) as rasa, live_app() as url:
        replies = say_on_page(url, sender).json()
    assert "restarting" in replies[0]["text"]
    assert senders(rasa) == []  # the message waits for the person to send it again
