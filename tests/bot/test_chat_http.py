"""Chatting over real HTTP (uvicorn on a loopback port, a real database): polite replies
whatever Rasa does, Rasa's streaming mode, bodies capped before they are read, the
web chat page's cookie identity, and the page's language (the page itself, what each
message tells the assistant, the app's own replies, following the conversation's)."""

import json
import re
import secrets
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie

import httpx
import pytest
from sqlmodel import select

from actions.idea import ValidateIdeaForm
from storage import submissions
from storage.catalogue import text
from storage.db import session_scope
from storage.identity import is_browser_sender
from storage.models import Kind, SubmitterMessage
from storage.settings import get_settings
from storage.workflow import rules, transitions
from tests.support.live_app import live_app
from tests.support.misbehaving_rasa import MisbehavingRasa
from tests.support.rasa_events import rasa_set_language
from tests.support.stack import free_port
from tests.support.submissions import submitted

RESTARTING = text("chat.restarting")
FAILURES = ("down", "empty", "error", "not_a_list", "not_json", "slow")


@contextmanager
def app_with_rasa(monkeypatch, behaviour: str) -> Iterator[tuple[str, MisbehavingRasa | None]]:
    """The app in front of a Rasa that behaves so ("down": nothing listens)."""
    monkeypatch.setenv("ENTRYWAY_RASA_WORKERS", "1")
    monkeypatch.setenv("ENTRYWAY_ACTIONS_PORT", str(free_port()))
    monkeypatch.setenv("ENTRYWAY_RASA_TIMEOUT_SECONDS", "1")
    if behaviour == "down":
        monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(free_port()))
        with live_app() as url:
            yield url, None
        return
    with MisbehavingRasa(behaviour) as rasa:
        monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(rasa.port))
        with live_app() as url:
            yield url, rasa


def lines(response: httpx.Response) -> list[dict]:
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


# --- 1. polite replies, never [] nor 5xx --------------------------------------------------


@pytest.mark.parametrize("behaviour", FAILURES)
def test_a_rasa_that_fails_gets_a_polite_restarting_reply(app_settings, monkeypatch, behaviour):
    with app_with_rasa(monkeypatch, behaviour) as (url, _):
        started = time.monotonic()
        response = httpx.post(
            f"{url}/webhooks/rest/webhook", json={"sender": "vendor-7", "message": "hello"}
        )
        assert time.monotonic() - started < 5  # the 1 s timeout, not Rasa's 3 s
        assert response.status_code == 200
        assert response.json() == [{"recipient_id": "vendor-7", "text": RESTARTING}]
        assert "nothing you gave so far is lost" in RESTARTING.lower()

        streamed = httpx.post(
            f"{url}/webhooks/rest/webhook?stream=true",
            json={"sender": "vendor-7", "message": "hello"},
        )
        assert streamed.status_code == 200
        assert lines(streamed) == [{"recipient_id": "vendor-7", "text": RESTARTING}]

        page = httpx.post(f"{url}/chat/message", json={"message": "hello"})
        assert page.status_code == 200
        [reply] = page.json()
        assert reply["text"] == RESTARTING and is_browser_sender(reply["recipient_id"])


@pytest.mark.parametrize("behaviour", ["cut_stream", "silent_stream", "huge_line_stream"])
def test_a_stream_cut_short_silent_or_unreadable_ends_with_the_restarting_reply(
    app_settings, monkeypatch, behaviour
):
    with app_with_rasa(monkeypatch, behaviour) as (url, _):
        response = httpx.post(
            f"{url}/webhooks/rest/webhook?stream=true", json={"sender": "s1", "message": "hi"}
        )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    expected = [{"recipient_id": "s1", "text": RESTARTING}]
    if behaviour != "silent_stream":  # what came before the failure is delivered first
        expected.insert(0, {"recipient_id": "s1", "text": "first"})
    assert lines(response) == expected


def test_the_stream_mode_is_passed_to_rasa_and_other_parameters_are_checked(
    app_settings, monkeypatch
):
    with app_with_rasa(monkeypatch, "echo") as (url, rasa):
        body = {"sender": "s2", "message": "hi"}
        httpx.post(f"{url}/webhooks/rest/webhook?stream=true&token=", json=body)
        httpx.post(f"{url}/webhooks/rest/webhook", json=body)
        bad = httpx.post(f"{url}/webhooks/rest/webhook?stream=maybe", json=body)
    assert [r["path"] for r in rasa.requests] == [
        "/webhooks/rest/webhook?stream=true",
        "/webhooks/rest/webhook",
    ]
    assert bad.status_code == 422 and bad.json()["detail"]


# --- 3. request bodies capped before they are read ---------------------------------------


def raw_request(url: str, head: str, body: bytes = b"", wait: float = 5.0) -> bytes:
    """Sends `head` (and `body`) on a plain socket and returns what comes back first."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as connection:
        connection.sendall(head.encode() + body)
        return connection.recv(65536)


@pytest.mark.parametrize("path", ["/webhooks/rest/webhook", "/chat/message", "/chat/inbox"])
def test_a_declared_huge_body_is_refused_without_waiting_for_it(app_settings, monkeypatch, path):
    with app_with_rasa(monkeypatch, "echo") as (url, rasa):
        head = (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 50000000\r\n\r\n"
        )
        started = time.monotonic()
        answer = raw_request(url, head, b'{"sender": "a", ')  # 50 MB announced, 16 B sent
        assert time.monotonic() - started < 2
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert rasa.requests == []


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_cap(app_settings, monkeypatch):
    with app_with_rasa(monkeypatch, "echo") as (url, rasa):
        head = (
            "POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"x" * 16384
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(5))  # 80 KB, open
        answer = raw_request(url, head, body)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert rasa.requests == []


# --- 6. the web chat page's identity: a cookie the app issues -----------------------------


def cookies_set(response: httpx.Response) -> dict[str, SimpleCookie]:
    jar: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            jar[name] = cookie
    return jar


def attributes(response: httpx.Response, name: str) -> dict[str, str]:
    morsel = cookies_set(response)[name][name]
    return {key: str(value) for key, value in morsel.items() if value} | {"value": morsel.value}


def test_the_app_issues_an_http_only_lax_session_identity(app_settings, monkeypatch):
    with app_with_rasa(monkeypatch, "echo") as (url, _), httpx.Client(base_url=url) as browser:
        first = browser.get("/chat/session")
        assert first.json() == {"remembered": False}
        identity = attributes(first, "entryway_id")
        assert is_browser_sender(identity["value"])
        # Lax: sent on a link from the City's own sites (a top-level GET), on no other
        # site's POST, fetch or frame.
        assert identity["httponly"] and identity["samesite"].lower() == "lax"
        assert identity["path"] == "/" and "secure" not in identity  # plain HTTP here
        assert "max-age" not in identity and "expires" not in identity  # this session only

        # Every message goes to Rasa as that identity, with this browser session's id.
        [reply] = browser.post("/chat/message", json={"message": "hi"}).json()
        said = json.loads(reply["text"])
        assert said["sender"] == identity["value"] == reply["recipient_id"]
        assert said["metadata"] == {
            "browser_session": browser.cookies["entryway_visit"],
            "language": "en",  # the page's language (here: no page, no browser preference)
            "client": "127.0.0.1",  # for the assistant's limits, set by the app
        }
        # The cookies are not set again on every answer.
        assert "set-cookie" not in browser.post("/chat/inbox").headers


def test_remember_me_makes_the_identity_last_30_days_and_new_conversation_renews_it(
    app_settings, monkeypatch
):
    with app_with_rasa(monkeypatch, "echo") as (url, _), httpx.Client(base_url=url) as browser:
        sender = browser.get("/chat/session").cookies["entryway_id"]
        remembered = browser.put("/chat/session", json={"remember": True})
        assert remembered.json() == {"remembered": True}
        identity = attributes(remembered, "entryway_id")
        assert identity["value"] == sender and identity["max-age"] == str(30 * 24 * 3600)
        assert browser.get("/chat/session").json() == {"remembered": True}

        renewed = browser.post("/chat/session")  # "Start a new conversation"
        assert renewed.json() == {"remembered": True}
        assert attributes(renewed, "entryway_id")["value"] != sender
        forgotten = browser.put("/chat/session", json={"remember": False})
        assert forgotten.json() == {"remembered": False}
        assert "max-age" not in attributes(forgotten, "entryway_id")
        assert browser.post("/chat/session", json={"remember": False}).json() == {
            "remembered": False
        }


def test_the_cookie_is_secure_when_the_page_is_served_over_https(app_settings, monkeypatch):
    monkeypatch.setenv("ENTRYWAY_TRUSTED_PROXIES", "127.0.0.1")
    with app_with_rasa(monkeypatch, "echo") as (url, _):
        # HAProxy terminating TLS says so; the app believes it from the proxy it trusts.
        response = httpx.get(f"{url}/chat/session", headers={"X-Forwarded-Proto": "https"})
    assert attributes(response, "entryway_id")["secure"]


def test_an_identity_the_app_did_not_issue_is_replaced(app_settings, monkeypatch):
    with app_with_rasa(monkeypatch, "echo") as (url, _):
        for chosen in ("web-123", "browser-short", "slack-T1-U1"):
            response = httpx.post(
                f"{url}/chat/message", json={"message": "hi"}, cookies={"entryway_id": chosen}
            )
            issued = response.cookies["entryway_id"]
            assert issued != chosen and is_browser_sender(issued)
            assert response.json()[0]["recipient_id"] == issued


def test_rest_clients_cannot_speak_as_a_browser_identity(app_settings, monkeypatch):
    with app_with_rasa(monkeypatch, "echo") as (url, rasa):
        sender = httpx.get(f"{url}/chat/session").cookies["entryway_id"]
        webhook = f"{url}/webhooks/rest/webhook"
        response = httpx.post(webhook, json={"sender": sender, "message": "hi"})
        own = httpx.post(webhook, json={"sender": "my-client-42", "message": "hi"})
    assert response.status_code == 400
    assert "reserved for the web chat page" in response.json()["detail"]
    assert own.status_code == 200
    assert [r["sender"] for r in rasa.requests] == ["my-client-42"]


def staff_wrote_to(sender: str) -> str:
    """A submission by `sender` and a question staff asked about it (unseen news)."""
    new = ValidateIdeaForm().build_submission(
        sender,
        "web",
        {
            "idea_text": "Drinking fountains along the Butler Trail",
            "idea_location": "Lady Bird Lake",
            "idea_beneficiaries": "Runners",
            "idea_contact": "runner@example.org",
            "idea_publish": "yes",
        },
    )
    with session_scope(get_settings().database_url) as session:
        reference = submissions.create_submission(session, new, get_settings().zone).reference
        transitions.request_info(session, reference, rules.Staff("cli:operator:ann"), "Which part?")
    return reference


def unseen(sender: str) -> int:
    """How many of the sender's messages are still news (without handing them out)."""
    with session_scope(get_settings().database_url) as session:
        mine = select(SubmitterMessage).where(SubmitterMessage.sender_id == sender)
        return sum(message.shown_at is None for message in session.exec(mine))


def test_the_inbox_answers_the_cookie_identity_never_a_sender_id_in_the_body(
    app_settings, monkeypatch
):
    with app_with_rasa(monkeypatch, "echo") as (url, _), httpx.Client(base_url=url) as browser:
        browser.get("/chat/session")
        page_identity = browser.cookies["entryway_id"]
        staff_wrote_to("vendor-42")
        staff_wrote_to(page_identity)
        for sender in ("vendor-42", page_identity, "slack-T1-U1"):
            named = httpx.post(f"{url}/chat/inbox", json={"sender": sender})
            assert named.status_code == 400, sender
            assert "never for a sender id" in named.json()["detail"]
            # The page's own request with a body is no exception: its cookie decides.
            assert browser.post("/chat/inbox", json={"sender": sender}).status_code == 400
        assert unseen("vendor-42") == 1 and unseen(page_identity) == 1  # nothing marked seen

        [news] = browser.post("/chat/inbox").json()
        assert "Which part?" in news["text"] and news["recipient_id"] == page_identity
        assert browser.post("/chat/inbox").json() == []  # handed out once
        assert unseen("vendor-42") == 1
        # A stranger's request (no cookie) reads a fresh identity's empty inbox.
        assert httpx.post(f"{url}/chat/inbox").json() == []


def test_with_a_rest_token_the_rest_channel_answers_only_requests_carrying_it(
    app_settings, monkeypatch
):
    token = "-" + secrets.token_urlsafe(24)  # even one that starts like an option
    monkeypatch.setenv("ENTRYWAY_REST_TOKEN", token)
    body = {"sender": "integration-7", "message": "hi"}
    with app_with_rasa(monkeypatch, "echo") as (url, rasa):
        webhook = f"{url}/webhooks/rest/webhook"
        refused = [
            httpx.post(webhook, json=body),
            httpx.post(webhook, json=body, headers={"Authorization": f"Bearer {token}x"}),
            httpx.post(webhook, json=body, headers={"Authorization": f"Basic {token}"}),
            httpx.post(webhook, json=body, headers={"Authorization": "Bearer"}),
            httpx.post(f"{webhook}?stream=true", json=body),
        ]
        assert rasa.requests == []  # nothing reached the assistant
        answered = httpx.post(webhook, json=body, headers={"Authorization": f"Bearer {token}"})
        page = httpx.post(f"{url}/chat/message", json={"message": "hi"})  # the page: cookie
    for response in refused:
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "Authorization: Bearer <token>" in response.json()["detail"]
    assert answered.status_code == 200 and answered.json()[0]["recipient_id"] == "integration-7"
    assert page.status_code == 200
    assert rasa.requests[0]["sender"] == "integration-7" and len(rasa.requests) == 2


CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "https://attacker.example"},
    {"Origin": "https://attacker.example"},  # a browser without Sec-Fetch-*
    {"Origin": "null"},  # a sandboxed frame or a file
]


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_a_cross_site_request_never_replaces_a_remembered_identity(
    app_settings, monkeypatch, headers
):
    with app_with_rasa(monkeypatch, "echo") as (url, rasa), httpx.Client(base_url=url) as browser:
        browser.get("/chat/session")
        remembered = browser.put("/chat/session", json={"remember": True}).cookies["entryway_id"]
        # Lax sends no cookie with another site's POST: the request arrives as a stranger's.
        stranger = httpx.Client(base_url=url, headers=headers)
        attempts = [
            stranger.post("/chat/session", json={"remember": True}),
            stranger.post("/chat/session"),
            stranger.put("/chat/session", json={"remember": True}),
            stranger.post("/chat/message", json={"message": "hi"}),
            stranger.post("/chat/inbox"),
            stranger.get("/chat/session"),
        ]
        for response in attempts:
            assert response.status_code == 403, response.request.url
            assert "answers its own page only" in response.json()["detail"]
            assert "set-cookie" not in response.headers
        assert rasa.requests == []
        # A link from another site (a top-level GET, cookie sent under Lax) opens the
        # page; the page's own requests then go on as the remembered identity.
        assert browser.get("/", headers=headers).status_code == 200
        own = {"Sec-Fetch-Site": "same-origin", "Origin": url}
        assert browser.get("/chat/session", headers=own).json() == {"remembered": True}
        [reply] = browser.post("/chat/message", json={"message": "hi"}, headers=own).json()
        assert reply["recipient_id"] == remembered == browser.cookies["entryway_id"]
        stranger.close()


@pytest.mark.parametrize(
    "headers",
    [
        {},  # not a browser (curl, a script): it holds nobody's cookie
        {"Sec-Fetch-Site": "none"},  # typed in the address bar
        {"Sec-Fetch-Site": "same-site"},  # another of the City's sites, same registrable domain
        {"Origin": "{url}"},
    ],
)
def test_the_pages_own_and_non_browser_requests_are_issued_an_identity(
    app_settings, monkeypatch, headers
):
    with app_with_rasa(monkeypatch, "echo") as (url, _):
        headers = {name: value.format(url=url) for name, value in headers.items()}
        response = httpx.get(f"{url}/chat/session", headers=headers)
    assert response.status_code == 200
    assert is_browser_sender(response.cookies["entryway_id"])


def test_the_client_the_assistant_counts_is_the_apps_never_the_requests(app_settings, monkeypatch):
    forged = {"client": "198.51.100.99", "browser_session": "x" * 22}
    with app_with_rasa(monkeypatch, "echo") as (url, rasa):
        httpx.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": "vendor-9", "message": "hi", "metadata": forged},
            headers={"X-Forwarded-For": "198.51.100.99"},  # from no trusted proxy
        )
    assert rasa.requests[0]["metadata"] == {"client": "127.0.0.1"}


# --- 7. the page's language ---------------------------------------------------------------


def page_texts(html: str) -> dict:
    """The texts the page gives its script (the JSON block #page-texts)."""
    block = re.search(r'<script id="page-texts" type="application/json">(.*?)</script>', html)
    assert block, "the page carries its script's texts"
    return json.loads(block.group(1))


def test_the_page_is_written_in_the_browsers_language_or_the_one_chosen_with_the_switch(
    app_settings, monkeypatch
):
    with app_with_rasa(monkeypatch, "echo") as (url, _), httpx.Client(base_url=url) as browser:
        spanish = browser.get("/", headers={"Accept-Language": "es-US,es;q=0.9,en;q=0.8"})
        assert spanish.headers["content-language"] == "es"
        assert "Accept-Language" in spanish.headers["vary"]
        assert (
            '<html lang="es">' in spanish.text and '<label for="message">Tu mensaje' in spanish.text
        )
        assert "set-cookie" not in spanish.headers  # following the browser: nothing to keep
        texts = page_texts(spanish.text)
        assert texts["language"] == "es" and texts["greeting"].startswith("¡Hola! Soy Entryway.")
        # The menu sends intents, never sentences the model would have to read, with the
        # page's language (Rasa reads a payload without the language detector).
        assert [(b["title"], b["payload"]) for b in texts["menu"]] == [
            ("Enviar una propuesta", '/submit_proposal{"language":"es"}'),
            ("Compartir una idea", '/suggest_idea{"language":"es"}'),
            ("Consultar un estado", '/check_status{"language":"es"}'),
            ("Ayuda", '/help{"language":"es"}'),
        ]
        # The switch: a link per language, each named in itself, the current one marked.
        assert '<a href="?lang=en" lang="en" hreflang="en">English</a>' in spanish.text
        assert 'hreflang="es" aria-current="true">Español</a>' in spanish.text

        english = browser.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
        assert '<html lang="en">' in english.text and "Your message" in english.text
        assert page_texts(english.text)["menu"][0] == {
            "title": "Submit a proposal",
            "payload": '/submit_proposal{"language":"en"}',
        }

        chosen = browser.get("/?lang=es", headers={"Accept-Language": "en"})
        assert '<html lang="es">' in chosen.text
        assert attributes(chosen, "entryway_language")["value"] == "es"
        assert attributes(chosen, "entryway_language")["max-age"] == str(365 * 24 * 3600)
        # Remembered: later visits are in Spanish whatever the browser prefers...
        assert '<html lang="es">' in browser.get("/", headers={"Accept-Language": "en"}).text
        # ...until the person switches back.
        browser.get("/?lang=en")
        assert '<html lang="en">' in browser.get("/", headers={"Accept-Language": "es"}).text
        # A language Entryway does not speak changes nothing.
        assert '<html lang="en">' in browser.get("/?lang=fr").text


def test_each_message_tells_the_assistant_the_pages_language(app_settings, monkeypatch):
    with app_with_rasa(monkeypatch, "echo") as (url, rasa), httpx.Client(base_url=url) as browser:
        browser.post("/chat/message", json={"message": "/submit_proposal", "language": "es"})
        # Without a language in the body: the page's cookie, else the browser's preference.
        browser.post("/chat/message", json={"message": "hola"}, headers={"Accept-Language": "es"})
        browser.get("/?lang=en")
        browser.post("/chat/message", json={"message": "ok"}, headers={"Accept-Language": "es"})
        wrong = [
            browser.post("/chat/message", json={"message": "hi", "language": language})
            for language in ("fr", "ES", 7, "")
        ]
    assert [r["metadata"]["language"] for r in rasa.requests] == ["es", "es", "en"]
    for response in wrong:
        assert (
            response.status_code == 400
            and "'language' must be one of en, es" in (response.json()["detail"])
        )


def test_the_apps_own_replies_are_in_the_pages_language(app_settings, monkeypatch):
    spanish = {"message": "", "language": "es"}
    with app_with_rasa(monkeypatch, "echo") as (url, rasa):
        [empty] = httpx.post(f"{url}/chat/message", json=spanish).json()
        long = {"message": "x" * 5001, "language": "es"}
        [too_long] = httpx.post(f"{url}/chat/message", json=long).json()
        [streamed] = lines(httpx.post(f"{url}/chat/message?stream=true", json=spanish))
    assert (
        empty["text"]
        == text("chat.empty", "es")
        == "No recibí ningún texto. ¿Qué te gustaría hacer?"
    )
    assert too_long["text"].startswith("Ese mensaje tiene 5,001 caracteres")
    assert streamed["text"] == empty["text"]
    assert rasa.requests == []  # refused before the assistant
    with app_with_rasa(monkeypatch, "down") as (url, _):
        [restarting] = httpx.post(
            f"{url}/chat/message", json={"message": "hola", "language": "es"}
        ).json()
        [rest] = httpx.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": "cliente-1", "message": "hola"},
            headers={"Accept-Language": "es-MX"},
        ).json()
    assert restarting["text"] == text("chat.restarting", "es") == rest["text"]
    assert "No se pierde nada" in restarting["text"]


def test_the_answer_names_the_conversations_language_so_the_page_can_follow_it(
    app_settings, monkeypatch
):
    with app_with_rasa(monkeypatch, "echo") as (url, _), httpx.Client(base_url=url) as browser:
        sender = browser.get("/chat/session").cookies["entryway_id"]
        before = browser.post("/chat/message", json={"message": "hi", "language": "en"})
        assert before.headers["content-language"] == "en"  # no tracker yet: the page's own

        # The person wrote Spanish on the English page: Rasa set the slot to "es".
        rasa_set_language(app_settings, sender, "en", "es")
        rasa_set_language(app_settings, "browser-someone-else", "en")
        after = browser.post("/chat/message", json={"message": "hola", "language": "en"})
        assert after.headers["content-language"] == "es"

        rasa_set_language(app_settings, sender, None)  # the slot emptied: the page keeps its own
        reset = browser.post("/chat/message", json={"message": "ok", "language": "en"})
        assert reset.headers["content-language"] == "en"


def test_the_inbox_is_in_the_submitters_language_unless_they_chose_the_pages(
    app_settings, monkeypatch
):
    staff = rules.Staff("cli:operator:ann")
    with app_with_rasa(monkeypatch, "echo") as (url, _), httpx.Client(base_url=url) as browser:
        sender = browser.get("/chat/session").cookies["entryway_id"]
        reference = submitted(app_settings, sender, "es", Kind.idea, email=None)
        with session_scope(app_settings) as session:
            transitions.advance(session, reference.reference, staff)
        # No language chosen on the page: the submitter's own, their contact's.
        [news] = browser.post("/chat/inbox").json()
        assert news["text"].startswith(f"Novedades sobre {reference.reference}")

        with session_scope(app_settings) as session:
            transitions.request_info(session, reference.reference, staff, "¿Qué tramo?")
        # The person switched the page to English: the news they read there is English.
        browser.get("/?lang=en")
        [question] = browser.post("/chat/inbox").json()
        assert question["text"].startswith(f"Update on {reference.reference}")
        assert "¿Qué tramo?" in question["text"]  # staff's own words, as written
        assert question["buttons"][0]["title"] == "Answer the City's question"
