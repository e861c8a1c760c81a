"""The submitter's requests typed in their own words (actions/vendor_requests.py TYPED):
started on the conversation's live proof, else proven as a status question is (the
reference with the private status code, or the identity that submitted), and started
once the proof is given; never for a sender a REST client names. Run as the action
server runs them, against a real database."""

import pytest

from actions.status import PROOF_SLOT, TYPED_REQUEST_SLOT, CheckStatus, proof
from actions.vendor_requests import StartVendorRequest
from storage.catalogue import text
from storage.db import session_scope
from storage.workflow import evaluation, rules, transitions
from tests.support.action_calls import REST_SENDER, SENDER, run, slot_events, tracker
from tests.support.roster import on_roster
from tests.support.submissions import submit, submitted

pytestmark = pytest.mark.usefixtures("database")
LEAD = rules.Staff.operator("carol")
FOLLOW_UP = {"event": "followup", "name": "action_vendor_request", "timestamp": None}


def typed(intent: str, said: str, slots: dict, sender: str = SENDER, reference: str = ""):
    """A request typed: `said` understood as `intent`, with its reference entity if any."""
    entities = [{"entity": "reference", "value": reference}] if reference else []
    return tracker(slots, said, intent, 0.98, {"entities": entities}, sender)


def responses(messages: list[dict]) -> list[str | None]:
    return [m.get("response") for m in messages]


def test_a_typed_withdrawal_on_a_live_proof_starts_the_same_form_as_the_button(database):
    reference = submit(database, sender=SENDER)
    slots = {"language": "es", PROOF_SLOT: proof(reference)}
    for said, named in (("quiero retirar mi propuesta", ""), (f"retiren {reference}", reference)):
        events, messages = run(
            StartVendorRequest(), typed("withdraw_submission", said, slots, reference=named)
        )
        assert messages == []
        assert slot_events(events)["request_reference"] == reference
        assert events[-1] == {"event": "followup", "name": "withdraw_form", "timestamp": None}


def test_a_typed_request_without_a_proof_asks_for_it_then_starts_once_proven(database):
    receipt = submitted(
        database, "web-original-conversation", "es", answers={"solution": "Bancas solares"}
    )
    reference, code = receipt.reference, receipt.status_token
    events, [asked] = run(
        StartVendorRequest(),
        typed("amend_submission", "necesito cambiar una respuesta", {"language": "es"}),
    )
    assert asked["text"] == text("vendor_requests.typed.ask_proof", "es")
    assert slot_events(events) == {TYPED_REQUEST_SLOT: "amend"}

    # The reference and the code, as a status question: the status, then the request.
    waiting = {"language": "es", TYPED_REQUEST_SLOT: "amend"}
    said = f"{reference} mi código es {code}"
    events, messages = run(
        CheckStatus(), tracker(waiting, said, "check_status", 0.9, {"entities": []})
    )
    assert responses(messages) == ["utter_status"]  # no buttons: the request goes on
    assert messages[0]["entryway_private"]["secrets"] == [code]
    assert events[-1] == FOLLOW_UP
    assert slot_events(events)[PROOF_SLOT]["reference"] == reference

    proven = {**waiting, PROOF_SLOT: slot_events(events)[PROOF_SLOT]}
    events, _ = run(StartVendorRequest(), tracker(proven, said, "check_status", 0.9))
    changes = slot_events(events)
    assert changes[TYPED_REQUEST_SLOT] is None  # used up
    assert (changes["request_reference"], changes["amend_fields"]) == (reference, ["solution"])
    assert events[-1] == {"event": "followup", "name": "amend_form", "timestamp": None}


def test_a_look_up_that_proves_nothing_uses_the_waiting_request_up(database):
    reference = submit(database, sender="web-someone-else")
    waiting = {"language": "en", TYPED_REQUEST_SLOT: "withdraw"}
    events, messages = run(CheckStatus(), tracker(waiting, f"status of {reference}"))
    assert responses(messages) == ["utter_status"]
    assert slot_events(events)[TYPED_REQUEST_SLOT] is None
    assert FOLLOW_UP not in events


def test_a_typed_request_naming_a_submission_proves_it_as_a_status_question(database):
    """By the identity that submitted it (this page's), or else asking for the code."""
    on_roster(database, "UANN", "UBOB")
    reference = submit(database, sender=SENDER)
    with session_scope(database) as session:
        for who in ("slack:UANN", "slack:UBOB"):
            evaluator = rules.Staff(who)
            evaluation.declare_conflict(session, reference, evaluator, False)
            evaluation.score(session, reference, evaluator, {c: 4 for c in rules.RUBRIC})
        transitions.decline(session, reference, LEAD, "Not a fit this year.")
    said = f"how did {reference} score?"
    events, messages = run(
        StartVendorRequest(),
        typed("request_debrief", said, {"language": "en"}, reference=reference),
    )
    assert responses(messages)[0] == "utter_status"
    assert messages[-1]["text"].split("\n")[0] == text(
        "vendor_requests.debrief.header", "en", reference=reference, count=2
    )
    assert slot_events(events)[PROOF_SLOT]["reference"] == reference

    # Another conversation, which did not submit it: the public status, then the code asked.
    events, messages = run(
        StartVendorRequest(),
        typed("request_debrief", said, {"language": "en"}, "browser-" + "x" * 32, reference),
    )
    assert responses(messages) == ["utter_status", None]
    assert messages[-1]["text"] == text("vendor_requests.typed.ask_code", "en", reference=reference)
    assert slot_events(events)[TYPED_REQUEST_SLOT] == "debrief"
    assert PROOF_SLOT not in slot_events(events)


def test_a_typed_request_for_an_unknown_submission_waits_for_nothing(database):
    events, messages = run(
        StartVendorRequest(),
        typed(
            "withdraw_submission",
            "withdraw SC-2026-09999",
            {"language": "en"},
            reference="SC-2026-09999",
        ),
    )
    assert responses(messages) == ["utter_status_unknown"]
    assert TYPED_REQUEST_SLOT not in slot_events(events)


def test_a_rest_client_is_never_offered_a_typed_request(database):
    receipt = submitted(database, "web-resident", "en")
    reference, code = receipt.reference, receipt.status_token
    said = f"please withdraw {reference}, code {code}"
    slots = {"language": "en", PROOF_SLOT: proof(reference)}  # even with a proof kept
    events, [reply] = run(
        StartVendorRequest(),
        typed("withdraw_submission", said, slots, REST_SENDER, reference),
    )
    assert (events, reply["text"]) == ([], text("vendor_requests.typed.not_here", "en"))
