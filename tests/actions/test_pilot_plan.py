"""The vendor's part of a pilot plan: each answer read as people type it, refused with the
plan's own reason, and the answers stored as the vendor's draft for staff to finish."""

from datetime import date

import pytest
from sqlmodel import select

from actions.guided_form import Invalid
from actions.pilot_plan import (
    AskPilotPlanConfirmed,
    AskSites,
    FinishPilotPlan,
    ValidatePilotPlanForm,
    checked_plan,
    is_done,
    parse_day,
    parse_end,
    parse_items,
    parse_milestone_day,
    parse_money,
    parse_number,
)
from actions.vendor_requests import StartVendorRequest
from storage.catalogue import text
from storage.db import session_scope
from storage.identity import new_browser_sender
from storage.models import SubmitterMessage
from storage.pilots import plan_input, plans
from storage.pilots.views import plan_view
from storage.submissions import get_submission
from storage.workflow import vendor_requests
from storage.workflow.rules import Refused
from storage.workflow.submitter_news import worded
from tests.storage.pilots.plans import a_plan, in_pilot
from tests.support.action_calls import (
    REST_SENDER,
    SENDER,
    pressed,
    run,
    slot_events,
    tracker,
)
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
    assert parse_number("1.200,5") == 1200.5  # Spanish thousands and decimals
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
    with session_scope(sqlite_url) as session:
        submission = get_submission(session, reference)
        assert vendor_requests.PILOT_PLAN not in vendor_requests.open_requests(session, submission)
    with session_scope(sqlite_url) as session, pytest.raises(Refused):
        plans.propose_as_vendor(session, reference, checked_plan(SHORT))
    with session_scope(sqlite_url) as session:
        assert plan_view(session, reference)["scope"] == a_plan()["scope"]


# The form as the action server runs it, against a real database.


def answer(slots: dict, said: str, intent: str = "inform") -> tuple[dict, list]:
    """One answer to the form's current question: the slots after it, what was said."""
    current = pressed(said, slots) if said in CODES else tracker(slots, said, intent, 0.9)
    events, messages = run(ValidatePilotPlanForm(), current)
    return {**slots, **slot_events(events)}, messages


CODES = {"done", "increase", "decrease", "monthly", "vendor", "city", "grant", "yes", "no", "skip"}
# A short plan in Spanish: one metric, one milestone, one budget line.
SPANISH_ANSWERS = (
    ("plan_scope", "Sensores de estacionamiento en 20 espacios del centro."),
    ("plan_sites", "Calle Congreso 100, Calle Madero 5"),
    ("plan_starts", "1 de marzo de 2027"),
    ("plan_ends", "31/8/2027"),
    ("plan_metric_name", "rotación"),
    ("plan_metric_unit", "vehículos/espacio/día"),
    ("plan_metric_baseline", "3,1"),
    ("plan_metric_target", "4,5"),
    ("plan_metric_direction", "increase"),
    ("plan_metric_method", "conteos de los sensores"),
    ("plan_metric_cadence", "monthly"),
    ("plan_metric_reported_by", "vendor"),
    ("plan_more_metrics", "no"),
    ("plan_milestone_name", "Sensores instalados"),
    ("plan_milestone_due", "31 de marzo de 2027"),
    ("plan_more_milestones", "no"),
    ("plan_budget_payer", "vendor"),
    ("plan_budget_amount", "40 mil"),
    ("plan_budget_in_kind", "yes"),
    ("plan_more_budget", "no"),
    ("plan_cost_after", "30 mil dólares"),
    ("plan_exit_removal", "Se retiran en 30 días"),
    ("plan_exit_handover", "Ninguno, todo se retira"),
    ("plan_exit_data", "Se entregan a la Ciudad y se borran"),
    ("plan_neighbourhoods", "Centro, San Juan"),
    ("plan_who_benefits", "Comercios pequeños; los espacios accesibles se informan aparte"),
    ("plan_data_collected", "ocupación, conteos"),
    ("plan_data_personal", "no"),
    ("plan_risks", "Robo de sensores, vandalismo"),
)


def fill(slots: dict, answers=SPANISH_ANSWERS) -> dict:
    for slot, said in answers:
        assert slots["requested_slot"] == slot
        slots, messages = answer(slots, said)
        assert messages == [], (slot, messages)
    return slots


def started(sender: str = SENDER, **slots) -> dict:
    events, _ = run(StartVendorRequest(), pressed("pilot_plan", slots, sender))
    assert events[-1] == {"event": "followup", "name": "pilot_plan_form", "timestamp": None}
    opened = {**slots, **slot_events(events)}
    events, _ = run(ValidatePilotPlanForm(), tracker(opened))
    return {**opened, **slot_events(events)}


def test_the_news_of_the_move_to_pilot_asks_for_the_plan_with_a_button(database):
    reference = in_pilot(database, sender=SENDER)
    with session_scope(database) as session:
        submission = get_submission(session, reference)
        news = session.exec(
            select(SubmitterMessage).where(SubmitterMessage.submission_id == submission.id)
        ).all()[-1]
        spanish = worded(news, "es")
        assert vendor_requests.PILOT_PLAN in vendor_requests.open_requests(session, submission)
    assert spanish.buttons == [
        {"title": "Completa tu parte del plan piloto", "payload": '/choose{"choice":"pilot_plan"}'}
    ]
    # The e-mail, which has no buttons, says where to go.
    assert spanish.text.endswith(text("pilot_plan.asked", "es"))


def test_a_vendor_fills_a_short_plan_in_spanish_and_it_is_their_draft(database):
    reference = in_pilot(database, sender=SENDER)
    slots = fill(started(language="es"))
    assert slots["requested_slot"] == "pilot_plan_confirmed"
    _, [summary] = run(AskPilotPlanConfirmed(), tracker(slots))
    assert summary["text"].startswith(f"Esta es tu parte del plan piloto de {reference}")
    assert "- Sitios: Calle Congreso 100, Calle Madero 5" in summary["text"]
    assert "rotación: 3,1 → 4,5 vehículos/espacio/día, Mensual" in summary["text"]
    assert "El proveedor: $40.000 (en especie)" in summary["text"]
    slots, _ = answer(slots, "sí", "affirm")
    assert slots["form_outcome"] == "confirmed"
    events, [reply] = run(FinishPilotPlan(), tracker(slots))
    assert reply["text"] == text("pilot_plan.sent", "es", reference=reference)
    assert slot_events(events)["plan_scope"] is None
    with session_scope(database) as session:
        view = plan_view(session, reference)
    assert (view["iteration"], view["state"], view["proposed_by"]) == (1, "draft", "vendor")
    assert view["starts"] == "2027-03-01" and view["ends"] == "2027-08-31"
    [metric] = view["metrics"]
    assert (metric["name"], metric["baseline"], metric["target"]) == ("rotación", 3.1, 4.5)
    assert view["milestones"][0]["due"] == "2027-03-31"
    assert view["budget"][0]["amount"] == 40000 and view["budget"][0]["in_kind"] is True
    assert view["risks"][1]["risk"] == "vandalismo"
    assert view["equity"]["neighbourhoods"] == ["Centro", "San Juan"]


def test_another_metric_is_asked_again_and_both_are_kept(database):
    in_pilot(database, sender=SENDER)
    # In English, 31/8/2027 is no date (month 31): the English way to write it.
    english = [
        ("plan_ends", "8/31/2027") if s == "plan_ends" else (s, v) for s, v in SPANISH_ANSWERS
    ]
    slots = fill(started(language="en"), english[:12])
    slots, _ = answer(slots, "yes")
    assert slots["requested_slot"] == "plan_metric_name"
    assert slots["plan_metric_name"] is None and len(slots["plan_metrics"]) == 1
    second = english[4:12]
    second[0] = ("plan_metric_name", "wait time")
    slots = fill(slots, second)
    slots, _ = answer(slots, "no")
    assert [m["name"] for m in slots["plan_metrics"]] == ["rotación", "wait time"]
    assert slots["requested_slot"] == "plan_milestone_name"


def test_a_wrong_answer_is_refused_with_its_reason_and_asked_again(database):
    in_pilot(database, sender=SENDER)
    slots = fill(started(language="es"), SPANISH_ANSWERS[:3])
    again, [said] = answer(slots, "1 de febrero de 2027")
    assert said["text"] == text("pilot_plan.invalid.ends_before_starts", "es")
    assert again["plan_ends"] is None and again["requested_slot"] == "plan_ends"
    slots = fill(slots, SPANISH_ANSWERS[3:17])
    again, [said] = answer(slots, "mucho")
    assert said["text"] == text("pilot_plan.invalid.not_an_amount", "es")


def test_stop_keeps_the_answers_and_the_button_resumes_them(database):
    reference = in_pilot(database, sender=SENDER)
    slots = fill(started(language="es"), SPANISH_ANSWERS[:5])
    slots, _ = answer(slots, "parar", "stop")
    slots, _ = answer(slots, "sí", "affirm")
    assert slots["form_outcome"] == "stopped"
    events, [said] = run(FinishPilotPlan(), tracker(slots))
    assert said["text"] == text("pilot_plan.kept", "es")
    slots = {**slots, **slot_events(events)}
    events, [said] = run(StartVendorRequest(), pressed("pilot_plan", slots))
    assert said["text"] == text("pilot_plan.resumed", "es", reference=reference)
    resumed = {**slots, **slot_events(events)}
    assert resumed["plan_metric_name"] == "rotación" and resumed["form_outcome"] is None
    events, _ = run(ValidatePilotPlanForm(), tracker(resumed))
    assert slot_events(events)["requested_slot"] == "plan_metric_unit"


def test_only_the_vendor_is_offered_the_form(database):
    in_pilot(database, sender=SENDER)
    for sender, key in (
        (new_browser_sender(), "pilot_plan.nothing_open"),
        (REST_SENDER, "vendor_requests.not_proven"),
    ):
        events, [said] = run(
            StartVendorRequest(), pressed("pilot_plan", {"language": "en"}, sender)
        )
        assert events == [] and said["text"] == text(key, "en")


def test_a_list_is_given_one_per_message_and_done_or_all_at_once(database):
    in_pilot(database, sender=SENDER)
    slots = fill(started(language="es"), SPANISH_ANSWERS[:1])
    slots, _ = answer(slots, "listo")
    assert slots["requested_slot"] == "plan_sites"  # nothing given yet: refused
    slots, said = answer(slots, "Calle Congreso 100")
    assert said == [] and slots["plan_sites"] is None
    _, [more] = run(AskSites(), tracker(slots))
    assert more["text"] == text("pilot_plan.list_more", "es", items="Calle Congreso 100")
    assert more["buttons"][0]["title"] == "Listo"
    slots, _ = answer(slots, "Calle Madero 5")
    slots, _ = answer(slots, "done")  # the button
    assert slots["plan_sites"] == ["Calle Congreso 100", "Calle Madero 5"]
    assert slots["plan_list_so_far"] is None and slots["requested_slot"] == "plan_starts"
    # Several at once answer it whole.
    slots = fill(slots, SPANISH_ANSWERS[2:24])
    slots, _ = answer(slots, "Centro, San Juan")
    assert slots["plan_neighbourhoods"] == ["Centro", "San Juan"]
