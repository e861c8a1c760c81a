"""The vendor answers a pilot check-in in chat (actions/pilot_checkin.py), as the action
server runs it, against a real database with a plan approved through the storage
functions, pushed through time with the check-in tests' clock: the button on the ask,
who may answer, each value asked and read in either language's way of writing numbers,
the summary, the answer stored, "stop" storing nothing, and each refusal worded."""

from datetime import date, timedelta

import pytest
import time_machine
from sqlmodel import select

from actions.guided_form import NOT_GIVEN, Invalid
from actions.pilot_checkin import (
    ALL_GIVEN,
    AskCheckinConfirmed,
    AskCheckinProgress,
    AskCheckinValue,
    FinishPilotCheckin,
    StartPilotCheckin,
    ValidatePilotCheckinForm,
    parse_value,
    refusal,
)
from actions.status import PROOF_SLOT, proof
from actions.vendor_requests import StartVendorRequest
from storage import inbox
from storage.catalogue import text
from storage.db import session_scope
from storage.identity import new_browser_sender
from storage.models import SubmitterMessage
from storage.pilots import readings
from storage.pilots.checkins import CheckinRefused
from storage.pilots.models import CheckinState, PilotCheckin, PilotReading
from tests.storage.pilots.test_checkins import (
    LEAD,
    MONTHLY_ASKED,
    PLAN,
    approved_pilot,
    plan_at,
    stored,
)
from tests.support.action_calls import (
    REST_SENDER,
    SENDER,
    pressed,
    run,
    slot_events,
    tracker,
)

pytestmark = pytest.mark.usefixtures("database")
LATER = MONTHLY_ASKED + timedelta(hours=3)  # the monthly check-in asked that morning


def at_later(action, current):
    with time_machine.travel(LATER, tick=False):
        return run(action, current)


def proof_at_later(reference: str) -> dict:
    """What a status look-up with the private code kept a moment before LATER."""
    with time_machine.travel(LATER - timedelta(minutes=1), tick=False):
        return proof(reference)


def monthly(database: str) -> tuple[str, PilotCheckin]:
    """A pilot of SENDER's whose monthly check-in (parking_turnover) was asked today."""
    reference = approved_pilot(database, sender=SENDER)
    plan_at(database, MONTHLY_ASKED)
    checkin = stored(database, reference)[1]
    assert checkin.metrics == ["parking_turnover"] and checkin.state is CheckinState.open
    return reference, checkin


def started(database: str, checkin: PilotCheckin, language: str = "es") -> dict:
    """The slots once the button started the form."""
    events, _ = at_later(
        StartPilotCheckin(), pressed(f"checkin_{checkin.id}", {"language": language})
    )
    assert events[-1] == {"event": "followup", "name": "pilot_checkin_form", "timestamp": None}
    return {"language": language, **slot_events(events)}


def answer(form_slots: dict, requested: str, said: str, intent: str = "inform"):
    return at_later(
        ValidatePilotCheckinForm(),
        tracker({**form_slots, "requested_slot": requested}, said, intent, 0.5),
    )


def readings_stored(database: str) -> list[tuple[float, str]]:
    with session_scope(database) as session:
        return [(r.value, r.reported_by) for r in session.exec(select(PilotReading))]


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("3,5", 3.5),
        ("3.5", 3.5),
        ("4", 4.0),
        ("-2,25", -2.25),
        ("1,200.5", 1200.5),
        ("1.200,5", 1200.5),
        ("12,000", 12000.0),
        ("0.125", 0.125),
        ("4.2 vehicles", 4.2),
        ("4,2 vehículos", 4.2),
    ],
)
def test_a_value_is_read_as_either_language_writes_it(typed: str, value: float):
    assert parse_value(typed) == value


@pytest.mark.parametrize("typed", ["", "about four", "3 or 4", "4..5", "1e400", "4/5", "1" * 150])
def test_what_is_no_number_is_refused(typed: str):
    with pytest.raises(Invalid) as problem:
        parse_value(typed)
    assert problem.value.key == "pilot_checkins.form.not_a_number"


def test_the_ask_carries_the_button_that_names_the_check_in(database):
    _, checkin = monthly(database)
    with session_scope(database) as session:
        [asked] = session.exec(
            select(SubmitterMessage).where(
                SubmitterMessage.key == f"pilot_checkin:{checkin.id}:asked"
            )
        ).all()
        worded = inbox.message_for(session, asked.id)
    assert worded is not None and worded.buttons == [
        {"title": "Report the values", "payload": f'/choose{{"choice":"checkin_{checkin.id}"}}'}
    ]
    # The request buttons' action hands the code to the check-in's.
    events, _ = run(StartVendorRequest(), pressed(f"checkin_{checkin.id}", {"language": "en"}))
    assert events == [{"event": "followup", "name": "action_pilot_checkin", "timestamp": None}]


def test_only_the_vendor_may_answer(database):
    reference, checkin = monthly(database)
    code = f"checkin_{checkin.id}"
    refused = text("pilot_checkins.form.not_yours", "es")
    # Someone else's browser; a REST client naming its own sender id, even with a proof.
    for sender, slots in (
        (new_browser_sender(), {}),
        (REST_SENDER, {PROOF_SLOT: proof_at_later(reference)}),
    ):
        events, [reply] = at_later(
            StartPilotCheckin(), pressed(code, {"language": "es", **slots}, sender)
        )
        assert (events, reply["text"]) == ([], refused)
    # Another browser that proved the submission by its private status code may.
    events, _ = at_later(
        StartPilotCheckin(),
        pressed(
            code, {"language": "es", PROOF_SLOT: proof_at_later(reference)}, new_browser_sender()
        ),
    )
    assert slot_events(events)["checkin_id"] == checkin.id
    # No such check-in: refused the same way, telling nothing.
    _, [reply] = at_later(StartPilotCheckin(), pressed("checkin_999999", {"language": "es"}))
    assert reply["text"] == refused


def test_the_vendor_answers_in_spanish_and_the_check_in_is_answered(database):
    reference, checkin = monthly(database)
    slots = started(database, checkin)
    assert slots["request_reference"] == reference
    assert slots["checkin_metrics"] == [
        {"name": "parking_turnover", "unit": "vehicles/space/day", "baseline": 3.1, "target": 4.5}
    ]
    _, [asked] = run(AskCheckinValue(), tracker({**slots, "requested_slot": "checkin_value"}))
    assert asked["text"] == (
        "¿Qué valor mediste para parking_turnover (vehicles/space/day; línea base 3,1, meta 4,5)?"
    )
    events, [problem] = answer(slots, "checkin_value", "más o menos cuatro")
    assert problem["text"] == text("pilot_checkins.form.not_a_number", "es")
    assert slot_events(events)["checkin_value"] is None
    events, _ = answer(slots, "checkin_value", "4,1")
    given = slot_events(events)
    assert given["checkin_values"] == {"parking_turnover": 4.1}
    assert given["checkin_value"] == ALL_GIVEN and given["requested_slot"] == "checkin_progress"
    slots.update(given)
    events, _ = answer(slots, "checkin_progress", "Reorientamos doce sensores.")
    slots.update(slot_events(events))
    assert slots["requested_slot"] == "checkin_confirmed"
    _, [summary] = run(AskCheckinConfirmed(), tracker(slots))
    assert summary["text"] == (
        f"¿Enviar esto a la Ciudad para {reference}?\n"
        "- parking_turnover: 4,1 vehicles/space/day\n"
        "Avance: Reorientamos doce sensores."
    )
    events, _ = answer(slots, "checkin_confirmed", "sí", "affirm")
    slots.update(slot_events(events))
    assert slots["form_outcome"] == "confirmed"
    events, [reply] = at_later(FinishPilotCheckin(), tracker(slots))
    assert reply["text"] == text("pilot_checkins.form.answered", "es", reference=reference)
    assert slot_events(events)["checkin_values"] is None  # the form's slots emptied
    assert readings_stored(database) == [(4.1, "vendor")]
    [_, answered, *_] = stored(database, reference)
    assert (answered.state, answered.progress) == (
        CheckinState.answered,
        "Reorientamos doce sensores.",
    )
    # The button pressed again: the check-in is answered already.
    _, [reply] = at_later(StartPilotCheckin(), pressed(f"checkin_{checkin.id}", {"language": "en"}))
    assert reply["text"] == "That check-in is already answered: thank you."


def test_a_value_skipped_keeps_the_check_in_open_with_the_progress_stored(database):
    reference, checkin = monthly(database)
    slots = started(database, checkin, "en")
    events, _ = answer(slots, "checkin_value", "skip")
    slots.update(slot_events(events))
    assert slots["checkin_values"] == {"parking_turnover": None}
    slots.update(checkin_progress="Sensors back online after the storm.")
    _, [summary] = run(AskCheckinConfirmed(), tracker(slots))
    assert "- parking_turnover: not reported" in summary["text"]
    slots.update(checkin_confirmed="yes", form_outcome="confirmed")
    _, [reply] = at_later(FinishPilotCheckin(), tracker(slots))
    assert reply["text"] == text("pilot_checkins.form.partly", "en", reference=reference)
    assert readings_stored(database) == []
    kept = stored(database, reference)[1]
    assert (kept.state, kept.progress) == (
        CheckinState.open,
        "Sensors back online after the storm.",
    )


def test_a_milestone_alone_asks_only_how_it_went_and_is_answered_by_it(database):
    plan = {**PLAN, "metrics": [PLAN["metrics"][0]]}  # monthly only: no at_milestones metric
    reference = approved_pilot(database, plan, sender=SENDER)
    plan_at(database, MONTHLY_ASKED)
    milestone = stored(database, reference)[0]
    assert milestone.slot == "milestone:0" and milestone.metrics == []
    slots = started(database, milestone, "en")
    events, _ = run(ValidatePilotCheckinForm(), tracker(slots))  # as Rasa activates it
    assert slot_events(events)["requested_slot"] == "checkin_progress"
    _, [asked] = run(AskCheckinProgress(), tracker(slots))
    assert 'how did the milestone "Sensors installed" go' in asked["text"]
    slots.update(checkin_progress="Installed on time.", form_outcome="confirmed")
    _, [reply] = at_later(FinishPilotCheckin(), tracker(slots))
    assert reply["text"] == text("pilot_checkins.form.answered", "en", reference=reference)
    assert stored(database, reference)[0].state is CheckinState.answered


def test_stop_leaves_with_nothing_stored(database):
    reference, checkin = monthly(database)
    slots = started(database, checkin)
    events, _ = answer(slots, "checkin_value", "4,1")
    slots.update(slot_events(events))
    events, _ = answer(slots, "checkin_progress", "parar")
    slots.update(slot_events(events))
    assert slots["form_outcome"] == "stopped"
    _, [reply] = at_later(FinishPilotCheckin(), tracker(slots))
    assert reply["text"] == text("pilot_checkins.form.kept", "es")
    assert readings_stored(database) == []
    assert stored(database, reference)[1].state is CheckinState.open


def test_a_refusal_is_worded_in_the_vendors_language(database):
    reference, checkin = monthly(database)
    slots = started(database, checkin)
    # The City measured the metric today while the vendor was answering.
    with time_machine.travel(LATER, tick=False), session_scope(database) as session:
        readings.report(
            session, reference, LEAD, "parking_turnover", 3.9, date(2027, 2, 4), reported_by="city"
        )
    # (The City's reading answered the check-in; asked again, the vendor is told so.)
    slots.update(
        checkin_values={"parking_turnover": 4.1},
        checkin_progress=NOT_GIVEN,
        checkin_confirmed="yes",
        form_outcome="confirmed",
    )
    _, [reply] = at_later(FinishPilotCheckin(), tracker(slots))
    assert reply["text"] == "Esa revisión ya está respondida: gracias."
    assert readings_stored(database) == [(3.9, "city")]


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_refusal_code_has_its_words(language: str):
    refusals = [
        CheckinRefused("no_checkin"),
        CheckinRefused("not_open", state="answered"),
        CheckinRefused("not_open", state="cancelled"),
        CheckinRefused("not_running"),
        CheckinRefused("unknown_metric", metric="noise_db", known=["parking_turnover"]),
        CheckinRefused("not_a_number", metric="parking_turnover"),
        CheckinRefused("nothing_given"),
        CheckinRefused("city_measured", metric="parking_turnover", on="2027-02-04"),
    ]
    worded = [refusal(refused, language) for refused in refusals]
    assert len(set(worded)) == len(refusals)
    assert worded[-1].count("2027") == 1 and "parking_turnover" in worded[-1]
