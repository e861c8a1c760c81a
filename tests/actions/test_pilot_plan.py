"""The vendor's part of a pilot plan: each answer read as people type it, refused with the
plan's own reason, and the answers stored as the vendor's draft for staff to finish."""

from datetime import date

import pytest

from actions.guided_form import Invalid
from actions.pilot_plan import (
    checked_plan,
    is_done,
    parse_day,
    parse_end,
    parse_items,
    parse_milestone_day,
    parse_money,
    parse_number,
)
from storage.db import session_scope
from storage.pilots import plan_input, plans
from storage.pilots.views import plan_view
from storage.workflow.rules import Refused
from tests.storage.pilots.plans import a_plan, in_pilot
from tests.support.roster import TEST_OPERATOR


@pytest.mark.parametrize(
    ("typed", "language", "meant"),
    [
        ("2027-03-01", "en", date(2027, 3, 1)),
        ("1 March 2027", "en", date(2027, 3, 1)),
        ("March 1st, 2027", "en", date(2027, 3, 1)),
        ("3/1/2027", "en", date(2027, 3, 1)),
        ("3/1/2027", "es", date(2027, 1, 3)),
        ("1 de marzo de 2027", "es", date(2027, 3, 1)),
        ("1° de Marzo 2027", "es", None),
        ("15 sept. 2027", "es", date(2027, 9, 15)),
        ("31 de diciembre del 2027", "es", date(2027, 12, 31)),
    ],
)
def test_dates_are_read_as_people_type_them(typed, language, meant):
    if meant is None:
        with pytest.raises(Invalid):
            parse_day(typed, language)
    else:
        assert parse_day(typed, language) == meant


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("next March", "pilot_plan.invalid.not_a_date"),
        ("1 March", "pilot_plan.invalid.not_a_date"),
        ("31 April 2027", "pilot_plan.invalid.no_such_day"),
        ("1 March 2207", "pilot_plan.invalid.year_out_of_range"),
    ],
)
def test_a_date_that_is_not_one_is_refused_with_the_reason(typed, reason):
    with pytest.raises(Invalid) as refused:
        parse_day(typed, "en")
    assert refused.value.key == reason
    assert refused.value.message("es") != refused.value.message("en")


def test_the_end_and_the_milestones_follow_the_start():
    starts = date(2027, 3, 1)
    assert parse_end("2027-09-01", "en", starts) == date(2027, 9, 1)
    for typed, reason in (
        ("2027-02-01", "pilot_plan.invalid.ends_before_starts"),
        ("2027-03-01", "pilot_plan.invalid.ends_before_starts"),
        ("2033-03-01", "pilot_plan.invalid.too_long"),
    ):
        with pytest.raises(Invalid) as refused:
            parse_end(typed, "en", starts)
        assert refused.value.key == reason
    ends = date(2027, 9, 1)
    # Equipment removed after the end is still a milestone; two years after is a typo.
    assert parse_milestone_day("2027-10-15", "en", starts, ends) == date(2027, 10, 15)
    with pytest.raises(Invalid, match="milestone_outside"):
        parse_milestone_day("2029-10-15", "en", starts, ends)


def test_lists_numbers_and_amounts():
    assert parse_items("Parque Juárez, Calle 5;\nMercado Norte.") == [
        "Parque Juárez",
        "Calle 5",
        "Mercado Norte",
    ]
    assert parse_items("Bed and Breakfast Row") == ["Bed and Breakfast Row"]
    with pytest.raises(Invalid, match="no_items"):
        parse_items(" , ;")
    assert is_done("Listo.") and is_done("done") and not is_done("Downtown")
    assert parse_number("12,5") == 12.5
    assert parse_number("1,200") == 1200
    assert parse_number("-3") == -3
    assert parse_number("40 %") == 40
    for typed in ("a lot", "nan", "inf"):
        with pytest.raises(Invalid, match="not_a_number"):
            parse_number(typed)
    assert parse_money("40 mil dólares") == 40000
    assert parse_money("$2,500") == 2500
    with pytest.raises(Invalid, match="not_an_amount"):
        parse_money("some")


SHORT = {
    "scope": "Sensores de estacionamiento en 20 espacios del centro.",
    "sites": ["Calle Congreso 100"],
    "starts": date(2027, 3, 1),
    "ends": date(2027, 8, 31),
    "metrics": [
        {
            "name": "rotacion",
            "unit": "vehículos/espacio/día",
            "baseline": 3,
            "target": 4.5,
            "direction": "increase",
            "method": "conteos de los sensores",
            "cadence": "monthly",
            "reported_by": "vendor",
        }
    ],
    "milestones": [{"name": "Sensores instalados", "due": date(2027, 3, 31)}],
    "budget": [{"payer": "vendor", "amount": 40000, "in_kind": True}],
    "cost_after_pilot": {"amount": 30000, "per": "year"},
    "data_collected": ["ocupación"],
    "data_personal": False,
    "exit_plan": {"removal": "Se retiran en 30 días", "data_return": "Se entregan y se borran"},
    "equity": {"neighbourhoods": ["Centro"], "who_benefits": "Comercios pequeños"},
    "risks": ["Robo de sensores"],
}


def test_the_answers_are_a_plan_and_a_wrong_part_is_named():
    plan = checked_plan(SHORT)
    assert plan.metrics[0].baseline == 3 and plan.risks[0].risk == "Robo de sensores"
    # Data is collected, so the disclosure is staff's to assess before approval.
    assert plan.disclosure is None
    with pytest.raises(Invalid) as refused:
        checked_plan({**SHORT, "metrics": []})
    assert refused.value.key == "pilot_plan.invalid.part.metrics"
    late = [{"name": "Informe", "due": date(2029, 1, 1)}]
    with pytest.raises(Invalid) as refused:
        checked_plan({**SHORT, "milestones": late})
    assert refused.value.key == "pilot_plan.invalid.part.dates"


def test_the_vendor_proposes_a_draft_and_may_redo_it_until_staff_take_it(sqlite_url):
    reference = in_pilot(sqlite_url)
    with session_scope(sqlite_url) as session:
        assert plans.propose_as_vendor(session, reference, checked_plan(SHORT)).changed
    with session_scope(sqlite_url) as session:
        shorter = {**SHORT, "sites": ["Calle Congreso 100", "Calle Madero 5"]}
        plans.propose_as_vendor(session, reference, checked_plan(shorter))
    with session_scope(sqlite_url) as session:
        view = plan_view(session, reference)
    assert view["iteration"] == 1 and view["state"] == "draft"
    assert view["proposed_by"] == "vendor"
    assert view["sites"] == ["Calle Congreso 100", "Calle Madero 5"]
    assert [m["name"] for m in view["metrics"]] == ["rotacion"]
    assert view["budget"][0]["amount"] == 40000 and view["budget"][0]["in_kind"] is True
    # Staff complete the draft: from then on it is theirs, and the vendor's form is refused.
    with session_scope(sqlite_url) as session:
        plans.set_plan(session, reference, TEST_OPERATOR, plan_input.checked(a_plan(), reference))
    with session_scope(sqlite_url) as session, pytest.raises(Refused):
        plans.propose_as_vendor(session, reference, checked_plan(SHORT))
    with session_scope(sqlite_url) as session:
        assert plan_view(session, reference)["scope"] == a_plan()["scope"]
