"""The pilot in Slack, through the real app (bolt, its listeners, the database) on
loopback, the notifier drawing the triage card, and the fake Slack: the card's pilot
section shows each metric against its baseline and target and is redrawn as the plan is
approved, values arrive and the pilot is decided; a lead approves and decides from it,
anyone on the roster records a value, and what cannot be done is refused with the
reason; the term sheet is uploaded as Slack takes files."""

import json
from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot.slack.blocks import pilot_card, triage_card
from storage import submissions, triage
from storage.db import session_scope
from storage.models import Activity, Status
from storage.pilots.models import PilotIteration, PilotReading
from tests.bot.slack.pilot_steps import (
    EVALUATOR,
    LEAD,
    STRANGER,
    approved,
    card,
    modal,
    pilot_buttons,
    press,
    said_in,
    serve,
    set_plan,
    state_of,
    told,
)
from tests.storage.pilots.plans import a_plan, in_pilot
from tests.support.fake_slack import FakeSlack, manifest_scopes
from tests.support.pilot_plans import read_pdf
from tests.support.sending import TRIAGE_CHANNEL
from tests.support.slack_people import texts
from tests.support.slack_requests import SlackClient, chosen


@pytest.fixture
def client(app_settings, slack, monkeypatch) -> Iterator[SlackClient]:
    yield from serve(app_settings, slack, monkeypatch)


def test_the_card_shows_the_plan_and_a_lead_approves_it_in_slack(app_settings, slack, client):
    reference = in_pilot(app_settings)
    shown = texts(card(slack, reference))
    assert "no plan yet" in shown and list(pilot_buttons(card(slack, reference))) == [
        "Write the plan"
    ]

    set_plan(app_settings, reference, a_plan())
    drawn = card(slack, reference)
    shown = texts(drawn)
    assert "iteration 1 · draft, waiting for a lead's approval" in shown
    assert "2026-09-01 to 2027-02-28" in shown
    assert (
        "parking_turnover: no value yet / 4.5 vehicles/space/day (baseline 3.1, increase)" in shown
    )
    assert "cruising_minutes: no value yet / 6 minutes (baseline 9, decrease)" in shown
    assert "Sensors installed: due 2026-09-30" in shown and "Mid-pilot review" in shown
    assert "Disclosure risk: *medium*" in shown and "$100,000" in shown
    assert list(pilot_buttons(drawn)) == ["Approve plan", "Edit plan", "Term sheet"]

    press(client, slack, EVALUATOR, drawn, "Approve plan")
    assert "Only a lead can approve the pilot plan" in told(slack, EVALUATOR, 1)
    view = modal(client, slack, LEAD, drawn, "Approve plan")
    assert view["blocks"][1]["optional"] is True  # medium risk: the note is the lead's choice
    done = client.submit(LEAD, view, {"note": "Counts only; fine."})
    assert "iteration 1 is approved" in said_in(done)
    assert state_of(app_settings, reference) == ["approved"]

    redrawn = card(slack, reference)
    assert slack.in_channel(TRIAGE_CHANNEL) == [redrawn] and redrawn.edits >= 2  # in place
    shown = texts(redrawn)
    assert "iteration 1 · running" in shown and f"Approved by <@{LEAD}>" in shown
    assert list(pilot_buttons(redrawn)) == ["Record a value", "Decide", "Edit plan", "Term sheet"]
    # The modal again, on the card drawn before the approval: stale, nothing changes.
    again = client.submit(LEAD, view, {"note": "twice"})
    assert "changed since you opened this" in said_in(again)
    assert "approved its pilot plan" in said_in(again)


def test_approving_is_refused_without_a_plan_or_without_the_note_a_high_risk_needs(
    app_settings, slack, client
):
    reference = in_pilot(app_settings)
    with session_scope(app_settings) as session:
        facts = triage.card_facts(session, submissions.get_submission(session, reference))
    client.press(LEAD, pilot_card.APPROVE, triage_card.button_value(facts))
    assert f"{reference} has no pilot plan" in told(slack, LEAD, 1)

    risky = a_plan(disclosure={"classification": "restricted", "records": 2000})
    set_plan(app_settings, reference, risky)
    drawn = card(slack, reference)
    assert "Disclosure risk: *high*" in texts(drawn) and "note is required" in texts(drawn)
    view = modal(client, slack, LEAD, drawn, "Approve plan")
    assert view["blocks"][1]["optional"] is False
    refused = client.submit(LEAD, view, {"note": "   "}).json()
    assert refused["response_action"] == "errors"
    assert "risk high, at which the approving lead must say why" in refused["errors"]["note"]
    assert state_of(app_settings, reference) == ["draft"]
    done = client.submit(LEAD, view, {"note": "Records are hashed at the sensor; accepted."})
    assert "is approved" in said_in(done)
    with session_scope(app_settings) as session:
        [iteration] = session.exec(select(PilotIteration)).all()
        assert iteration.approval_note == "Records are hashed at the sensor; accepted."


def test_values_recorded_in_slack_show_on_the_card_and_a_stopped_pilot_takes_no_more(
    app_settings, slack, client
):
    reference = in_pilot(app_settings)
    approved(app_settings, reference)
    drawn = card(slack, reference)
    record = modal(client, slack, EVALUATOR, drawn, "Record a value")
    assert [o["value"] for o in record["blocks"][1]["element"]["options"]] == [
        "parking_turnover", "cruising_minutes"
    ]  # fmt: skip
    values = {
        "metric": chosen("parking_turnover"),
        "on": {"type": "datepicker", "selected_date": "2026-11-30"},
    }
    not_a_number = client.submit(EVALUATOR, record, {**values, "value": "lots"}).json()
    assert set(not_a_number["errors"]) == {"value"}
    done = client.submit(EVALUATOR, record, {**values, "value": "3.8"})
    assert "3.8 vehicles/space/day recorded (baseline 3.1, target 4.5)" in said_in(done)

    shown = texts(card(slack, reference))
    assert "parking_turnover: 3.8 / 4.5 vehicles/space/day (baseline 3.1, increase)" in shown
    assert "[#####-----] 50% of the way from baseline to target" in shown
    assert "cruising_minutes: no value yet" in shown

    drawn = card(slack, reference)
    old_decide = dict(pilot_buttons(drawn)["Decide"])  # the fake redraws `drawn` in place
    press(client, slack, EVALUATOR, drawn, "Decide")
    assert "Only a lead can decide the pilot" in told(slack, EVALUATOR, 1)
    late = modal(client, slack, EVALUATOR, drawn, "Record a value")  # opened before the decision
    decide = modal(client, slack, LEAD, drawn, "Decide")
    no_outcome = client.submit(LEAD, decide, {"reason": "Turnover did not move enough."}).json()
    assert set(no_outcome["errors"]) == {"outcome"}
    stopped = client.submit(
        LEAD,
        decide,
        {"outcome": chosen("stop", "radio_buttons"), "reason": "Turnover did not move enough."},
    )
    assert "closed" in said_in(stopped)
    with session_scope(app_settings) as session:
        assert submissions.get_submission(session, reference).status is Status.closed

    shown = texts(card(slack, reference))
    assert "Decided: stop" in shown and "Turnover did not move enough." in shown
    assert list(pilot_buttons(card(slack, reference))) == ["Term sheet"]
    refused = client.submit(EVALUATOR, late, {**values, "value": "4.9"})
    assert "its pilot is decided (stop); it takes no more values" in said_in(refused)
    with session_scope(app_settings) as session:
        assert [r.value for r in session.exec(select(PilotReading))] == [3.8]
    # A press on the card as it was before the decision: stale, said what changed.
    client.press(LEAD, old_decide["action_id"], old_decide["value"])
    assert "decided its pilot" in told(slack, LEAD, 1)


def test_the_term_sheet_goes_to_the_thread_or_privately_and_only_to_who_may_see_it(
    app_settings, slack, client
):
    reference = in_pilot(app_settings)
    set_plan(app_settings, reference, a_plan(confidential_fields=[], budget=[
        {"payer": "vendor", "amount": 40000, "in_kind": True}
    ]))  # fmt: skip
    drawn = card(slack, reference)
    press(client, slack, EVALUATOR, drawn, "Term sheet")  # not the assigned evaluator
    assert "for the submission's evaluator and leads only" in told(slack, EVALUATOR, 1)
    press(client, slack, LEAD, drawn, "Term sheet")
    assert "in the card's thread" in told(slack, LEAD, 1)
    [shared] = slack.shared_files()
    assert (shared.channel, shared.thread_ts) == (TRIAGE_CHANNEL, drawn.ts)
    assert shared.filename == f"term-sheet-{reference}-iteration-1.pdf"
    assert shared.length == len(shared.content)
    _, document = read_pdf(shared.content)
    assert f"Pilot term sheet {reference}" in document and "parking_turnover" in document

    set_plan(app_settings, reference, a_plan())  # the budget is confidential again
    press(client, slack, LEAD, card(slack, reference), "Term sheet")
    assert "in your direct messages" in told(slack, LEAD, 2)
    private = slack.shared_files()[-1]
    assert private.channel == f"D{LEAD}" and private.thread_ts is None
    assert "signage" in read_pdf(private.content)[1]  # the private budget line
    with session_scope(app_settings) as session:
        viewed = session.exec(select(Activity).where(Activity.kind == "confidential_viewed")).all()
        assert [a.actor for a in viewed] == [f"slack:{LEAD}"] * 2


@pytest.fixture
def without_files(app_settings, monkeypatch) -> Iterator[tuple[FakeSlack, SlackClient]]:
    with FakeSlack(scopes=manifest_scopes() - {"files:write"}) as slack:
        for client in serve(app_settings, slack, monkeypatch):
            yield slack, client


def test_slack_refusing_the_upload_is_told_to_the_clerk_not_a_failure(app_settings, without_files):
    slack, client = without_files
    reference = in_pilot(app_settings)
    set_plan(app_settings, reference, a_plan())
    drawn = card(slack, reference)
    press(client, slack, LEAD, drawn, "Term sheet")
    assert "lacks the files:write scope" in told(slack, LEAD, 1)
    assert f"pilot terms {reference}" in told(slack, LEAD, 1)
    slack.scopes = manifest_scopes()
    slack.rate_limit("files.getUploadURLExternal", retry_after=7)
    press(client, slack, LEAD, drawn, "Term sheet")
    assert "try the term sheet again in 7 seconds" in told(slack, LEAD, 2)
    assert slack.shared_files() == []
    with session_scope(app_settings) as session:
        assert not session.exec(
            select(Activity).where(Activity.kind == "confidential_viewed")
        ).all()
    press(client, slack, LEAD, drawn, "Term sheet")
    assert "in your direct messages" in told(slack, LEAD, 3)


def test_an_extension_decided_in_slack_shows_the_decision_and_the_draft_to_approve(
    app_settings, slack, client
):
    reference = in_pilot(app_settings)
    approved(app_settings, reference)
    decide = modal(client, slack, LEAD, card(slack, reference), "Decide")
    extended = client.submit(
        LEAD,
        decide,
        {
            "outcome": chosen("extend", "radio_buttons"),
            "reason": "Promising: three more months on two more blocks.",
            "lessons": "Install before the holidays.",
        },
    )
    assert "iteration 2" in said_in(extended)
    assert state_of(app_settings, reference) == ["decided", "draft"]
    drawn = card(slack, reference)
    shown = texts(drawn)
    assert "iteration 1 · decided" in shown and "Decided: extend" in shown
    assert "Iteration 2 is a draft, waiting for a lead's approval." in shown
    assert "Install before the holidays." not in json.dumps(drawn.blocks)  # lessons: internal
    assert list(pilot_buttons(drawn)) == ["Approve plan", "Edit plan", "Term sheet"]
    view = modal(client, slack, LEAD, drawn, "Approve plan")
    assert "Approve iteration 2" in json.dumps(view)
    assert "iteration 2 is approved" in said_in(client.submit(LEAD, view, {}))
    assert "iteration 2 · running" in texts(card(slack, reference))


def test_the_card_hides_what_the_vendor_asked_to_keep_confidential(app_settings, slack, client):
    reference = in_pilot(app_settings)
    hidden = ["starts", "ends", "metrics", "milestones", "disclosure"]
    set_plan(app_settings, reference, a_plan(confidential_fields=hidden))
    shown = texts(card(slack, reference))
    for value in ("2026-09-01", "2027-02-28", "parking_turnover", "cruising_minutes",
                  "Sensors installed", "Mid-pilot review", "$100,000", "medium"):  # fmt: skip
        assert value not in shown, value
    assert shown.count("(confidential: open Details") == 5  # starts, ends, three sections
    assert "iteration 1 · draft" in shown

    set_plan(app_settings, reference, a_plan(confidential_fields=["budget"]))
    shown = texts(card(slack, reference))
    assert "2026-09-01" in shown and "parking_turnover" in shown and "confidential" not in shown


def test_someone_off_the_roster_gets_nothing_from_the_pilot_card(app_settings, slack, client):
    """A workspace member who is not City staff presses each button on the card: each is
    refused to them alone, no modal opens, no file is shared and nothing is recorded."""
    reference = in_pilot(app_settings)
    set_plan(app_settings, reference, a_plan())
    drawn = card(slack, reference)
    press(client, slack, STRANGER, drawn, "Approve plan")
    assert "Only City staff on the roster can do this" in told(slack, STRANGER, 1)
    approved(app_settings, reference)
    drawn = card(slack, reference)
    for count, title in enumerate(("Record a value", "Decide", "Term sheet"), start=2):
        press(client, slack, STRANGER, drawn, title)
        assert "Only City staff on the roster can do this" in told(slack, STRANGER, count)
    assert slack.called("views.open") == []
    assert slack.called("files.completeUploadExternal") == []
    assert state_of(app_settings, reference) == ["approved"]
    with session_scope(app_settings) as session:
        assert session.exec(select(PilotReading)).all() == []
