"""The vendor's confidentiality markings on a pilot plan (confidential keys, private budget
lines) are removed only by a lead, on real database sessions (SQLite and PostgreSQL): an
evaluator's plan that drops one is refused whole, naming what it would have unmarked,
whichever iteration had the marking."""

from datetime import UTC, datetime

import pytest
import time_machine
from sqlmodel import select

from storage.db import session_scope
from storage.models import Activity, StaffRole
from storage.pilots import plan_input, plans
from storage.pilots.views import plan_view
from storage.submissions import get_submission
from storage.workflow.rules import Refused, Staff
from tests.storage.pilots.plans import PLAN, a_plan, in_pilot
from tests.support.roster import on_roster

LEAD, EVALUATOR = Staff("slack:U0LEAD"), Staff("slack:U0EVAL")
NOW = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
PUBLIC_BUDGET = [{**line, "private": False} for line in PLAN["budget"]]


@pytest.fixture(autouse=True)
def city_clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def marked(database_url: str) -> tuple[str, str]:
    """A submission in pilot whose draft marks metrics and starts confidential (with the
    example's budget and private city line), set by the evaluator."""
    on_roster(database_url, "U0LEAD")
    on_roster(database_url, "U0EVAL", role=StaffRole.evaluator)
    reference = in_pilot(database_url)
    set_plan(database_url, reference, a_plan(confidential_fields=["metrics", "starts", "budget"]))
    return database_url, reference


def set_plan(url: str, reference: str, plan: dict, staff: Staff = EVALUATOR):
    with session_scope(url) as session:
        return plans.set_plan(session, reference, staff, plan_input.checked(plan, reference))


def approve(url: str, reference: str) -> None:
    with session_scope(url) as session:
        plans.approve(session, reference, LEAD)


def newest(url: str, reference: str) -> dict:
    with session_scope(url) as session:
        return plan_view(session, reference)


def test_an_evaluator_cannot_unmark_the_vendors_confidential_terms(marked):
    url, reference = marked
    with pytest.raises(Refused) as refused:
        set_plan(url, reference, a_plan(confidential_fields=["budget"]))
    said = str(refused.value)
    assert "the confidential marking of: starts, metrics" in said
    assert "only a lead can remove a confidentiality marking" in said
    with pytest.raises(Refused, match="private budget lines of: city"):
        set_plan(url, reference, a_plan(confidential_fields=["metrics", "starts", "budget"],
                                        budget=PUBLIC_BUDGET))  # fmt: skip
    with pytest.raises(Refused, match="private budget lines of: city"):
        set_plan(url, reference, a_plan(confidential_fields=["metrics", "starts", "budget"],
                                        budget=PLAN["budget"][:1]))  # fmt: skip
    shown = newest(url, reference)
    assert shown["confidential_fields"] == ["metrics", "starts", "budget"]
    assert [line["private"] for line in shown["budget"]] == [False, True]
    # Keeping every marking (and adding one) is an ordinary edit.
    kept = a_plan(scope="Fifty spaces.",
                  confidential_fields=["metrics", "starts", "budget", "sites"])  # fmt: skip
    assert set_plan(url, reference, kept).changed


def test_a_marking_any_earlier_iteration_had_stays_after_approval(marked):
    url, reference = marked
    approve(url, reference)
    with pytest.raises(Refused, match="the confidential marking of: starts"):
        set_plan(url, reference, a_plan(confidential_fields=["metrics", "budget"]))
    with session_scope(url) as session:
        assert len(plans.iterations(session, get_submission(session, reference).id)) == 1


def test_a_lead_may_unmark_and_the_record_says_what(marked):
    url, reference = marked
    outcome = set_plan(url, reference, a_plan(confidential_fields=["budget"], budget=PUBLIC_BUDGET),
                       staff=LEAD)  # fmt: skip
    assert outcome.changed
    assert newest(url, reference)["confidential_fields"] == ["budget"]
    with session_scope(url) as session:
        submission = get_submission(session, reference)
        planned = session.exec(
            select(Activity).where(
                Activity.submission_id == submission.id, Activity.kind == "pilot_planned"
            )
        ).all()
    assert planned[-1].actor == LEAD.identity
    assert planned[-1].detail["unmarked"] == (
        "the confidential marking of: starts, metrics; private budget lines of: city"
    )
    assert "unmarked" not in planned[0].detail
