"""The submitter's requests in chat (actions/vendor_requests.py, actions/status.py): the
buttons a proven status answer offers, and withdraw, amend and debrief run as the action
server runs them, against a real database, in both languages."""

from datetime import timedelta

import pytest
from sqlmodel import select

from actions.guided_form import NOT_GIVEN
from actions.status import PROOF_SLOT, CheckStatus, proof
from actions.vendor_requests import (
    AskAmendConfirmed,
    AskAmendField,
    FinishAmend,
    FinishWithdraw,
    StartVendorRequest,
    ValidateAmendForm,
    ValidateWithdrawForm,
)
from storage import submissions
from storage.catalogue import text
from storage.db import session_scope
from storage.models import Activity, Status, utcnow
from storage.workflow import evaluation, rules, transitions
from tests.support.action_calls import (
    REST_SENDER,
    SENDER,
    pressed,
    run,
    slot_events,
    tracker,
)
from tests.support.roster import on_roster
from tests.support.submissions import submit, submitted

pytestmark = pytest.mark.usefixtures("database")
LEAD = rules.Staff.operator("carol")


def proven(reference: str, language: str = "es", **slots) -> dict:
    return {"language": language, PROOF_SLOT: proof(reference), **slots}


def stored(url: str, reference: str):
    with session_scope(url) as session:
        submission = submissions.get_submission(session, reference)
        answers = {a.field: a.value for a in submissions.get_answers(session, submission.id)}
        return submission.status, answers


def test_only_a_proven_status_answer_offers_the_requests_as_buttons(database):
    reference = submit(database, sender=SENDER)
    _, messages = run(CheckStatus(), tracker({"language": "es"}, text=f"estado de {reference}"))
    offer = messages[-1]
    assert offer["text"] == text("vendor_requests.offer", "es", reference=reference)
    assert [(b["title"], b["payload"]) for b in offer["buttons"]] == [
        ("Retirar mi envío", '/choose{"choice":"withdraw"}'),
        ("Cambiar una respuesta", '/choose{"choice":"amend"}'),
    ]
    # Someone else, and a REST client without the private code: the public status only.
    for sender in ("web-someone-else", REST_SENDER):
        events, messages = run(CheckStatus(), tracker(text=f"status of {reference}", sender=sender))
        assert [m.get("response") for m in messages] == ["utter_status"]
        assert PROOF_SLOT not in slot_events(events)


def test_a_rest_client_with_the_private_code_sees_its_status_but_keeps_no_proof(database):
    """A REST client names its own sender id, so the next message from that id may be
    anyone's: the code shows the private answer of this look-up only, and no request is
    offered or accepted on a proof kept for later."""
    receipt = submitted(database, "web-resident", "en")
    with session_scope(database) as session:
        transitions.decline(session, receipt.reference, LEAD, "Not a fit for this year.")
    said = f"status of {receipt.reference} code {receipt.status_token}"
    events, messages = run(
        CheckStatus(), tracker({"language": "en"}, text=said, sender=REST_SENDER)
    )
    assert [m.get("response") for m in messages] == ["utter_status", "utter_status_for_you"]
    assert not any(m.get("buttons") for m in messages)
    assert PROOF_SLOT not in slot_events(events)


def test_a_proof_in_a_rest_senders_conversation_is_not_taken(database):
    reference = submit(database, sender=SENDER)
    events, [reply] = run(StartVendorRequest(), pressed("withdraw", proven(reference), REST_SENDER))
    assert (events, reply["text"]) == ([], text("vendor_requests.not_proven", "es"))
    # Nor at the confirmation, had a form been started before.
    done = proven(
        reference, request_reference=reference, withdraw_confirmed="yes", form_outcome="confirmed"
    )
    _, [reply] = run(FinishWithdraw(), tracker(done, sender=REST_SENDER))
    assert reply["text"] == text("vendor_requests.not_proven", "es")
    assert stored(database, reference)[0] is Status.received


def test_a_request_without_a_proof_or_with_an_old_one_is_refused(database):
    reference = submit(database, sender=SENDER)
    old = {"reference": reference, "at": (utcnow() - timedelta(minutes=11)).isoformat()}
    for slots in ({"language": "es"}, {"language": "es", PROOF_SLOT: old}):
        events, [reply] = run(StartVendorRequest(), pressed("withdraw", slots))
        assert (events, reply["text"]) == ([], text("vendor_requests.not_proven", "es"))
    assert stored(database, reference)[0] is Status.received


def test_withdraw_in_spanish_asks_a_reason_and_a_yes_then_withdraws_once(database):
    reference = submit(database, sender=SENDER)
    events, _ = run(StartVendorRequest(), pressed("withdraw", proven(reference)))
    assert slot_events(events)["request_reference"] == reference
    assert events[-1] == {"event": "followup", "name": "withdraw_form", "timestamp": None}
    asked = proven(reference, request_reference=reference)
    events, _ = run(
        ValidateWithdrawForm(),
        tracker({**asked, "requested_slot": "withdraw_reason"}, "Encontramos otro socio", "inform"),
    )
    assert slot_events(events) == {
        "withdraw_reason": "Encontramos otro socio",
        "requested_slot": "withdraw_confirmed",
    }
    answered = {**asked, "withdraw_reason": "Encontramos otro socio"}
    events, _ = run(
        ValidateWithdrawForm(),
        tracker({**answered, "requested_slot": "withdraw_confirmed"}, "sí", "affirm", 0.99),
    )
    assert slot_events(events)["form_outcome"] == "confirmed"
    done = {**answered, "withdraw_confirmed": "yes", "form_outcome": "confirmed"}
    events, [reply] = run(FinishWithdraw(), tracker(done))
    assert reply["text"] == text("vendor_requests.withdraw.done", "es", reference=reference)
    assert slot_events(events)["request_reference"] is None
    assert stored(database, reference)[0] is Status.withdrawn
    with session_scope(database) as session:
        submission = submissions.get_submission(session, reference)
        change = submissions.status_history(session, submission.id)[-1]
        assert (change.actor, change.internal_note) == (rules.SUBMITTER, "Encontramos otro socio")
    # The same confirmation again (a replayed turn) withdraws nothing twice.
    _, [reply] = run(FinishWithdraw(), tracker(done))
    assert reply["text"] == text("vendor_requests.withdraw.already", "es", reference=reference)


@pytest.mark.parametrize(
    ("requested", "said", "intent"),
    [("withdraw_reason", "cancelar", "stop"), ("withdraw_confirmed", "no", "deny")],
)
def test_stop_or_no_leaves_the_withdrawal_with_nothing_changed(database, requested, said, intent):
    reference = submit(database, sender=SENDER)
    slots = proven(reference, request_reference=reference, withdraw_reason=NOT_GIVEN)
    if requested == "withdraw_reason":
        slots.pop("withdraw_reason")
    events, _ = run(
        ValidateWithdrawForm(), tracker({**slots, "requested_slot": requested}, said, intent, 0.99)
    )
    assert slot_events(events)["form_outcome"] == "stopped"
    assert slot_events(events)["requested_slot"] is None  # the form ends
    events, [reply] = run(FinishWithdraw(), tracker({**slots, "form_outcome": "stopped"}))
    assert reply["text"] == text("vendor_requests.withdraw.kept", "es", reference=reference)
    assert stored(database, reference)[0] is Status.received


def test_amend_checks_the_new_answer_with_the_intake_forms_own_question(database):
    # Its answers: solution (confidential), departments, city_ask.
    reference = submit(database, sender=SENDER)
    events, _ = run(StartVendorRequest(), pressed("amend", proven(reference, "en")))
    slots = {**proven(reference, "en"), **slot_events(events)}
    assert (slots["amend_kind"], slots["amend_fields"]) == (
        "proposal",
        ["solution", "departments", "city_ask"],  # the form's order
    )
    _, [which] = run(AskAmendField(), tracker(slots))
    assert [b["title"] for b in which["buttons"]] == [
        "Solution",
        "Departments",
        "What you ask of the City",
    ]
    events, _ = run(
        ValidateAmendForm(), pressed("solution", {**slots, "requested_slot": "amend_field"})
    )
    assert slot_events(events) == {"amend_field": "solution", "requested_slot": "amend_value"}
    slots["amend_field"] = "solution"
    # The intake form wants at least ten characters for a solution; so does the change.
    for language in ("en", "es"):
        asked = {**slots, "language": language, "requested_slot": "amend_value"}
        events, [reply] = run(ValidateAmendForm(), tracker(asked, "Benches", "inform", 0.3))
        assert reply["text"] == text("form.invalid.too_short", language, minimum=10)
        assert slot_events(events) == {"amend_value": None, "requested_slot": "amend_value"}
    new = "Solar benches with USB charging"
    asked = {**slots, "requested_slot": "amend_value"}
    events, _ = run(ValidateAmendForm(), tracker(asked, new, "inform", 0.3))
    assert slot_events(events) == {"amend_value": new, "requested_slot": "amend_confirmed"}
    slots["amend_value"] = new
    _, [confirm] = run(AskAmendConfirmed(), tracker(slots))
    assert confirm["text"] == text(
        "vendor_requests.amend.confirm", "en", label="Solution", reference=reference, value=new
    )
    events, _ = run(
        ValidateAmendForm(), tracker({**slots, "requested_slot": "amend_confirmed"}, "yes")
    )
    assert slot_events(events)["form_outcome"] == "confirmed"
    events, [reply] = run(FinishAmend(), tracker({**slots, "form_outcome": "confirmed"}))
    assert reply["text"] == text("vendor_requests.amend.done", "en", reference=reference)
    assert slot_events(events)["amend_fields"] is None
    assert stored(database, reference)[1]["solution"] == new
    with session_scope(database) as session:
        [entry] = session.exec(select(Activity).where(Activity.kind == "answer_amended")).all()
        assert entry.detail == {"field": "solution", "confidential": True}


def test_a_button_for_the_wrong_moment_is_answered_plainly(database):
    reference = submit(database, sender=SENDER)
    with session_scope(database) as session:
        for step in (Status.screening, Status.evaluation):
            transitions.advance(session, reference, LEAD, step)
    _, [reply] = run(StartVendorRequest(), pressed("amend", proven(reference)))
    assert reply["text"] == text("vendor_requests.amend.none", "es", reference=reference)
    _, [reply] = run(StartVendorRequest(), pressed("debrief", proven(reference)))
    assert reply["text"] == text(
        "vendor_requests.debrief.not_decided",
        "es",
        reference=reference,
        status=text("status.label.evaluation", "es"),
    )
    _, [reply] = run(StartVendorRequest(), pressed("mobility", proven(reference)))
    assert reply["response"] == "utter_default"  # a stale choice of a closed form


def test_the_debrief_gives_averages_to_one_decimal_in_the_readers_language(database):
    on_roster(database, "UANN", "UBOB")
    reference = submit(database, sender=SENDER)
    with session_scope(database) as session:
        for who, value in (("slack:UANN", 4), ("slack:UBOB", 3)):
            evaluator = rules.Staff(who)
            evaluation.declare_conflict(session, reference, evaluator, False)
            evaluation.score(session, reference, evaluator, {c: value for c in rules.RUBRIC})
        transitions.decline(session, reference, LEAD, "No encaja este año.")
    _, [reply] = run(StartVendorRequest(), pressed("debrief", proven(reference)))
    lines = reply["text"].split("\n")
    assert lines[0] == text("vendor_requests.debrief.header", "es", reference=reference, count=2)
    assert lines[1] == "• Alineación con las prioridades de la Ciudad: 3,5"
    assert len(lines) == 1 + len(rules.RUBRIC) + 1
    assert lines[-1] == "El motivo de la Ciudad: No encaja este año."
    _, [reply] = run(StartVendorRequest(), pressed("debrief", proven(reference, "en")))
    assert "• Alignment with City priorities: 3.5" in reply["text"].split("\n")


def test_an_anonymous_submissions_request_is_kept_out_of_the_stored_conversation(database):
    """As the intake forgets an anonymous submission's answers (submission_flow), the
    request forgets its reference, its reason and the proof that named it."""
    reference = submitted(database, None, "es").reference
    asked = proven(reference, request_reference=reference, withdraw_reason="Otro socio")
    for slots in ({**asked, "form_outcome": "stopped"},
                  {**asked, "withdraw_confirmed": "yes", "form_outcome": "confirmed"}):  # fmt: skip
        _, [reply] = run(FinishWithdraw(), tracker(slots))
        assert reply["entryway_private"]["secrets"] == [reference]
        forget = reply["entryway_private"]["forget"]
        assert forget["forms"] == ["withdraw_form"]
        assert {"withdraw_reason", "request_reference", PROOF_SLOT} <= set(forget["slots"])
    assert stored(database, reference)[0] is Status.withdrawn
    # Someone who gave a contact is not anonymous: nothing to forget.
    named = submit(database, sender=SENDER)
    done = proven(
        named, request_reference=named, withdraw_confirmed="yes", form_outcome="confirmed"
    )
    _, [reply] = run(FinishWithdraw(), tracker(done))
    assert "entryway_private" not in reply
