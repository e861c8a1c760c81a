"""A vendor withdraws in Spanish through the real stack: from another conversation than
the one that submitted (the web page's, whose identity the app issued), proven by the
private status code, with the buttons the status answer offers
(actions/vendor_requests.py), or typed in their own words. A REST client, which names
its own sender id, is never offered them."""

import uuid

import pytest
from sqlmodel import select

from storage import submissions
from storage.db import session_scope
from storage.models import Status, SubmitterMessage
from storage.workflow import evaluation, rules, transitions
from tests.support.conversation import Conversation, PageConversation
from tests.support.roster import on_roster
from tests.support.submissions import submitted

pytestmark = pytest.mark.stack


def buttons(replies: list[dict]) -> dict[str, str]:
    return {b["title"]: b["payload"] for reply in replies for b in reply.get("buttons") or []}


def test_a_spanish_vendor_withdraws_with_the_private_code_from_another_conversation(stack):
    receipt = submitted(stack.database_url, "web-original-conversation", "es")
    reference, code = receipt.reference, receipt.status_token
    # A REST client names its sender id itself: even with the code it is shown the status,
    # never offered what only the submitter may do.
    client = Conversation(stack.url, f"test-{uuid.uuid4()}")
    shown = client.say(f"¿cómo va mi propuesta {reference}? mi código es {code}")
    assert reference in client.text(shown) and "Retirar mi envío" not in buttons(shown)

    vendor = PageConversation(stack.url)
    # Without the code this conversation proves nothing: no requests are offered.
    assert "Retirar mi envío" not in buttons(vendor.say(f"¿cómo va {reference}?"))
    status = vendor.say(f"¿cómo va mi propuesta {reference}? mi código es {code}")
    offered = buttons(status)
    assert "¿Qué quieres hacer con" in vendor.text(status)
    assert offered["Retirar mi envío"] == '/choose{"choice":"withdraw"}'

    asked = vendor.text(vendor.say(offered["Retirar mi envío"]))
    assert f"¿Por qué retiras {reference}?" in asked
    confirm = vendor.say("Encontramos otro socio para el proyecto")
    assert f"¿Retirar {reference}?" in vendor.text(confirm)
    done = vendor.text(vendor.say(buttons(confirm)["Sí, retirarlo"]))
    assert f"{reference} quedó retirado" in done

    with session_scope(stack.database_url) as session:
        submission = submissions.get_submission(session, reference)
        change = submissions.status_history(session, submission.id)[-1]
        assert submission.status is Status.withdrawn
        assert (change.actor, change.internal_note) == (
            rules.SUBMITTER,
            "Encontramos otro socio para el proyecto",
        )
        told = session.exec(
            select(SubmitterMessage).where(SubmitterMessage.status_change_id == change.id)
        ).all()
        assert len(told) == 1  # told once, in the chat it happened in

    # Pressed again (a double click, or an old message): nothing is withdrawn twice.
    again = vendor.text(vendor.say(offered["Retirar mi envío"]))
    assert f"Eso ya no se puede hacer con {reference}" in again


def test_a_vendor_changes_an_answer_checked_as_the_form_checks_it_and_can_stop(stack):
    receipt = submitted(
        stack.database_url,
        "web-original-conversation",
        "en",
        answers={"solution": "Benches that charge phones", "departments": "Parks"},
    )
    reference, code = receipt.reference, receipt.status_token
    vendor = PageConversation(stack.url)
    offered = buttons(vendor.say(f"status of {reference}, my code is {code}"))
    which = vendor.say(offered["Change an answer"])
    assert list(buttons(which)) == ["Solution", "Departments"]
    asked = vendor.text(vendor.say(buttons(which)["Solution"]))
    assert "Your new answer for “Solution”" in asked
    assert "at least 10 characters" in vendor.text(vendor.say("Solar"))
    confirm = vendor.say("Solar benches that charge phones and bikes")
    assert "Change “Solution”" in vendor.text(confirm)
    done = vendor.text(vendor.say(buttons(confirm)["Yes, change it"]))
    assert "Your answer is changed" in done

    # Stopping half-way changes nothing.
    which = vendor.say(offered["Change an answer"])
    vendor.say(buttons(which)["Departments"])
    assert "Nothing was changed" in vendor.text(vendor.say("stop"))
    with session_scope(stack.database_url) as session:
        stored = submissions.get_submission(session, reference)
        answers = {a.field: a.value for a in submissions.get_answers(session, stored.id)}
    assert answers == {
        "solution": "Solar benches that charge phones and bikes",
        "departments": "Parks",
    }


def test_a_vendor_types_a_withdrawal_in_spanish_and_a_debrief_in_english(stack):
    receipt = submitted(stack.database_url, "web-original-conversation", "es")
    reference, code = receipt.reference, receipt.status_token
    vendor = PageConversation(stack.url)
    # Typed from a new conversation, which proves nothing yet: the code is asked for.
    asked = vendor.text(vendor.say("ya no queremos participar, retírenla por favor"))
    assert "Mándame su referencia y tu código privado de estado" in asked
    # Given as a status question gives it; the withdrawal then goes on, no button needed.
    proven = vendor.say(f"es la {reference}, mi código es {code}")
    assert f"¿Por qué retiras {reference}?" in vendor.text(proven)
    assert "Retirar mi envío" not in buttons(proven)
    confirm = vendor.say("omitir")
    done = vendor.text(vendor.say(buttons(confirm)["Sí, retirarlo"]))
    assert f"{reference} quedó retirado" in done
    with session_scope(stack.database_url) as session:
        assert submissions.get_submission(session, reference).status is Status.withdrawn

    later = submitted(stack.database_url, "web-original-conversation", "en")
    decided = later.reference
    on_roster(stack.database_url, "UANN", "UBOB")
    lead = rules.Staff.operator("carol")
    with session_scope(stack.database_url) as session:
        for who, value in (("slack:UANN", 4), ("slack:UBOB", 5)):
            evaluator = rules.Staff(who)
            evaluation.declare_conflict(session, decided, evaluator, False)
            evaluation.score(session, decided, evaluator, {c: value for c in rules.RUBRIC})
        transitions.decline(session, decided, lead, "Not a fit for this year's priorities.")
    english = PageConversation(stack.url)
    english.say(f"status of {decided}, my code is {later.status_token}")
    debrief = english.text(english.say("how did my proposal score?"))
    assert f"How {decided} was scored: the average of 2 evaluators" in debrief
    assert "• Alignment with City priorities: 4.5" in debrief
    assert "The City's reason: Not a fit for this year's priorities." in debrief
