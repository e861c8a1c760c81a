"""Pilot plans as `storage.pilots.views.plan_view` gives them (the pilot plan view,
`pilot show REF --json`), for what renders them: a full, realistic one, a sparse and a
decided one; and a rendered term sheet read back as text."""

import io

import pypdf

REFERENCE = "SC-2026-00042"


def full_plan() -> dict:
    """Smart kerb sensors on East 6th, second iteration, approved, with every section."""
    return {
        "reference": REFERENCE,
        "title": "Smart kerb sensors on East 6th",
        "organisation": "Acme Mobility LLC",
        "status": "pilot",
        "procurement_path": "no_cost_pilot",
        "iteration": 2,
        "iterations": [1, 2],
        "state": "approved",
        "proposed_by": "vendor",
        "approved_by": "slack:U0CAROL",
        "approved_at": "2026-12-03T16:05:00+00:00",
        "approval_note": "Medium risk accepted: the vendor deletes raw counts after 12 months.",
        "scope": (
            "Install 120 in-ground kerb sensors on the 1100 and 1200 blocks of East 6th St "
            "and publish live occupancy to the City's parking app.\n"
            "The vendor installs, maintains and removes the sensors at its own cost."
        ),
        "sites": ["East 6th St, 1100 block", "East 6th St, 1200 block"],
        "starts": "2027-01-04",
        "ends": "2027-06-30",
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
                "values": [
                    {"on": "2027-02-01", "value": 3.4, "reported_by": "vendor", "note": None}
                ],
                "met": None,
            },
            {
                "name": "cruising_time",
                "unit": "minutes",
                "baseline": 7.5,
                "target": 5,
                "direction": "decrease",
                "method": "City travel-time survey of 200 drivers",
                "cadence": "quarterly",
                "reported_by": "city",
                "values": [],
                "met": None,
            },
        ],
        "milestones": [
            {"name": "Sensors installed", "due": "2027-01-29", "done_on": "2027-01-27"},
            {"name": "Mid-pilot review", "due": "2027-04-01", "done_on": None},
            {"name": "Sensors removed", "due": "2027-07-15", "done_on": None},
        ],
        "budget": [
            {
                "payer": "vendor",
                "amount": 40000,
                "in_kind": True,
                "private": False,
                "note": "sensors and installation",
            },
            {
                "payer": "vendor",
                "amount": 12500.5,
                "in_kind": False,
                "private": True,
                "note": "cloud hosting at cost",
            },
            {"payer": "city", "amount": 3000, "in_kind": True, "private": False, "note": None},
        ],
        "cost_after_pilot": {
            "amount": 60000,
            "per": "year",
            "note": "Licence and maintenance for 120 sensors.",
        },
        "data": {
            "collected": ["vehicle counts", "occupancy"],
            "personal": False,
            "location": True,
            "images": False,
            "raw_owner": "city",
            "derived_owner": "shared",
            "city_licence": "perpetual, royalty-free, sublicensable",
            "retention_until": "2027-12-31",
            "deletion_by": "2028-01-31",
            "stored_where": "vendor cloud, US region",
            "open_data": True,
        },
        "disclosure": {
            "classification": "internal",
            "records": 20000,
            "cost_per_record": 5,
            "estimated_cost": 100000,
            "risk_level": "medium",
            "method": "20,000 records × $5 per internal record",
            "lead_note_required": True,
        },
        "exit_plan": {
            "removal": "Sensors removed and kerbs patched within 15 days of the end.",
            "asset_handover": "None: the sensors stay the vendor's.",
            "data_return": "Raw counts returned as CSV, then deleted from the vendor cloud.",
        },
        "equity": {
            "neighbourhoods": ["Holly", "East Cesar Chavez"],
            "who_benefits": "Residents and small businesses on East 6th.",
            "accessibility": "Accessible spaces reported separately in the app.",
        },
        "risks": [
            {
                "risk": "Sensors fail in flooding",
                "mitigation": "Vendor replaces within 5 business days.",
            },
            {
                "risk": "Occupancy data reveals residents' routines",
                "mitigation": "Counts only, aggregated hourly.",
            },
        ],
        "confidential_fields": ["budget"],
        "decision": None,
    }


def sparse_plan() -> dict:
    """A first draft the vendor has only begun: no budget, no decision, no approval,
    nothing assessed, no procurement path yet."""
    plan = full_plan()
    plan.update(
        iteration=1,
        iterations=[1],
        state="draft",
        approved_by=None,
        approved_at=None,
        approval_note=None,
        procurement_path=None,
        organisation=None,
        budget=[],
        cost_after_pilot={"amount": None},
        disclosure={
            "classification": None,
            "records": None,
            "cost_per_record": None,
            "estimated_cost": None,
            "risk_level": None,
            "method": "not assessed",
            "lead_note_required": False,
        },
        risks=[],
        milestones=[],
        confidential_fields=[],
        decision=None,
    )
    return plan


def decided_plan() -> dict:
    plan = full_plan()
    plan["state"] = "decided"
    plan["metrics"][0]["met"] = True
    plan["metrics"][1]["met"] = False
    plan["decision"] = {
        "outcome": "scale",
        "reason": "Turnover rose to 4.7; the City buys through a cooperative contract.",
        "by": "slack:U0DANA",
        "at": "2027-07-02T20:00:00+00:00",
        "lessons": "Survey drivers before install, not after.",
    }
    return plan


def words(value: str) -> str:
    """Text with every run of whitespace (line breaks of wrapped cells included) one space."""
    return " ".join(value.split())


def read_pdf(pdf: bytes) -> tuple[list[str], str]:
    """Each page's text, and the whole document's as words."""
    assert pdf.startswith(b"%PDF-")
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    return pages, words("\n".join(pages))
