"""A vendor fills their part of a pilot plan in Spanish through the real stack: the web
page's conversation, proven by the private status code, offered the plan among its
requests (actions/pilot_plan.py), and the plan stored as the vendor's draft."""

import json

import pytest

from storage.db import session_scope
from storage.identity import slack_sender
from storage.models import Status
from storage.pilots.views import plan_view
from storage.workflow import transitions
from tests.support.conversation import PageConversation
from tests.support.roster import TEST_OPERATOR
from tests.support.slack_people import SlackPerson
from tests.support.slack_requests import TEAM
from tests.support.submissions import submitted

pytestmark = pytest.mark.stack

PLAN_BUTTON = "Completa tu parte del plan piloto"


# A short plan in Spanish: one metric, one milestone, one budget line.
SHORT_PLAN = (
    "Sensores de estacionamiento en 20 espacios del centro.",
    "Calle Congreso 100, Calle Madero 5",
    "1 de marzo de 2027",
    "31 de agosto de 2027",
    "rotación",
    "vehículos por espacio al día",
    "3,1",
    "4,5",
    "Subir",
    "conteos de los sensores",
    "Mensual",
    "Nosotros (el proveedor)",
    "No",
    "Sensores instalados",
    "31 de marzo de 2027",
    "No",
    "El proveedor",
    "40 mil",
    "Sí",
    "No",
    "30 mil dólares",
    "Se retiran en 30 días",
    "Ninguno, todo se retira",
    "Se entregan a la Ciudad y se borran",
    "Centro, San Juan",
    "Comercios pequeños del centro",
    "ocupación, conteos",
    "No",
    "Robo de sensores, vandalismo",
)


def buttons(replies: list[dict]) -> dict[str, str]:
    return {b["title"]: b["payload"] for reply in replies for b in reply.get("buttons") or []}


def test_a_spanish_vendor_fills_a_short_plan_in_web_chat(stack):
    receipt = submitted(stack.database_url, "web-original-conversation", "es")
    reference, code = receipt.reference, receipt.status_token
    for status in (Status.screening, Status.evaluation, Status.pilot):
        with session_scope(stack.database_url) as session:
            transitions.advance(session, reference, TEST_OPERATOR, status)

    vendor = PageConversation(stack.url)
    offered = buttons(vendor.say(f"¿cómo va mi propuesta {reference}? mi código es {code}"))
    asked = vendor.text(vendor.say(offered[PLAN_BUTTON]))
    assert f"plan piloto de {reference}" in asked and "alcance" in asked

    replies = []
    # The sites one per message, then "listo"; an end before the start refused.
    one_by_one = ("Calle Congreso 100", "Calle Madero 5", "listo")
    for said in (
        SHORT_PLAN[0],
        *one_by_one,
        SHORT_PLAN[2],
        "1 de febrero de 2027",
        *SHORT_PLAN[3:],
    ):
        replies = vendor.say(said)
        if said == "1 de febrero de 2027":
            assert "debe terminar después de empezar" in vendor.text(replies)
    summary = vendor.text(replies)
    assert f"Esta es tu parte del plan piloto de {reference}" in summary
    done = vendor.text(vendor.say(buttons(replies)["Sí, enviarla"]))
    assert f"tu parte del plan piloto de {reference} está con la Ciudad" in done

    with session_scope(stack.database_url) as session:
        view = plan_view(session, reference)
    assert (view["state"], view["proposed_by"]) == ("draft", "vendor")
    assert view["sites"] == ["Calle Congreso 100", "Calle Madero 5"]
    assert (view["starts"], view["ends"]) == ("2027-03-01", "2027-08-31")
    [metric] = view["metrics"]
    assert (metric["name"], metric["baseline"], metric["target"]) == ("rotación", 3.1, 4.5)
    assert (metric["direction"], metric["cadence"]) == ("increase", "monthly")
    assert [(m["name"], m["due"]) for m in view["milestones"]] == [
        ("Sensores instalados", "2027-03-31")
    ]
    [line] = view["budget"]
    assert (line["payer"], line["amount"], line["in_kind"]) == ("vendor", 40000, True)


def test_a_vendor_by_slack_dm_fills_the_plan_from_the_news_of_the_pilot(stack, fake_slack):
    vendor = SlackPerson(stack, fake_slack)
    sender = slack_sender(TEAM, vendor.user)
    receipt = submitted(stack.database_url, sender, "es", channel="slack")
    reference = receipt.reference
    for status in (Status.screening, Status.evaluation, Status.pilot):
        with session_scope(stack.database_url) as session:
            transitions.advance(session, reference, TEST_OPERATOR, status)
    fake_slack.wait_for(
        lambda: [m for m in vendor.messages() if PLAN_BUTTON in json.dumps(m.blocks)],
        what="the news of the pilot with its button",
    )
    asked = vendor.press(PLAN_BUTTON)
    assert f"plan piloto de {reference}" in asked
    for said in SHORT_PLAN:
        replied = vendor.say(said)
    assert f"Esta es tu parte del plan piloto de {reference}" in replied
    done = vendor.press("Sí, enviarla")
    assert f"tu parte del plan piloto de {reference} está con la Ciudad" in done
    with session_scope(stack.database_url) as session:
        view = plan_view(session, reference)
    assert (view["state"], view["proposed_by"]) == ("draft", "vendor")
    assert [m["name"] for m in view["metrics"]] == ["rotación"]
