"""The advance modal when procurement is a possible target, through the real app (bolt,
its listeners, the database) on loopback and the fake Slack: it asks how the City will
buy or partner, refuses a move to procurement without an approach or legal basis (or a
sole source without its justification) on the field to fix, changing nothing, and
records what the lead chose with the move. Other moves need none of it."""

import json
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from bot.slack.blocks import triage_card
from storage import contacts, procurement_records, submissions, triage
from storage.db import session_scope
from storage.models import Kind, Status
from storage.workflow import rules, transitions
from tests.support.live_app import live_app
from tests.support.misbehaving_rasa import MisbehavingRasa
from tests.support.roster import on_roster
from tests.support.sending import slack_over_http
from tests.support.slack_requests import SlackClient, chosen

AUSTIN = ZoneInfo("America/Chicago")
LEAD = "ULEADPROC"


@pytest.fixture
def app(app_settings, slack, monkeypatch) -> Iterator[tuple[str, SlackClient]]:
    slack_over_http(monkeypatch, slack)
    on_roster(app_settings, LEAD)
    with MisbehavingRasa("echo") as rasa:
        monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(rasa.port))
        with live_app() as url:
            yield app_settings, SlackClient(url)


def in_status(database_url: str, advances: int) -> str:
    """A proposal advanced `advances` times (2: in evaluation)."""
    new = submissions.NewSubmission(
        kind=Kind.proposal,
        title="Adaptive signals on Lamar",
        category="mobility",
        answers={"timeline": "spring"},
        confidential_fields=frozenset(),
        contact=contacts.ContactDetails(sender_id="web-v", email="v@x.example"),
    )
    with session_scope(database_url) as session:
        reference = submissions.create_submission(session, new, AUSTIN).reference
    for _ in range(advances):
        with session_scope(database_url) as session:
            transitions.advance(session, reference, rules.Staff.operator("tests"))
    return reference


def open_advance(slack, client: SlackClient, database_url: str, reference: str) -> dict:
    with session_scope(database_url) as session:
        facts = triage.card_facts(session, submissions.get_submission(session, reference))
    before = len(slack.called("views.open"))
    assert client.press(LEAD, "triage_advance", triage_card.button_value(facts)).status_code == 200
    slack.wait_for(lambda: len(slack.called("views.open")) > before, what="advance modal")
    return slack.called("views.open")[-1]["view"]


def blocks(view: dict) -> list[str]:
    return [block.get("block_id", "") for block in view["blocks"]]


def stored(database_url: str, reference: str) -> tuple:
    with session_scope(database_url) as session:
        submission = submissions.get_submission(session, reference)
        record = procurement_records.current_record(session, submission.id)
        return submission.status, record and (
            record.approach,
            record.legal_basis,
            record.justification,
            record.recorded_by,
        )


def test_a_move_to_procurement_from_slack_records_the_approach(app, slack):
    database_url, client = app
    reference = in_status(database_url, 2)  # evaluation: pilot or procurement
    view = open_advance(slack, client, database_url, reference)
    assert {"approach", "legal_basis", "justification"} <= set(blocks(view))
    [select] = [b for b in view["blocks"] if b.get("block_id") == "approach"]
    offered = [option["value"] for option in select["element"]["options"]]
    assert offered == list(procurement_records.APPROACHES)
    assert "Sole source, with justification" in json.dumps(select)

    basis_only = client.submit(
        LEAD, view, {"target": chosen("procurement"), "legal_basis": "Code 2-7"}
    ).json()
    assert basis_only["response_action"] == "errors"
    assert set(basis_only["errors"]) == {"approach"}
    assert "Give the procurement approach, one of" in basis_only["errors"]["approach"]
    sole = client.submit(
        LEAD,
        view,
        {
            "target": chosen("procurement"),
            "approach": chosen("sole_source"),
            "legal_basis": "Tex. Loc. Gov't Code 252.022(a)(7)(A)",
            "justification": "only one",
        },
    ).json()
    assert set(sole["errors"]) == {"justification"}
    assert "needs a justification of at least 20 characters" in sole["errors"]["justification"]
    assert stored(database_url, reference) == (Status.evaluation, None)

    moved = client.submit(
        LEAD,
        view,
        {
            "target": chosen("procurement"),
            "approach": chosen("sole_source"),
            "legal_basis": "Tex. Loc. Gov't Code 252.022(a)(7)(A)",
            "justification": "The only controllers compatible with the City's signal system.",
        },
    ).json()
    assert moved["response_action"] == "update"
    assert f"{reference} is now procurement" in json.dumps(moved["view"])
    assert stored(database_url, reference) == (
        Status.procurement,
        (
            "sole_source",
            "Tex. Loc. Gov't Code 252.022(a)(7)(A)",
            "The only controllers compatible with the City's signal system.",
            f"slack:{LEAD}",
        ),
    )


def test_other_moves_ask_nothing_of_procurement(app, slack):
    database_url, client = app
    screening = in_status(database_url, 1)  # screening: only evaluation is offered
    assert "approach" not in blocks(open_advance(slack, client, database_url, screening))

    evaluation = in_status(database_url, 2)
    view = open_advance(slack, client, database_url, evaluation)
    # A pilot, whatever was left in the procurement fields: they belong to procurement.
    moved = client.submit(LEAD, view, {"target": chosen("pilot"), "approach": chosen("rfp")}).json()
    assert moved["response_action"] == "update"
    assert stored(database_url, evaluation) == (Status.pilot, None)
