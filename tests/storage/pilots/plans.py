"""A realistic pilot plan as staff write it (the document `pilot plan --from` reads), and
a submission brought to `pilot` the way staff bring one, for the pilot tests."""

from copy import deepcopy
from zoneinfo import ZoneInfo

from storage import contacts, submissions
from storage.db import session_scope
from storage.models import Kind, Status
from storage.workflow import transitions
from tests.support.roster import TEST_OPERATOR

AUSTIN = ZoneInfo("America/Chicago")

PLAN = {
    "scope": "Kerb sensors on 40 spaces to measure turnover and guide drivers to free spaces.",
    "sites": ["East 6th St, 1100 block", "East 6th St, 1200 block"],
    "starts": "2026-09-01",
    "ends": "2027-02-28",
    "metrics": [
        {
            "name": "parking_turnover",
            "unit": "vehicles/space/day",
            "baseline": 3.1,
            "target": 4.5,
            "direction": "increase",
            "method": "kerb sensor counts",
            "cadence": "monthly",
            "reported_by": "vendor",
        },
        {
            "name": "cruising_minutes",
            "unit": "minutes",
            "baseline": 9,
            "target": 6,
            "direction": "decrease",
            "method": "intercept survey of 200 drivers",
            "cadence": "quarterly",
            "reported_by": "city",
        },
    ],
    "milestones": [
        {"name": "Sensors installed", "due": "2026-09-30"},
        {"name": "Mid-pilot review", "due": "2026-12-01"},
    ],
    "budget": [
        {"payer": "vendor", "amount": 40000, "in_kind": True},
        {"payer": "city", "amount": 2500, "in_kind": False, "private": True, "note": "signage"},
    ],
    "cost_after_pilot": {"amount": 60000, "per": "year", "note": "licence and maintenance"},
    "data": {
        "collected": ["vehicle counts", "occupancy"],
        "personal": False,
        "location": True,
        "images": False,
        "raw_owner": "city",
        "derived_owner": "city",
        "city_licence": "perpetual, royalty-free, sublicensable",
        "retention_until": "2027-12-31",
        "deletion_by": "2028-01-31",
        "stored_where": "vendor cloud, US region",
        "open_data": True,
    },
    "disclosure": {"classification": "internal", "records": 20000},
    "exit_plan": {
        "removal": "Sensors removed within 30 days of the end",
        "asset_handover": "none",
        "data_return": "Raw data exported to the City's portal, then deleted",
    },
    "equity": {
        "neighbourhoods": ["Holly", "East Cesar Chavez"],
        "who_benefits": "Small businesses on the corridor",
        "accessibility": "Accessible spaces reported separately",
    },
    "risks": [{"risk": "Sensor theft", "mitigation": "Tamper-proof housings"}],
    "confidential_fields": ["budget"],
}


def a_plan(**changes: object) -> dict:
    """The plan above with `changes` to its top-level keys."""
    return {**deepcopy(PLAN), **changes}


def in_pilot(url: str, sender: str = "web-vendor", email: str | None = "v@x.example") -> str:
    """A proposal moved through screening and evaluation to pilot by the operator."""
    new = submissions.NewSubmission(
        kind=Kind.proposal,
        title="Smart kerb sensors on East 6th",
        category="mobility",
        answers={"solution": "kerb sensors"},
        confidential_fields=frozenset(),
        contact=contacts.ContactDetails(
            sender_id=sender, email=email, organisation="Acme Mobility LLC"
        ),
        procurement_path="no_cost_pilot",
    )
    with session_scope(url) as session:
        reference = submissions.create_submission(session, new, AUSTIN).reference
    for status in (Status.screening, Status.evaluation, Status.pilot):
        with session_scope(url) as session:
            transitions.advance(session, reference, TEST_OPERATOR, status)
    return reference
