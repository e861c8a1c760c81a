"""A plan document as people write it: the looser forms taken, the view's computed keys
ignored, and anything wrong refused with the key it is about."""

import json

import pytest

from storage.pilots.plan_input import MAX_PLAN_BYTES, checked, read_document
from storage.workflow.rules import Refused
from tests.storage.pilots.plans import a_plan

REFERENCE = "SC-2026-00001"


def refusal(document: object) -> str:
    with pytest.raises(Refused) as refused:
        checked(document, REFERENCE)
    return str(refused.value)


def test_the_example_is_taken_as_written():
    plan = checked(a_plan(), REFERENCE)
    assert plan.sites == ["East 6th St, 1100 block", "East 6th St, 1200 block"]
    assert plan.metrics[1].direction == "decrease" and plan.metrics[1].reported_by == "city"
    assert plan.budget[1].private is True and plan.budget[0].private is False
    assert plan.disclosure.records == 20000


def test_looser_forms_are_normalised():
    plan = checked(
        a_plan(
            sites="Republic Square",
            risks=["Vandalism", {"risk": "Outage", "mitigation": "Spare units"}],
            exit_plan="Vendor removes everything within 30 days",
            equity="Riders in Dove Springs",
            cost_after_pilot="To be negotiated",
            confidential_fields="budget",
        ),
        REFERENCE,
    )
    assert plan.sites == ["Republic Square"]
    assert [r.model_dump() for r in plan.risks] == [
        {"risk": "Vandalism", "mitigation": None},
        {"risk": "Outage", "mitigation": "Spare units"},
    ]
    assert plan.exit_plan.removal == "Vendor removes everything within 30 days"
    assert plan.equity.who_benefits == "Riders in Dove Springs" and plan.equity.neighbourhoods == []
    assert plan.cost_after_pilot.note == "To be negotiated"
    assert checked(a_plan(cost_after_pilot=45000), REFERENCE).cost_after_pilot.amount == 45000
    assert plan.confidential_fields == ["budget"]


def test_what_the_view_computes_is_ignored_but_another_reference_is_refused():
    document = a_plan(reference=REFERENCE, state="approved", iteration=3, decision=None)
    document["metrics"][0]["values"] = [{"on": "2026-10-01", "value": 3}]
    document["disclosure"].update(risk_level="low", estimated_cost=1, method="made up")
    assert checked(document, REFERENCE).metrics[0].name == "parking_turnover"
    assert "plan of SC-2026-00002, not of SC-2026-00001" in refusal(
        a_plan(reference="SC-2026-00002")
    )


def test_an_exit_milestone_may_come_after_the_pilot_ends():
    removed = {"name": "Sensors removed", "due": "2027-03-31"}
    assert checked(a_plan(milestones=[removed]), REFERENCE).milestones[0].due.isoformat() == (
        "2027-03-31"
    )


def test_markup_is_kept_as_text():
    hostile = "<script>alert('x')</script></td>&amp;"
    plan = checked(a_plan(scope=hostile, sites=[hostile]), REFERENCE)
    assert plan.scope == hostile and plan.sites == [hostile]


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"metrics": None}, "metrics: must be a list"),
        ({"starts": "next spring"}, "starts: must be a date like 2027-01-04"),
        ({"starts": "2026-13-01"}, "starts: must be a date like 2027-01-04"),
        ({"ends": "2026-08-01"}, "the plan: ends must come after starts"),
        ({"ends": "9999-12-31"}, "ends: must be a date in the years 2000 to 2100"),
        ({"starts": "1999-12-31"}, "starts: must be a date in the years 2000 to 2100"),
        ({"ends": "2031-09-10"}, "the plan: ends is more than 5 years after starts"),
        (
            {"milestones": [{"name": "Report", "due": "2028-03-01"}]},
            "milestones, item 1 (Report): due must fall between starts and a year after ends",
        ),
        ({"scop": "typo"}, "scop: is not a key here"),
        ({"sites": []}, "sites: needs at least 1"),
        ({"confidential_fields": ["secret_sauce"]}, "secret_sauce is not a key of the plan"),
        (
            {"budget": [{"payer": "vendor", "amount": -5, "in_kind": True}]},
            "budget, item 1, amount: must be at least 0",
        ),
        (
            {"budget": [{"payer": "sponsor", "amount": 5, "in_kind": True}]},
            "budget, item 1, payer: must be one of 'vendor', 'city', 'grant' or 'other'",
        ),
        (
            {"disclosure": {"classification": "public", "records": 2**31}},
            "disclosure, records: must be at most 2147483647",
        ),
        (
            {"disclosure": {"classification": "secret", "records": 10}},
            "disclosure, classification: must be one of 'public'",
        ),
    ],
)
def test_wrong_values_are_refused_naming_the_key(changes: dict, said: str):
    assert said in refusal(a_plan(**changes))


def test_each_wrong_metric_is_named():
    plan = a_plan()
    del plan["scope"]
    plan["metrics"][1].update(direction="sideways", baseline="lots")
    plan["metrics"].append(dict(plan["metrics"][0]))
    said = refusal(plan)
    assert said.startswith("The plan was not set:")
    assert "scope: is missing" in said
    assert "metrics, item 2, baseline: must be a number" in said
    assert "metrics, item 2, direction: must be one of 'increase' or 'decrease'" in said
    plan = a_plan()
    plan["metrics"][0]["baseline"] = True
    assert "metrics, item 1, baseline: must be a number, not true or false" in refusal(plan)
    budget = [{"payer": "vendor", "amount": False, "in_kind": True}]
    assert "budget, item 1, amount: must be a number" in refusal(a_plan(budget=budget))
    disclosure = {"classification": "public", "records": True}
    assert "disclosure, records: must be a number" in refusal(a_plan(disclosure=disclosure))
    said = refusal(a_plan(metrics=[a_plan()["metrics"][0]] * 2))
    assert "two metrics are named parking_turnover" in said


def test_the_data_terms_are_checked():
    data = {**a_plan()["data"], "retention_until": "2028-01-01", "deletion_by": "2027-06-01"}
    assert "data: deletion_by must not come before retention_until" in refusal(a_plan(data=data))
    data = {**a_plan()["data"], "raw_owner": "nobody"}
    assert "data, raw_owner: must be one of 'city', 'vendor' or 'shared'" in refusal(
        a_plan(data=data)
    )


def test_files_are_read_as_json_or_yaml_and_refused_when_unusable():
    as_json = json.dumps(a_plan()).encode()
    assert read_document(as_json, "plan.json")["scope"].startswith("Kerb sensors")
    assert read_document(b"scope: Benches\nstarts: 2027-01-04\n", "plan.yml")["starts"].year == 2027
    with pytest.raises(Refused, match="at most 262144"):
        read_document(b"#" * (1024 * 1024), "plan.yml")
    assert len(b"#" * MAX_PLAN_BYTES) == MAX_PLAN_BYTES
    with pytest.raises(Refused, match="not UTF-8"):
        read_document("scope: café".encode("latin-1"), "plan.yml")
    with pytest.raises(Refused, match="not valid JSON or YAML"):
        read_document(b'{"scope": ', "plan.json")
    for name in ("plan.json", "plan.yml"):
        with pytest.raises(Refused, match="nests lists or keys far deeper than a plan does"):
            read_document(b"[" * 100_000 + b"]" * 100_000, name)
    with pytest.raises(Refused, match="aliases are not accepted"):
        read_document(b"a: &x [1, 2]\nb: *x\n", "plan.yaml")
    assert "must hold keys and values" in refusal(read_document(b"- one\n- two\n", "plan.yml"))
