"""Which Rasa server the app sends a conversation's messages to (bot/rasa_client.py), over
real HTTP: two stand-in Rasa servers on consecutive ports, as `scripts/run-rasa` starts
them, and the app in front of them."""

import itertools
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from bot.rasa_client import home_server
from tests.live_app import live_app
from tests.misbehaving_rasa import MisbehavingRasa
from tests.stack import free_port, free_ports


def senders_at_home_on(server: int, count: int) -> list[str]:
    """Sender ids whose hash gives `server` of two."""
    ids = (f"vendor-{number}" for number in itertools.count())
    return list(itertools.islice((s for s in ids if home_server(s, 2) == server), count))


def say(url: str, sender: str) -> httpx.Response:
    return httpx.post(
        f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": "hi"}, timeout=10
    )


def senders(rasa: MisbehavingRasa) -> list[str]:
    return [request["sender"] for request in rasa.requests]


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
