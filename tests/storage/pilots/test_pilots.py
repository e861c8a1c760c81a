"""Pilot plans on real database sessions: set, approved, reported on and decided, each
iteration kept; what is refused, and that the vendor hears of a decision once."""

import threading
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlmodel import func, select

from storage.db import session_scope
from storage.models import (
    Activity,
    StaffRole,
    Status,
    StatusChange,
    SubmitterMessage,
)
from storage.pilots import decisions, plan_input, plans, readings
from storage.pilots.models import PilotDecision
from storage.pilots.views import plan_view
from storage.submissions import get_submission
from storage.workflow import transitions
from storage.workflow.rules import Refused, Staff
from tests.storage.pilots.plans import a_plan, in_pilot
from tests.support.roster import TEST_OPERATOR, on_roster

LEAD, EVALUATOR = Staff("slack:U0LEAD"), Staff("slack:U0EVAL")
# Within the example plan's pilot (2026-09-01 to 2027-02-28), in the City's afternoon.
NOW = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def city_clock():
    with time_machine.travel(NOW, tick=True):
        yield


def set_plan(url: str, reference: str, plan: dict, staff: Staff = LEAD):
    with session_scope(url) as session:
        return plans.set_plan(session, reference, staff, plan_input.checked(plan, reference))


def approve(url: str, reference: str, staff: Staff = LEAD, note: str | None = None):
    with session_scope(url) as session:
        return plans.approve(session, reference, staff, note)


def report(url: str, reference: str, metric: str, value: float, on: date, staff=LEAD):
    with session_scope(url) as session:
        return readings.report(session, reference, staff, metric, value, on)


def decide(url: str, reference: str, outcome: str, staff: Staff = LEAD, lessons=None):
    with session_scope(url) as session:
        return decisions.decide(
            session, reference, staff, outcome, "The pilot met its targets on turnover.", lessons
        )


def view(url: str, reference: str, iteration: int | None = None) -> dict | None:
    with session_scope(url) as session:
        return plan_view(session, reference, iteration)


def told(url: str, reference: str) -> list[SubmitterMessage]:
    with session_scope(url) as session:
        submission = get_submission(session, reference)
        return list(
            session.exec(
                select(SubmitterMessage).where(SubmitterMessage.submission_id == submission.id)
            )
        )


def staff_on_roster(url: str) -> str:
    on_roster(url, "U0LEAD")
    on_roster(url, "U0EVAL", role=StaffRole.evaluator)
    return url


def running_pilot(url: str) -> tuple[str, str]:
    """A submission in pilot with the example plan approved."""
    reference = in_pilot(staff_on_roster(url))
    set_plan(url, reference, a_plan())
    approve(url, reference)
    return url, reference


@pytest.fixture
def staffed(sqlite_url: str) -> str:
    return staff_on_roster(sqlite_url)


@pytest.fixture
def running(sqlite_url: str) -> tuple[str, str]:
    return running_pilot(sqlite_url)


def test_plan_approve_report_and_scale(database_url):
    """The whole way, on SQLite and on PostgreSQL."""
    url, reference = running_pilot(database_url)
    before = len(told(url, reference))
    assert report(url, reference, "parking_turnover", 3.6, date(2026, 10, 1)).changed
    assert report(url, reference, "parking_turnover", 4.7, date(2026, 11, 1)).changed
    assert report(url, reference, "cruising_minutes", 7.5, date(2026, 11, 15)).changed
    again = report(url, reference, "parking_turnover", 4.7, date(2026, 11, 1))
    assert not again.changed and "already recorded" in again.message

    outcome = decide(url, reference, "scale", lessons="Sensors need shade.")
    assert outcome.changed and "now procurement" in outcome.message
    # The decision cannot say how the City will buy: the answer (CLI or Slack) says to record it.
    assert f"procurement {reference} --approach CODE --legal-basis TEXT" in outcome.message

    shown = view(url, reference)
    assert shown["state"] == "decided" and shown["status"] == "procurement"
    turnover, cruising = shown["metrics"]
    assert [v["value"] for v in turnover["values"]] == [3.6, 4.7] and turnover["met"] is True
    assert cruising["met"] is False  # 7.5 minutes, target at most 6
    assert shown["decision"]["outcome"] == "scale"
    assert shown["decision"]["lessons"] == "Sensors need shade."
    assert shown["decision"]["at"].endswith("+00:00")
    news = told(url, reference)[before:]
    assert len(news) == 1 and news[0].facts["status"] == "procurement"
    assert news[0].facts["reason"] == "The pilot met its targets on turnover."
    with session_scope(url) as session:
        submission = get_submission(session, reference)
        assert submission.status is Status.procurement
        moves = session.exec(
            select(StatusChange.to_status).where(StatusChange.submission_id == submission.id)
        ).all()
        assert moves[-1] is Status.procurement and moves.count(Status.procurement) == 1
        kinds = session.exec(
            select(Activity.kind).where(Activity.submission_id == submission.id)
        ).all()
        assert kinds.count("pilot_decided") == 1 and kinds.count("pilot_reported") == 3
    with pytest.raises(Refused, match="already decided"):
        decide(url, reference, "stop")


def test_stop_closes_the_pilot_and_takes_no_more_values(running):
    url, reference = running
    decide(url, reference, "stop")
    with session_scope(url) as session:
        assert get_submission(session, reference).status is Status.closed
    with pytest.raises(Refused, match=r"decided \(stop\)"):
        report(url, reference, "parking_turnover", 4.0, date(2026, 12, 1))
    with pytest.raises(Refused, match="already decided"):
        decide(url, reference, "scale")
    assert view(url, reference)["metrics"][0]["met"] is None  # never reported


def test_extend_starts_a_draft_iteration_copied_from_the_decided_one(running):
    url, reference = running
    report(url, reference, "parking_turnover", 3.9, date(2026, 11, 2))
    before = len(told(url, reference))
    outcome = decide(url, reference, "extend")
    assert outcome.changed and "iteration 2" in outcome.message
    with session_scope(url) as session:
        assert get_submission(session, reference).status is Status.pilot
    first, second = view(url, reference, 1), view(url, reference)
    assert first["state"] == "decided" and first["metrics"][0]["met"] is False
    assert second["iteration"] == 2 and second["iterations"] == [1, 2]
    assert second["state"] == "draft" and second["decision"] is None
    assert [m["name"] for m in second["metrics"]] == ["parking_turnover", "cruising_minutes"]
    assert second["metrics"][0]["values"] == [] and second["metrics"][0]["met"] is None
    assert second["budget"] == first["budget"] and second["data"] == first["data"]
    news = told(url, reference)[before:]
    assert len(news) == 1 and news[0].key.startswith("pilot_extended:")

    with pytest.raises(Refused, match="not approved yet"):
        report(url, reference, "parking_turnover", 4.0, date(2026, 12, 1))
    with pytest.raises(Refused, match="no approved pilot plan"):
        decide(url, reference, "scale")
    revised = a_plan(ends="2027-05-31")
    revised["metrics"][0]["target"] = 4.2
    outcome = set_plan(url, reference, revised)
    assert "draft of pilot plan iteration 2 is replaced" in outcome.message
    approve(url, reference)
    assert view(url, reference)["metrics"][0]["target"] == 4.2
    assert report(url, reference, "parking_turnover", 4.3, date(2026, 12, 3)).changed
    assert view(url, reference, 1)["metrics"][0]["values"][0]["value"] == 3.9  # kept


def test_a_plan_set_once_approved_is_a_new_iteration(running):
    url, reference = running
    outcome = set_plan(url, reference, a_plan(scope="Forty-eight spaces instead of forty."))
    assert "iteration 2 is set" in outcome.message
    assert view(url, reference, 1)["state"] == "approved"  # the pilot still runs on it
    assert view(url, reference)["state"] == "draft"
    # Values go to the running (approved) iteration meanwhile.
    report(url, reference, "parking_turnover", 3.3, date(2026, 12, 1))
    assert view(url, reference, 1)["metrics"][0]["values"][0]["value"] == 3.3
    approve(url, reference)
    assert view(url, reference, 1)["state"] == "superseded"
    assert view(url, reference, 2)["state"] == "approved"
    assert view(url, reference, 3) is None
    again = approve(url, reference)
    assert not again.changed and "already approved" in again.message


def test_what_is_refused(staffed):
    url = staffed
    reference = in_pilot(url)
    with pytest.raises(Refused, match="no pilot plan yet"):
        approve(url, reference)
    with pytest.raises(Refused, match="no pilot plan yet"):
        report(url, reference, "parking_turnover", 1, date(2026, 12, 1))
    set_plan(url, reference, a_plan(), staff=EVALUATOR)  # anyone on the roster may draft
    assert view(url, reference)["proposed_by"] == "slack:U0EVAL"
    with pytest.raises(Refused, match="Only a lead can approve the pilot plan"):
        approve(url, reference, EVALUATOR)
    with pytest.raises(Refused, match="not approved yet"):
        report(url, reference, "parking_turnover", 1, date(2026, 12, 1))
    approve(url, reference)
    with pytest.raises(Refused, match="Only a lead can decide the pilot"):
        decide(url, reference, "stop", EVALUATOR)
    with pytest.raises(Refused, match="no metric speed; its metrics: parking_turnover, cruising"):
        report(url, reference, "speed", 1, date(2026, 12, 1))
    with pytest.raises(Refused, match="outside the pilot, which runs from 2026-09-01"):
        report(url, reference, "parking_turnover", 1, date(2026, 8, 31))
    with pytest.raises(Refused, match="has not come yet"):
        report(url, reference, "parking_turnover", 1, date(2026, 12, 9))
    with pytest.raises(Refused, match="must be a number"):
        report(url, reference, "parking_turnover", float("nan"), date(2026, 12, 1))
    with session_scope(url) as session, pytest.raises(Refused, match="a reason"):
        decisions.decide(session, reference, LEAD, "stop", "no")
    with session_scope(url) as session, pytest.raises(Refused, match="not an outcome"):
        decisions.decide(session, reference, LEAD, "pause", "We need more time to decide.")
    moved_on = in_pilot(url, sender="web-other")
    with session_scope(url) as session:
        transitions.advance(session, moved_on, TEST_OPERATOR, Status.procurement)
    with pytest.raises(Refused, match="is procurement: a pilot plan is set only while"):
        set_plan(url, moved_on, a_plan())


def test_a_high_disclosure_risk_needs_the_leads_note(staffed):
    url = staffed
    reference = in_pilot(url)
    personal = a_plan(disclosure={"classification": "restricted", "records": 5000})
    set_plan(url, reference, personal)
    shown = view(url, reference)["disclosure"]
    assert shown["estimated_cost"] == 2_025_000 and shown["risk_level"] == "high"
    assert shown["method"] == "5,000 records × $405 per restricted record"
    assert shown["lead_note_required"] is True
    with pytest.raises(Refused, match=r"estimated at \$2,025,000, risk high.*--note"):
        approve(url, reference)
    approve(url, reference, note="Images are blurred on the device; only counts leave it.")
    shown = view(url, reference)
    assert shown["approval_note"].startswith("Images are blurred") and shown["approved_at"]


def test_the_example_disclosure_is_medium_without_a_note(staffed):
    url = staffed
    reference = in_pilot(url)
    set_plan(url, reference, a_plan())
    shown = view(url, reference)["disclosure"]
    assert shown == {
        "classification": "internal",
        "records": 20000,
        "cost_per_record": 5,
        "estimated_cost": 100000,
        "risk_level": "medium",
        "method": "20,000 records × $5 per internal record",
        "lead_note_required": False,
    }


def test_a_plan_collecting_data_without_an_assessment_waits_for_one(staffed):
    url = staffed
    reference = in_pilot(url)
    plan = a_plan()
    del plan["disclosure"]
    set_plan(url, reference, plan)
    assert view(url, reference)["disclosure"]["risk_level"] is None
    with pytest.raises(Refused, match="no disclosure assessment"):
        approve(url, reference)
    nothing = a_plan(data={**plan["data"], "collected": [], "location": False, "open_data": False})
    del nothing["disclosure"]
    set_plan(url, reference, nothing)
    assert view(url, reference)["disclosure"]["risk_level"] == "low"
    assert approve(url, reference).changed


def test_the_view_follows_the_contract(staffed):
    url = staffed
    reference = in_pilot(url)
    assert view(url, reference) is None and view(url, "SC-2026-99999") is None
    set_plan(url, reference, a_plan())
    shown = view(url, reference)
    assert list(shown) == [
        "reference", "title", "organisation", "status", "procurement_path", "iteration",
        "iterations", "state", "proposed_by", "approved_by", "approved_at", "approval_note",
        "scope", "sites", "starts", "ends", "metrics", "milestones", "budget",
        "cost_after_pilot", "data", "disclosure", "exit_plan", "equity", "risks",
        "confidential_fields", "decision",
    ]  # fmt: skip
    assert shown["title"] == "Smart kerb sensors on East 6th"
    assert shown["organisation"] == "Acme Mobility LLC"
    assert shown["procurement_path"] == "no_cost_pilot"
    assert shown["starts"] == "2026-09-01" and shown["milestones"][0]["due"] == "2026-09-30"
    assert shown["budget"][0] == {
        "payer": "vendor", "amount": 40000, "in_kind": True, "private": False, "note": None,
    }  # fmt: skip
    assert shown["cost_after_pilot"] == {
        "amount": 60000, "per": "year", "note": "licence and maintenance",
    }  # fmt: skip
    assert shown["data"]["retention_until"] == "2027-12-31"
    assert shown["confidential_fields"] == ["budget"]


def test_two_leads_deciding_at_once_decide_once(postgres_url):
    """The second lead's decision waits on the first's rows, then finds it decided:
    one decision, one move, the vendor told once."""
    url, reference = running_pilot(postgres_url)
    before = len(told(url, reference))
    second: list[BaseException | object] = []

    def decide_too() -> None:
        try:
            second.append(decide(url, reference, "stop"))
        except Refused as refused:
            second.append(refused)

    with session_scope(url) as session:
        decisions.decide(session, reference, LEAD, "scale", "Turnover rose past the target.")
        racing = threading.Thread(target=decide_too)
        racing.start()
        racing.join(timeout=1)  # let it reach the rows this transaction holds
    racing.join()
    assert isinstance(second[0], Refused) and "already decided (scale" in str(second[0])
    with session_scope(url) as session:
        submission = get_submission(session, reference)
        assert submission.status is Status.procurement
        assert session.exec(select(func.count()).select_from(PilotDecision)).one() == 1
        moves = session.exec(
            select(StatusChange.to_status).where(StatusChange.submission_id == submission.id)
        ).all()
        assert Status.closed not in moves
    assert len(told(url, reference)) == before + 1


def test_a_decision_supersedes_a_draft_waiting_after_the_running_plan(running):
    url, reference = running
    set_plan(url, reference, a_plan(scope="A bigger pilot, never approved."))
    decide(url, reference, "stop")
    assert view(url, reference, 1)["state"] == "decided"
    assert view(url, reference, 2)["state"] == "superseded"
    assert view(url, reference, 1)["decision"]["outcome"] == "stop"
    with pytest.raises(Refused, match=r"iteration 1 was already decided \(stop"):
        decide(url, reference, "scale")
    with pytest.raises(Refused, match=r"decided \(stop\)"):
        report(url, reference, "parking_turnover", 4.0, date(2026, 12, 1))


def test_a_draft_replaced_in_the_session_that_read_it(staffed):
    """A caller that showed the draft and then replaces it (a form's submit) works in one
    transaction: the old parts leave the session before the new ones come."""
    url = staffed
    reference = in_pilot(url)
    set_plan(url, reference, a_plan())
    with session_scope(url) as session:
        assert plan_view(session, reference)["data"]["open_data"] is True
        data = {**a_plan()["data"], "open_data": False}
        revised = plan_input.checked(a_plan(data=data, sites="Republic Square"), reference)
        plans.set_plan(session, reference, LEAD, revised)
        shown = plan_view(session, reference)
    assert shown["iteration"] == 1 and shown["sites"] == ["Republic Square"]
    assert shown["data"]["open_data"] is False and len(shown["metrics"]) == 2
