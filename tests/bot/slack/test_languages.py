"""Languages in Slack, through the real app (bolt, its listeners, the database) served on
loopback, the fake Slack (a real HTTP server that enforces the manifest's scopes) and a
Rasa stand-in that says what it was sent: a person's DM names their language to the
assistant (their contact's, else their Slack locale), the Slack front end's own texts
follow it, buttons send their payloads unchanged; staff, in English, are told the
submitter's language wherever they write to them, and read answers under the form's own
question labels. (The whole conversation in Spanish, through the real Rasa:
tests/end_to_end.)"""

import dataclasses
import json
from collections.abc import Iterator

import pytest

from bot.slack.blocks import reminder, triage_card
from storage import catalogue, contacts, service_levels, submissions, triage
from storage.db import session_scope
from storage.identity import slack_sender
from tests.support.fake_slack import FakeSlack
from tests.support.live_app import live_app
from tests.support.misbehaving_rasa import MisbehavingRasa
from tests.support.roster import on_roster
from tests.support.sending import slack_over_http
from tests.support.slack_people import texts, texts_of
from tests.support.slack_requests import TEAM, SlackClient
from tests.support.submissions import submitted

# The form's own labels, as the forms' catalogue areas give them (catalogue/en/proposal.yml);
# set here so the test does not depend on their wording.
FORM_LABELS = {
    "proposal.label.city_ask": "What you ask of the City",
    "proposal.choice.city_ask.pilot_site": "A site for a pilot",
    "proposal.choice.category.mobility": "Mobility and transportation",
}


@dataclasses.dataclass
class Running:
    url: str
    database_url: str
    slack: FakeSlack
    rasa: MisbehavingRasa
    client: SlackClient

    def dm(self, user: str, message: str) -> dict:
        """What the assistant was sent for one DM (the stand-in answers with it)."""
        before = len(self.slack.in_channel(f"D{user}"))
        assert self.client.direct_message(user, message).status_code == 200
        replies = self.slack.wait_for(
            lambda: self.slack.in_channel(f"D{user}")[before:], what=f"reply to {user}"
        )
        return json.loads(texts(replies[0]))


@pytest.fixture
def running(app_settings, slack, monkeypatch) -> Iterator[Running]:
    slack_over_http(monkeypatch, slack)
    with MisbehavingRasa("echo") as rasa:
        monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(rasa.port))
        with live_app() as url:
            yield Running(url, app_settings, slack, rasa, SlackClient(url))


@pytest.fixture
def form_labels(monkeypatch) -> None:
    english = catalogue.folder("en")
    for key, label in FORM_LABELS.items():
        monkeypatch.setitem(english, key, label)


def locale_look_ups(slack: FakeSlack, user: str) -> list[dict]:
    return [call for call in slack.called("users.info") if call.get("user") == user]


def test_a_dm_names_the_persons_language_to_the_assistant(running):
    slack = running.slack
    slack.locales |= {"UELENA": "es-LA", "UFRANK": "en-US", "UGABI": "en-GB"}
    said = running.dm("UELENA", "hola")
    assert said["metadata"]["language"] == "es"  # her Slack is in Spanish
    assert said["sender"] == slack_sender(TEAM, "UELENA")
    assert running.dm("UELENA", "quiero proponer algo")["metadata"]["language"] == "es"
    [look_up] = locale_look_ups(slack, "UELENA")  # asked once, then kept
    assert look_up["include_locale"] in ("1", "true")
    assert running.dm("UFRANK", "hello")["metadata"]["language"] == "en"

    # Gabi's Slack is in English, but she submitted in Spanish: her contact's language
    # comes first, and Slack is not asked.
    submitted(running.database_url, slack_sender(TEAM, "UGABI"), "es")
    assert running.dm("UGABI", "¿qué pasó con mi propuesta?")["metadata"]["language"] == "es"
    assert locale_look_ups(slack, "UGABI") == []
    with session_scope(running.database_url) as session:
        contacts.keep_language(session, slack_sender(TEAM, "UGABI"), "en")
    assert running.dm("UGABI", "in English please")["metadata"]["language"] == "en"

    # Without users:read Slack refuses the look-up: English, and the message still goes.
    slack.scopes = slack.scopes - {"users:read"}
    slack.locales["UHUGO"] = "es-ES"
    assert running.dm("UHUGO", "hola")["metadata"]["language"] == "en"
    assert "users.info" in slack.attempts and locale_look_ups(slack, "UHUGO") == []


def test_a_choice_goes_to_the_assistant_unchanged_and_is_confirmed_in_the_persons_language(
    running,
):
    running.slack.locales["UINES"] = "es-MX"
    running.dm("UINES", "hola")
    [message] = running.slack.in_channel("DUINES")
    payload = '/choose{"choice":"mobility"}'
    choices = {
        "type": "actions",
        "block_id": "choices",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Movilidad"},
                "action_id": "chat_choice_0",
                "value": payload,
            }
        ],
    }
    response = running.client.press(
        "UINES",
        "chat_choice_0",
        payload,
        channel="DUINES",
        message={"ts": message.ts, "text": message.text, "blocks": [*message.blocks, choices]},
    )
    assert response.status_code == 200
    running.slack.wait_for(lambda: len(running.slack.in_channel("DUINES")) > 1, what="reply")
    sent = [r for r in running.rasa.requests if r.get("sender") == slack_sender(TEAM, "UINES")]
    assert sent[-1]["message"] == payload and sent[-1]["metadata"]["language"] == "es"
    assert "Elegiste: Movilidad" in texts_of(message.blocks)  # the choices replaced
    assert not any(b.get("block_id") == "choices" for b in message.blocks)


def test_a_mention_is_answered_in_a_dm_in_the_persons_language(running):
    running.slack.locales["UJULIA"] = "es-419"
    assert (
        running.client.event(
            {"type": "app_mention", "channel": "CGENERAL", "user": "UJULIA", "text": "<@UBOT>"}
        ).status_code
        == 200
    )
    said = json.loads(texts(running.slack.wait_for(lambda: running.slack.in_channel("DUJULIA"))[0]))
    assert said["metadata"]["language"] == "es"
    sent = [r for r in running.rasa.requests if r.get("sender") == slack_sender(TEAM, "UJULIA")]
    assert sent[-1]["message"] == "/greet"  # nothing else said: a greeting, in any language
    [note] = [e for e in running.slack.called("chat.postEphemeral") if e["user"] == "UJULIA"]
    assert note["text"].startswith("Te respondí por mensaje directo")


def button_value(database_url: str, reference: str) -> str:
    with session_scope(database_url) as session:
        facts = triage.card_facts(session, submissions.get_submission(session, reference))
        return triage_card.button_value(facts)


def opened(running: Running, user: str, action_id: str, reference: str) -> dict:
    before = len(running.slack.called("views.open"))
    value = button_value(running.database_url, reference)
    assert running.client.press(user, action_id, value).status_code == 200
    running.slack.wait_for(
        lambda: len(running.slack.called("views.open")) > before, what=f"{action_id} modal"
    )
    return running.slack.called("views.open")[-1]["view"]


def test_staff_are_told_which_language_to_write_to_the_submitter_in(running, form_labels):
    on_roster(running.database_url, "UANN")
    spanish = submitted(running.database_url, "web-elena", "es").reference
    english = submitted(running.database_url, "web-frank", "en").reference
    for action_id, expected in (
        ("triage_request_info", "Write your question in *Spanish*"),
        ("triage_decline", "Write the reason in *Spanish*"),
        ("triage_advance", "Write the reason in *Spanish*"),
    ):
        modal = json.dumps(opened(running, "UANN", action_id, spanish))
        assert expected in modal and "the submitter chatted in Spanish" in modal, action_id
    asked = json.dumps(opened(running, "UANN", "triage_request_info", english))
    assert "Write your question in *English*" in asked
    # Nobody to write to: no language named, rather than a wrong one.
    anonymous = submitted(running.database_url, None, "es").reference
    declined = json.dumps(opened(running, "UANN", "triage_decline", anonymous))
    assert "Write the reason" not in declined and "language" not in declined

    details = opened(running, "UANN", "triage_details", spanish)
    shown = texts_of(details["blocks"])
    assert any("Submitter's language: *Spanish*" in t for t in shown)
    # The form's own question labels, coded choices as their labels, the submitter's
    # words as written.
    assert "What you ask of the City:\n> A site for a pilot" in shown
    assert "Timeline:\n> en primavera, más o menos" in shown
    assert not any("city ask" in t or "pilot_site" in t for t in shown)


def test_the_card_and_reminders_name_the_submitters_language(app_settings, form_labels):
    reference = submitted(app_settings, "web-elena", "es").reference
    with session_scope(app_settings) as session:
        submission = submissions.get_submission(session, reference)
        facts = triage.card_facts(session, submission)
    assert facts.language == "es"  # the contact's, as storage.triage gives it
    card = "\n".join(texts_of(triage_card.blocks(facts)))
    assert "Submitter's language: *Spanish*" in card
    assert "Mobility and transportation" in card  # the category's label, not its code
    assert "Asked of the City:\n> A site for a pilot" in card
    calendar = service_levels.calendar("America/Chicago")
    said = reminder.message("owner", submission, calendar, owner=None, language="es")
    assert "Submitter's language: *Spanish*" in "\n".join(texts_of(said["blocks"]))
    # An anonymous submission's facts name no language, rather than a wrong one.
    anonymous = dataclasses.replace(facts, language=None)
    assert "language" not in "\n".join(texts_of(triage_card.blocks(anonymous)))
