"""GET /healthz over real HTTP, with an action server stand-in that counts its probes: a
caller on this host gets a deep check each time; the public (here through a HAProxy on
this host that the app trusts) gets the last state, at most a second old, however often
it asks, and still sees a part go down."""

import math
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from bot.health import FRESH_FOR
from tests.support.live_app import live_app
from tests.support.stack import free_port

PUBLIC = {"X-Forwarded-For": "203.0.113.9"}  # as HAProxy forwards a stranger's request


class ActionServer:
    """Answers GET /health (200, or 500 once `down`), counting the calls."""

    def __init__(self) -> None:
        self.probes = 0
        self.down = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                pass

            def do_GET(self) -> None:
                server.probes += 1
                self.send_response(500 if server.down else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.port = free_port()
        self.http = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def health_url(app_settings, monkeypatch) -> Iterator[tuple[str, ActionServer]]:
    actions = ActionServer()
    monkeypatch.setenv("ENTRYWAY_ACTIONS_PORT", str(actions.port))
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(free_port()))  # Rasa down: 503 throughout
    monkeypatch.setenv("ENTRYWAY_RASA_WORKERS", "1")
    monkeypatch.setenv("ENTRYWAY_TRUSTED_PROXIES", "127.0.0.1")
    try:
        with live_app() as url:
            yield f"{url}/healthz", actions
    finally:
        actions.close()


def test_a_caller_on_this_host_gets_every_part_asked_each_time(health_url):
    url, actions = health_url
    answers = [httpx.get(url) for _ in range(3)]
    assert actions.probes == 3
    assert all("age" not in answer.headers for answer in answers)
    assert answers[0].status_code == 503
    assert answers[0].json() == {
        "status": "unavailable",
        "app": "ok",
        "rasa": "unavailable",
        "actions": "ok",
        "database": "ok",
        "rasa_servers_ready": "0 of 1",
    }


def test_a_database_that_cannot_be_reached_is_a_503_that_says_so(app_settings, monkeypatch):
    """No database (a PostgreSQL port nothing listens on): the deep check says which part
    is down, as JSON, and leaves out the tracker-checkpoint count it could not read,
    rather than failing."""
    unreachable = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test?connect_timeout=2"
    monkeypatch.setenv("DATABASE_URL", unreachable)
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(free_port()))
    monkeypatch.setenv("ENTRYWAY_RASA_WORKERS", "1")
    with live_app() as url:
        answer = httpx.get(f"{url}/healthz", timeout=30)
    assert answer.status_code == 503
    body = answer.json()
    assert body["database"] == "unavailable" and body["status"] == "unavailable"
    assert "tracker_checkpoint_fallbacks" not in body


def test_the_public_gets_the_last_state_however_often_it_asks(health_url):
    url, actions = health_url
    local = httpx.get(url).json()
    began = time.monotonic()
    answers = [httpx.get(url, headers=PUBLIC) for _ in range(40)]
    elapsed = time.monotonic() - began
    # The check made for this host above counts too: it is the state the public gets.
    assert actions.probes <= 1 + math.ceil(elapsed / FRESH_FOR)
    assert all(answer.json() == local and answer.status_code == 503 for answer in answers)
    assert all(int(answer.headers["age"]) <= FRESH_FOR for answer in answers)

    actions.down = True  # and a part that goes down shows, without a deep check of its own
    deadline = time.monotonic() + 10
    while httpx.get(url, headers=PUBLIC).json()["actions"] != "unavailable":
        assert time.monotonic() < deadline, "the public never saw the action server go down"
        time.sleep(0.2)
