"""The app's HTTP surface with a real database: public API, open data, bad input, Slack
signatures. Rasa is deliberately not running here; the stack tests cover the real one."""

import hashlib
import hmac
import json
import re
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient

from bot import public_api
from bot.app import SECURITY_HEADERS, create_app
from storage import catalogue, contacts, service_levels, submissions
from storage.catalogue import text
from storage.db import session_scope
from storage.languages import OWN_NAMES
from storage.models import Kind
from storage.settings import get_settings
from storage.workflow import rules, transitions
from tests.support.fake_slack import FakeSlack
from tests.support.stack import free_port

SIGNING_SECRET = "test-signing-secret"


@pytest.fixture
def client(app_settings, monkeypatch):
    monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(free_port()))  # nothing listens there
    monkeypatch.setenv("ENTRYWAY_ACTIONS_PORT", str(free_port()))
    get_settings.cache_clear()
    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def submit(url: str, title: str = "Smart benches") -> str:
    new = submissions.NewSubmission(
        kind=Kind.proposal,
        title=title,
        category="Other",
        answers={"solution": "TOPSECRET-SOLUTION", "timeline": "public timeline"},
        confidential_fields=frozenset({"solution"}),
        contact=contacts.ContactDetails(
            sender_id="web-x", email="hidden@vendor.example", name="Hidden Name", phone="5125550100"
        ),
    )
    with session_scope(url) as session:
        return submissions.create_submission(session, new, ZoneInfo("America/Chicago")).reference


def test_public_status_has_exactly_the_interface_fields(client, app_settings):
    reference = submit(app_settings)
    response = client.get(f"/api/proposals/{reference}")
    assert response.status_code == 200
    body = response.json()
    assert {
        "reference",
        "kind",
        "title",
        "status",
        "submitted_at",
        "updated_at",
        "next_step",
        "next_decision_by",
    } <= set(body)
    # What comes next, as text (docs/http-interface.md), in the reader's language.
    assert body["next_step"] == text("status.next_step.received", "en")
    spanish = client.get(f"/api/proposals/{reference}", headers={"Accept-Language": "es"})
    assert spanish.json()["next_step"] == text("status.next_step.received", "es")
    # received: screened within 5 business days (service_levels.yml)
    calendar = service_levels.calendar("America/Chicago")
    due = calendar.add(calendar.local_date(datetime.now(UTC)), 5)
    assert body["status"] == "received" and body["next_decision_by"] == due.isoformat()
    assert client.get(f"/api/proposals/{reference.lower()}").json()["reference"] == reference


@pytest.mark.parametrize(
    "reference",
    ["SC-2026-1", "hello", "SC-26-00001", "SC-2026-000001", "%3Cscript%3E", "SC_2026_00001"],
)
def test_malformed_references_are_400(client, reference):
    response = client.get(f"/api/proposals/{reference}")
    assert response.status_code == 400
    assert "SC-YYYY-NNNNN" in response.json()["detail"]


def test_unknown_reference_is_404_json(client):
    response = client.get("/api/proposals/SC-2026-99999")
    assert response.status_code == 404
    assert response.json() == {"detail": "No submission with reference SC-2026-99999."}


def test_open_data_lists_public_fields_only_and_defuses_spreadsheet_formulas(client, app_settings):
    submit(app_settings)
    hostile = submit(app_settings, title='=HYPERLINK("http://evil.example")')
    with session_scope(app_settings) as session:  # screened: its title is published
        for _ in range(2):
            transitions.advance(session, hostile, rules.Staff("cli:operator:ann"))
    as_json = client.get("/api/open-data/proposals.json")
    as_csv = client.get("/api/open-data/proposals.csv")
    assert as_json.status_code == as_csv.status_code == 200
    assert len(as_json.json()) == 2
    assert as_csv.headers["content-type"].startswith("text/csv")
    lines = as_csv.text.splitlines()
    assert lines[0].startswith("reference,kind,title")
    assert len(lines) == 3 and "'=HYPERLINK" in lines[2]
    for leaked in (
        "TOPSECRET-SOLUTION",
        "hidden@vendor.example",
        "Hidden Name",
        "5125550100",
        "public timeline",
    ):
        assert leaked not in as_json.text and leaked not in as_csv.text


def test_open_data_is_read_a_page_at_a_time_and_every_row_comes_once_in_order(
    client, app_settings, monkeypatch
):
    monkeypatch.setattr(public_api, "ROWS_PER_CHUNK", 2)  # five rows: three pages
    references = [submit(app_settings, title=f"Bench {n}") for n in range(5)]
    as_json = client.get("/api/open-data/proposals.json")
    as_csv = client.get("/api/open-data/proposals.csv")
    with session_scope(app_settings) as session:
        everything, last = submissions.public_submissions_page(session, None, 100)
    assert last is None
    # The streamed body is what one JSON document of the whole list would be.
    whole = [row.model_dump(mode="json") for row in everything]
    assert as_json.content == json.dumps(whole, ensure_ascii=False, separators=(",", ":")).encode()
    assert [row["reference"] for row in as_json.json()] == references
    assert [line.split(",")[0] for line in as_csv.text.splitlines()[1:]] == references


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('{"message": "hi"}', "application/json", 400),
        ('{"sender": "", "message": "hi"}', "application/json", 400),
        ('{"sender": "' + "s" * 500 + '", "message": "hi"}', "application/json", 400),
        ('{"sender": "a", "message": 42}', "application/json", 400),
        ('{"sender": "a", "message": "hi"}', "text/plain", 415),
        ("sender=a&message=hi", "application/x-www-form-urlencoded", 415),
        ('{"sender": "a", "message": "' + "x" * 70_000 + '"}', "application/json", 413),
        (b"\xff\xfe\x00garbage", "application/json", 400),
    ],
)
def test_bad_webhook_requests_get_a_clear_4xx(client, body, content_type, status):
    response = client.post(
        "/webhooks/rest/webhook", content=body, headers={"Content-Type": content_type}
    )
    assert response.status_code == status
    assert response.json()["detail"]


@pytest.mark.parametrize("message", ["", "   \n\t ", "x" * 10_000])
def test_empty_and_huge_messages_get_a_polite_reply_without_reaching_rasa(client, message):
    response = client.post("/webhooks/rest/webhook", json={"sender": "web-1", "message": message})
    assert response.status_code == 200
    [reply] = response.json()
    assert reply["recipient_id"] == "web-1" and reply["text"]


def test_rasa_down_is_a_polite_reply_not_an_error(client):
    response = client.post("/webhooks/rest/webhook", json={"sender": "web-1", "message": "hi"})
    assert response.status_code == 200
    [reply] = response.json()
    assert reply["recipient_id"] == "web-1" and "restarting" in reply["text"]
    health = client.get("/healthz")
    assert health.status_code == 503
    # States only: no internal address or exception name for strangers to read.
    assert health.json() == {
        "status": "unavailable",
        "app": "ok",
        "rasa": "unavailable",
        "actions": "unavailable",
        "database": "ok",
        "rasa_servers_ready": "0 of 2",
    }


def test_chat_page_is_self_contained_and_locked_down(client):
    page = client.get("/")
    assert page.status_code == 200 and "aria-live" in page.text
    assert "http://" not in page.text and "https://" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    script = client.get("/static/chat.js").text
    assert "innerHTML" not in script and "textContent" in script


def test_every_response_carries_the_security_headers(client):
    responses = [
        client.get("/"),
        client.get("/static/chat.js"),
        client.get("/api/proposals/SC-2026-99999"),  # 404 JSON
        client.get("/api/proposals/not-a-reference"),  # 400 JSON
        client.post("/webhooks/rest/webhook", json={"sender": "x", "message": "hi"}),
        client.post("/webhooks/rest/webhook?stream=true", json={"sender": "x", "message": "hi"}),
        client.get("/no/such/page"),
    ]
    for response in responses:
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (response.request.url, name)
        # Once each, not appended to what the route said.
        assert len(response.headers.get_list("content-security-policy")) == 1


def test_chat_page_neither_chooses_nor_keeps_an_identity(client):
    """The identity is the app's HttpOnly cookie: the script never makes or stores one."""
    page = client.get("/").text
    assert 'type="checkbox" id="remember"' in page and "Remember me on this device" in page
    script = client.get("/static/chat.js").text
    for forbidden in ("Math.random", "randomUUID", "localStorage.setItem", "document.cookie"):
        assert forbidden not in script
    assert '"/chat/message"' in script and '"/webhooks/rest/webhook"' not in script
    session = client.get("/chat/session")
    assert session.json() == {"remembered": False}
    assert session.cookies["entryway_id"].startswith("browser-")


def test_slack_endpoint_is_404_when_slack_is_off(client):
    response = client.post("/slack/events", json={"type": "url_verification"})
    assert response.status_code == 404


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> dict[str, str]:
    base = f"v0:{timestamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature,
        "Content-Type": "application/json",
    }


@pytest.fixture
def slack_client(app_settings, monkeypatch):
    with FakeSlack() as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        get_settings.cache_clear()
        with TestClient(create_app(), raise_server_exceptions=False) as test_client:
            yield test_client


def test_slack_requests_are_verified(slack_client):
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "t"})
    now = int(time.time())
    good = slack_client.post("/slack/events", content=body, headers=sign(body, now))
    assert good.status_code == 200 and good.json() == {"challenge": "abc123"}
    bad = slack_client.post("/slack/events", content=body, headers=sign(body, now, "wrong"))
    assert bad.status_code == 401
    stale = slack_client.post("/slack/events", content=body, headers=sign(body, now - 3600))
    assert stale.status_code == 401
    unsigned = slack_client.post(
        "/slack/events", content=body, headers={"Content-Type": "application/json"}
    )
    assert unsigned.status_code == 401


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        ("", "application/json"),
        (
            '{"type": "event_callback", "event": {"type": "message", "text": "<b>hi</b>"}}',
            "application/json",
        ),
    ],
)
def test_signed_but_odd_slack_payloads_are_never_a_500(slack_client, body, content_type):
    headers = {
        **sign(body, int(time.time())),
        "Content-Type": content_type,
        "X-Slack-Retry-Num": "1",
        "X-Slack-Retry-Reason": "http_timeout",
    }
    response = slack_client.post("/slack/events", content=body, headers=headers)
    assert 200 <= response.status_code < 500


def test_a_retry_reaching_a_restarted_app_is_not_answered_again(app_settings, monkeypatch):
    """The event ids Slack retries with are kept in the database, so a retry is
    recognised by an app that was not running when the event first came (a restart,
    or another instance behind the load balancer)."""
    with FakeSlack() as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        monkeypatch.setenv("SLACK_API_URL", slack.url)
        monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(free_port()))  # Rasa is down
        get_settings.cache_clear()
        event = {
            "type": "event_callback",
            "team_id": "T0001",
            "event_id": "Ev0RESTART",
            "event": {"type": "message", "channel_type": "im", "channel": "DU1", "user": "U1",
                      "text": "hello"},
        }  # fmt: skip
        started = int(time.time())
        for attempt in range(2):  # the first delivery, then the retry (re-signed) to a new app
            body = json.dumps(event)
            headers = {**sign(body, started + 5 * attempt), "X-Slack-Retry-Num": str(attempt)}
            with TestClient(create_app(), raise_server_exceptions=False) as app:
                assert app.post("/slack/events", content=body, headers=headers).status_code == 200
                if attempt == 0:
                    slack.wait_for(lambda: slack.called("chat.postMessage"), what="first reply")
            time.sleep(1)
    [reply] = slack.called("chat.postMessage")
    assert "restarting" in reply["text"]  # Rasa was down: a polite answer, once


def test_nobody_speaks_as_a_slack_user_from_the_web(client):
    # (Nor reads their inbox: /chat/inbox answers the page's cookie alone, test_chat_http.)
    body = {"sender": "slack-T0001-U0VENDOR", "message": "hi"}
    response = client.post("/webhooks/rest/webhook", json=body)
    assert response.status_code == 400 and "reserved for Slack" in response.json()["detail"]


def test_feedback_is_published_to_the_month_only(client, app_settings):
    """Feedback may be anonymous: the public API and open data give its month (City
    time), never the minute someone was chatting; other kinds keep their timestamps."""
    feedback = submissions.NewSubmission(
        kind=Kind.feedback,
        title="Procurement barrier: Timeline",
        category="timeline",
        answers={"barrier_step": "Timeline"},
        confidential_fields=frozenset(),
        contact=None,
    )
    # 03:10 UTC on 1 December is still 30 November in Austin.
    with time_machine.travel(datetime(2026, 12, 1, 3, 10, 42, tzinfo=UTC), tick=False):
        with session_scope(app_settings) as session:
            anonymous = submissions.create_submission(
                session, feedback, ZoneInfo("America/Chicago")
            )
        proposal = submit(app_settings)
    one = client.get(f"/api/proposals/{anonymous.reference}").json()
    assert (one["submitted_at"], one["updated_at"]) == ("2026-11", "2026-11")
    rows = {row["reference"]: row for row in client.get("/api/open-data/proposals.json").json()}
    assert rows[anonymous.reference]["submitted_at"] == "2026-11"
    assert rows[proposal]["submitted_at"].startswith("2026-12-01T03:10:42")
    as_csv = client.get("/api/open-data/proposals.csv").text
    line = next(line for line in as_csv.splitlines() if line.startswith(anonymous.reference))
    assert ",2026-11,2026-11," in line and "03:10" not in line
    assert "2026-12-01T03:10:42" in as_csv  # the proposal's


# --- the page and the open data in both languages ------------------------------------------


class PageTexts(HTMLParser):
    """Every text a person reads or hears on a page: text nodes outside scripts, and the
    attributes shown or spoken (placeholder, aria-label, alt, title)."""

    SPOKEN = ("placeholder", "aria-label", "alt", "title")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        self.texts += [value for name, value in attrs if name in self.SPOKEN and value]

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if not self._in_script and data.strip():
            self.texts.append(data.strip())


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_text_of_the_chat_page_comes_from_the_catalogue(client, language):
    page = client.get(f"/?lang={language}").text
    reader = PageTexts()
    reader.feed(page)
    written = {
        value for key, value in catalogue.folder(language).items() if key.startswith("page.")
    }
    own_names = set(OWN_NAMES.values())  # the switch names each language in itself
    assert reader.texts and not [t for t in reader.texts if t not in written | own_names]


def test_the_script_writes_no_text_of_its_own(client):
    script = re.sub(r"^\s*//.*$", "", client.get("/static/chat.js").text, flags=re.M)
    literals = re.findall(r'"([^"\\]*)"|\'([^\'\\]*)\'|`([^`\\]*)`', script)
    sentences = [
        text for found in literals for text in found if re.search(r"[A-Za-z]+\s+[A-Za-z]+", text)
    ]
    assert sentences == ["use strict"]


def test_the_open_data_keeps_codes_and_its_dictionary_names_them_in_both_languages(
    client, app_settings
):
    reference = submit(app_settings)
    [row] = client.get("/api/open-data/proposals.json", params={"lang": "es"}).json()
    assert (row["reference"], row["kind"], row["status"]) == (reference, "proposal", "received")
    assert row["next_step"] == "received"  # a code, named by the dictionary
    # Not screened yet: its stand-in title, in the reader's language.
    assert row["title"] == "Propuesta pendiente de revisión"
    as_csv = client.get("/api/open-data/proposals.csv", headers={"Accept-Language": "en"}).text
    assert "Proposal awaiting screening" in as_csv and ",proposal," in as_csv
    status = client.get(f"/api/proposals/{reference}", headers={"Accept-Language": "es"}).json()
    assert (status["title"], status["status"]) == ("Propuesta pendiente de revisión", "received")

    spanish = client.get(
        "/api/open-data/proposals.dictionary.json", headers={"Accept-Language": "es-MX"}
    )
    assert spanish.headers["content-language"] == "es"
    described = spanish.json()
    assert described["language"] == "es" and described["title"] == "Envíos a Entryway"
    fields = {field["name"]: field for field in described["fields"]}
    assert list(fields) == public_api.OPEN_DATA_FIELDS
    assert fields["reference"]["meaning"].startswith("La referencia del envío")
    statuses = {code["code"]: code["labels"] for code in fields["status"]["codes"]}
    assert statuses["needs_info"] == {
        "en": "waiting for information from the submitter",
        "es": "esperando información de quien hizo el envío",
    }
    assert {code["code"] for code in fields["kind"]["codes"]} == {"proposal", "idea", "feedback"}
    assert "codes" not in fields["title"] and "codes" not in fields["submitted_at"]

    english = client.get("/api/open-data/proposals.dictionary.json?lang=en").json()
    assert english["title"] == "Submissions to Entryway"
    assert [field["name"] for field in english["fields"]] == list(fields)


def test_the_pages_texts_say_the_same_in_both_languages():
    """The areas the pages are written from: every key in both languages, with the same
    {placeholders}, so no reader meets an English line or a missing value."""
    areas = ("page.", "chat.", "report.", "open_data.")
    by_language = {
        language: {k: v for k, v in catalogue.folder(language).items() if k.startswith(areas)}
        for language in ("en", "es")
    }
    assert set(by_language["en"]) == set(by_language["es"])
    for key, english in by_language["en"].items():
        spanish = by_language["es"][key]
        assert set(re.findall(r"{(\w+)}", str(english))) == set(
            re.findall(r"{(\w+)}", str(spanish))
        ), key
