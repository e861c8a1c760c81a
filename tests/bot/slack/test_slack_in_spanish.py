"""A Spanish-speaking vendor by Slack DM and a Spanish-speaking resident in web chat,
on the real stack beside the City's staff in English: the whole form, the receipt, a
staff question and its answer, decisions (DM, the page's inbox and e-mail) and the
status, all in Spanish, while staff read English and are told to write in Spanish."""

import json

import pytest

from storage.catalogue import text
from storage.models import StaffRole
from tests.support.conversation import (
    ENGLISH_WORDS,
    SPANISH_PROPOSAL,
    PageConversation,
)
from tests.support.slack_people import SlackPerson, Staff, card_shows, texts
from tests.support.slack_requests import chosen

pytestmark = pytest.mark.stack


def reference_in(said: str) -> str:
    return next(word.strip(".,:()") for word in said.split() if word.startswith("SC-"))


def spanish(said: str) -> bool:
    return not ENGLISH_WORDS.search(said)


def test_a_spanish_vendor_by_dm_hears_the_citys_question_and_decision_in_spanish(
    stack, fake_slack, mailbox
):
    vendor = SlackPerson(stack, fake_slack)
    fake_slack.locales[vendor.user] = "es-MX"  # Slack's locale: the language until one shows
    replies = []
    for step in SPANISH_PROPOSAL:
        replies.append(vendor.press(step[1]) if isinstance(step, tuple) else vendor.say(step))
    assert "¿Cómo se llama tu organización?" in replies[0]
    assert all(spanish(said) for said in replies), [s for s in replies if not spanish(s)]
    reference = reference_in(replies[-1])

    ann = Staff(stack, fake_slack, "UANN")
    shown = card_shows(ann, reference, "Semáforos inteligentes en la avenida Lamar")
    assert "Spanish" in shown  # staff read English, and which language the vendor chatted in
    view = ann.modal(reference, "Advance")
    ann.client.submit(ann.user, view, {"target": chosen("screening")})
    card_shows(ann, reference, "Status: *screening*")
    view = ann.modal(reference, "Request info")
    assert "Spanish" in json.dumps(view)  # write the question in Spanish
    ann.client.submit(
        ann.user, view, {"question": "¿Cuánto costaría el piloto por crucero?", "note": "x"}
    )
    asked = fake_slack.wait_for(
        lambda: [m for m in vendor.messages() if "por crucero" in texts(m)], what="question"
    )
    assert text("notify.answer_button", "es") in texts(asked[-1])
    assert spanish(texts(asked[-1]))
    vendor.press(text("notify.answer_button", "es"))
    answered = vendor.say("Unos 4,750 dólares por crucero al año, todo incluido.")
    assert spanish(answered)
    card_shows(ann, reference, "Status: *screening*")

    view = ann.modal(reference, "Advance")
    ann.client.submit(
        ann.user,
        view,
        {"target": chosen("evaluation"), "reason": "Encaja muy bien con el plan de movilidad."},
    )
    card_shows(ann, reference, "Status: *evaluation*")
    evaluation = text("status.label.evaluation", "es")
    decided = fake_slack.wait_for(
        lambda: [m for m in vendor.messages() if evaluation in texts(m)], what="the decision"
    )
    assert "Encaja muy bien" in texts(decided[-1]) and spanish(texts(decided[-1]))

    # Screening, the question, back to screening with the answer, evaluation.
    mails = mailbox.wait_for("lucia@movilidadverde.mx", 4)
    assert [mail["Content-Language"] for mail in mails] == ["es"] * 4
    assert str(mails[-1]["Subject"]) == text(
        "notify.email_subject", "es", reference=reference, status=evaluation
    )
    assert "Encaja muy bien" in mails[-1].get_content()
    assert spanish(mails[-1].get_content().split("http")[0])

    status = vendor.say(f"¿cómo va mi propuesta {reference}?")
    assert reference in status and evaluation in status and spanish(status)


def test_a_spanish_resident_reads_staffs_decision_in_the_pages_inbox_and_by_email(
    stack, fake_slack, mailbox
):
    resident = PageConversation(stack.url)
    resident.client.cookies.set("entryway_language", "es")
    resident.say("tengo una idea para mi barrio")
    for answer in ("Bancas con sombra en todas las paradas de Montopolis", "Montopolis"):
        resident.say(answer)
    resident.say("Las personas mayores")
    resident.say("vecina@casa.example")
    resident.say("sí")
    receipt = resident.text(resident.say("sí"))
    reference = reference_in(receipt)
    assert spanish(receipt)

    ann = Staff(stack, fake_slack, "UANN", StaffRole.lead)
    view = ann.modal(reference, "Decline")
    assert "Spanish" in json.dumps(view)
    ann.client.submit(
        ann.user, view, {"reason": "Parques ya planea sombra para esas paradas el próximo año."}
    )
    card_shows(ann, reference, "Status: *declined*")
    inbox = resident.client.post("/chat/inbox").json()
    assert len(inbox) == 1 and "Parques ya planea sombra" in inbox[0]["text"]
    assert text("status.label.declined", "es") in inbox[0]["text"]
    assert spanish(inbox[0]["text"])
    [mail] = mailbox.wait_for("vecina@casa.example", 1)
    assert mail["Content-Language"] == "es" and "Parques ya planea" in mail.get_content()
