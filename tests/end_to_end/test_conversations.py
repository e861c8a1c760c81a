"""Conversation tests on the real stack for every path besides the vendor proposal in
English: ideas, procurement feedback, status privacy, handoff, FAQ and small talk; and
everything in Spanish, beside English conversations."""

import uuid
from itertools import zip_longest

import httpx
import pytest

from storage import contacts, handoffs, submissions
from storage.db import session_scope
from storage.workflow import rules, transitions
from tests.support.conversation import (
    ENGLISH_WORDS,
    SPANISH_LETTERS,
    SPANISH_PROPOSAL,
    Conversation,
    PageConversation,
    press,
)

pytestmark = pytest.mark.stack


def chat(stack) -> Conversation:
    return Conversation(stack.url, f"test-{uuid.uuid4()}")


def reference_in(text: str) -> str:
    return next(word.rstrip(".") for word in text.split() if word.startswith("SC-"))


def code_in(text: str) -> str:
    return text.split("private status code is ")[1].split(":")[0]


def test_resident_idea_with_consent_is_public_and_without_consent_is_not(stack):
    public_idea = chat(stack)
    assert "What is your idea" in public_idea.text(public_idea.say("I have an idea for the city"))
    public_idea.say("Put shade trees at every bus stop on Rundberg Lane. Riders wait in the sun.")
    assert "Who would it help" in public_idea.text(public_idea.say("District 4"))
    assert "often left out" in public_idea.text(public_idea.say("why do you ask?"))
    public_idea.say("Older bus riders")
    public_idea.say("skip")
    summary = public_idea.text(public_idea.say("Yes"))
    assert "Here is your idea" in summary and "District 4" in summary
    receipt = public_idea.text(public_idea.say("Yes, submit"))
    reference = reference_in(receipt)
    shown = httpx.get(f"{stack.url}/api/proposals/{reference}").json()
    assert shown["kind"] == "idea"
    # Public once staff have screened it: a flood of junk cannot write on open data.
    assert shown["title"] == "Resident idea awaiting screening"
    with session_scope(stack.database_url) as session:
        for _ in range(2):  # received -> screening -> evaluation
            transitions.advance(session, reference, rules.Staff("cli:operator:ann"))
    shown = httpx.get(f"{stack.url}/api/proposals/{reference}").json()
    assert shown["title"] == "Put shade trees at every bus stop on Rundberg Lane"

    private_idea = chat(stack)
    private_idea.say("I'd like to share an idea")
    private_idea.say("Install a talking crosswalk signal near Widén Elementary")
    private_idea.say("citywide")
    private_idea.say("Children who are blind")
    assert "doesn't look like an email" in private_idea.text(private_idea.say("call me"))
    private_idea.say("parent@example.org")
    private_idea.say("No")
    receipt = private_idea.text(private_idea.say("yes"))
    reference = reference_in(receipt)
    public = httpx.get(f"{stack.url}/api/open-data/proposals.json").text
    assert reference in public
    assert "Widén" not in public and "parent@example.org" not in public
    assert "Resident idea (not published)" in public


def test_procurement_barrier_is_coded_and_can_be_anonymous(stack):
    person = chat(stack)
    opening = person.text(person.say("the insurance requirements stopped us from bidding"))
    assert "What happened" in opening
    person.say("The RFP for traffic sensors required $10M in insurance from a 5-person company")
    assert "Please pick one of" in person.text(person.say("the weather"))
    person.say("Insurance and bonding")
    person.say("skip")
    assert "Please pick one or more" in person.text(person.say("it was bad"))
    person.say("We could not bid, and that meant extra cost for the City")
    person.say("Scale insurance to the contract value")
    person.say("anonymous")
    summary = person.text(person.say("change the step"))
    assert "Which step" in summary
    person.say("Solicitation scope or requirements")
    receipt = person.text(person.say("yes submit"))
    reference = reference_in(receipt)
    shown = httpx.get(f"{stack.url}/api/proposals/{reference}").json()
    assert shown["kind"] == "feedback"
    assert shown["category"] == "solicitation_requirements"
    assert shown["title"] == "Procurement barrier: solicitation scope or requirements"
    with session_scope(stack.database_url) as session:
        stored = submissions.get_submission(session, reference)
        answers = {a.field: a for a in submissions.get_answers(session, stored.id)}
        assert answers["barrier_impact"].value == "extra_cost, could_not_bid"
        assert answers["barrier_what"].confidential
        # Anonymous means no contact at all, not even the chat identity.
        assert stored.contact_id is None
        assert contacts.latest_submission_of_sender(session, person.sender) is None
    assert "$10M" not in httpx.get(f"{stack.url}/api/open-data/proposals.csv").text


def test_status_details_only_for_the_submitter_or_the_code(stack):
    submitter = PageConversation(stack.url)  # the identity the app issued, in its cookie
    submitter.say("I have an idea")
    for answer in [
        "More benches along the Shoal Creek trail",
        "Citywide",
        "Walkers",
        "skip",
        "Yes",
    ]:
        submitter.say(answer)
    receipt = submitter.text(submitter.say("yes"))
    reference, code = reference_in(receipt), code_in(receipt)
    with session_scope(stack.database_url) as session:
        transitions.request_info(
            session,
            reference,
            rules.Staff("cli:operator:staff"),
            "Which trail sections do you mean?",
            internal_note="check with Parks",
        )

    # While staff wait for an answer, a status question might be one: asked, then no.
    asked = submitter.text(submitter.say("what's the status?"))
    assert f"Is this your answer to the City's question about {reference}" in asked
    assert f"Do you mean {reference}" in submitter.text(submitter.say("no"))
    submitter.say(f"status of {reference}")
    own = submitter.text(submitter.say("no"))
    assert "waiting for information from you" in own
    assert "Which trail sections do you mean?" in own
    assert "check with Parks" not in own

    stranger = chat(stack)
    public = stranger.text(stranger.say(f"status of {reference.lower()}"))
    assert "waiting for information" in public and "trail sections" not in public
    with_code = stranger.text(stranger.say(f"status of {reference} code {code}"))
    assert "Which trail sections do you mean?" in with_code


def test_unknown_malformed_and_enumerated_references(stack):
    person = chat(stack)
    assert "can't find" in person.text(person.say("status of SC-2019-00999"))
    assert "doesn't look like a complete reference" in person.text(
        person.say("check status of SC-20")
    )
    for number in range(1, 6):
        person.say(f"status of SC-2019-{number:05d}")
    assert "pause look-ups" in person.text(person.say("status of SC-2019-00042"))


def test_handoff_is_recorded_for_staff(stack):
    person = chat(stack)
    opening = person.text(person.say("I want to talk to a person"))
    assert "What would you like to talk to City staff about" in opening
    person.say("Our pilot agreement for SC-2026-00001")
    assert "email address or phone" in person.text(person.say("not sure"))
    done = person.text(person.say("vendor@example.com"))
    assert "within 2 business days" in done
    with session_scope(stack.database_url) as session:
        latest = handoffs.list_handoffs(session, limit=1)[0]
        assert latest.sender_id == person.sender
        assert latest.contact == "vendor@example.com"
        assert latest.reference == "SC-2026-00001"


def test_faq_small_talk_and_out_of_scope(stack):
    person = chat(stack)
    assert "Public Information Act" in person.text(person.say("is my proposal confidential?"))
    assert "vendor-funded" in person.text(person.say("who pays for a pilot?"))
    pothole = person.say("there's a pothole on my street")
    assert "3-1-1" in person.text(pothole)
    # Whoever landed here by mistake (or by typing at random) gets the way back in.
    assert {b["title"] for b in pothole[0]["buttons"]} >= {"Submit a proposal", "Share an idea"}
    assert "3-1-1" in person.text(person.say("sdfkjh qwpoi"))
    assert "automated assistant" in person.text(person.say("are you a bot?"))
    helped = person.say("help")
    assert {b["title"] for b in helped[0]["buttons"]} >= {
        "Submit a proposal",
        "Share an idea",
        "Report a procurement barrier",
    }
    assert "welcome" in person.text(person.say("thanks!"))
    assert "Goodbye" in person.text(person.say("bye"))


def test_faq_and_stop_inside_the_idea_form_then_resume(stack):
    person = chat(stack)
    person.say("I have an idea for the city")
    person.say("Solar benches that charge phones in every park")
    answered = person.text(person.say("who reviews my submission?"))
    assert "City staff read every submission" in answered and "Where in Austin" in answered
    person.say("stop")
    assert "saved as a draft" in person.text(person.say("yes"))
    offer = person.text(person.say("I have an idea for the city"))
    assert "unfinished idea with 1 answers" in offer
    assert "Where in Austin" in person.text(person.say("yes"))


def idea_at_its_summary(stack) -> Conversation:
    person = chat(stack)
    person.say("I have an idea for the city")
    for answer in ("Water fountains along the Butler Trail", "Citywide", "Runners", "skip"):
        person.say(answer)
    assert "Here is your idea" in person.text(person.say("Yes"))
    return person


def test_at_the_summary_a_person_can_ask_for_staff_and_come_back_to_it(stack):
    person = idea_at_its_summary(stack)
    opening = person.text(person.say("I want to talk to a person"))
    assert "What would you like to talk to City staff about" in opening
    person.say("Whether the fountains could be bottle fillers")
    back = person.text(person.say("runner@example.org"))
    assert "Your request is with City staff" in back
    assert "Here is your idea" in back and "Butler Trail" in back  # the summary again
    receipt = person.text(person.say("yes"))
    assert "your idea is submitted" in receipt


def test_at_the_summary_a_status_question_is_answered_and_the_summary_shown_again(stack):
    earlier = chat(stack)
    reference = earlier.submit_proposal()
    person = idea_at_its_summary(stack)
    answer = person.text(person.say(f"what's the status of {reference}?"))
    assert f"{reference} (proposal" in answer and "received" in answer
    assert "Here is your idea" in answer


def test_continue_my_proposal_at_the_offer_to_resume_continues(stack):
    person = chat(stack)
    person.say("I want to submit a proposal")
    person.say("Zephyr Kinetics Holdings")
    person.say("stop")
    person.say("yes")
    assert "unfinished proposal" in person.text(person.say("hello"))
    resumed = person.text(person.say("continue my proposal"))
    assert "pick up where you left off" in resumed and "Who should the City contact" in resumed


# What the greeting's language buttons send.
TO_ENGLISH = '/switch_language{"language":"en"}'
TO_SPANISH = '/switch_language{"language":"es"}'


def payloads(replies: list[dict]) -> dict[str, str]:
    return {button["title"]: button["payload"] for button in replies[-1].get("buttons", [])}


def test_the_answers_follow_the_conversations_language_beside_an_english_one(stack):
    english, spanish = chat(stack), chat(stack)
    # The language slot as the language detector or the "Español" button sets it; here from
    # the entity in a greeting's payload, so that this test is about the answers alone.
    welcome = spanish.say('/greet{"language":"es"}')
    assert "¡Hola! Soy Entryway" in spanish.text(welcome)
    # Buttons send intents and codes, so pressing one means the same in either language.
    assert payloads(welcome) == {
        "Enviar una propuesta": "/submit_proposal",
        "Compartir una idea": "/suggest_idea",
        "Consultar un estado": "/check_status",
        "English": TO_ENGLISH,
        "Español": TO_SPANISH,
    }
    hello = english.say("hello")
    assert "Hello! I'm Entryway" in english.text(hello)
    assert payloads(hello)["Submit a proposal"] == "/submit_proposal"
    assert payloads(hello)["Español"] == TO_SPANISH

    helped = spanish.text(spanish.say("/help"))
    assert helped.startswith("Esto es lo que puedo hacer") and "City" not in helped
    assert english.text(english.say("/help")).startswith("Here is what I can do")

    unknown = spanish.text(spanish.say('/check_status{"reference":"SC-2019-00999"}'))
    assert "No encuentro ningún envío con la referencia SC-2019-00999" in unknown

    # A form's questions, and the reasons an action asks Rasa for, in the same language.
    assert "¿Cómo se llama tu organización?" in spanish.text(spanish.say("/submit_proposal"))
    assert "What is the name of your organisation?" in english.text(
        english.say("I want to submit a proposal")
    )
    assert "¿Con quién debe comunicarse la Ciudad" in spanish.text(spanish.say("Movilidad Acme"))
    assert "Para que quien revise pueda comunicarse" in spanish.text(spanish.say("/ask_why"))
    spanish.say("Juana Pérez")
    phone = spanish.say("juana@acme.example")
    assert "¿Un número de teléfono?" in spanish.text(phone)
    assert payloads(phone) == {"Omitir": '/choose{"choice":"skip"}'}
    organisation_why = english.text(english.say("why do you ask?"))
    assert "conflicts of interest" in organisation_why and "Para" not in organisation_why


def step_on(person: Conversation, earlier: list[list[dict]], step: str | tuple) -> list[dict]:
    """One step's replies; a pressed button sends its payload, as the page and Slack do."""
    if isinstance(step, tuple):
        offered = {b["title"]: b["payload"] for r in earlier[-1] for b in r.get("buttons", [])}
        return person.say(offered[step[1]])
    return person.say(step)


def converse(person: Conversation, steps: list) -> list[list[dict]]:
    """Each step's replies."""
    said: list[list[dict]] = []
    for step in steps:
        said.append(step_on(person, said, step))
    return said


def in_spanish(person: Conversation, said: list[list[dict]]) -> bool:
    return all(not ENGLISH_WORDS.search(person.text(replies)) for replies in said)


def in_english(person: Conversation, said: list[list[dict]]) -> bool:
    return all(not SPANISH_LETTERS.search(person.text(replies)) for replies in said)


def answers_of(stack, reference: str) -> dict[str, str]:
    """A submission's stored answers by field, its category among them."""
    with session_scope(stack.database_url) as session:
        stored = submissions.get_submission(session, reference)
        answers = {a.field: a.value for a in submissions.get_answers(session, stored.id)}
        return {**answers, "category": stored.category}


def contact_of(stack, reference: str):
    with session_scope(stack.database_url) as session:
        stored = submissions.get_submission(session, reference)
        contact = contacts.get_contact(session, stored.contact_id)
        session.expunge(contact)
        return contact


ENGLISH_IDEA = [
    "I have an idea for the city",
    "Shade trees at every bus stop on Rundberg Lane",
    press("Citywide"),
    "Older bus riders",
    press("Skip"),
    press("Yes"),
    "yes",
]


def test_a_spanish_vendor_beside_an_english_resident_each_in_their_language(stack):
    vendor, resident = chat(stack), chat(stack)
    said: dict[str, list[list[dict]]] = {"vendor": [], "resident": []}
    # Turn by turn, so both conversations run in the same minutes on the same servers.
    for spanish_step, english_step in zip_longest(SPANISH_PROPOSAL, ENGLISH_IDEA):
        if spanish_step is not None:
            said["vendor"].append(step_on(vendor, said["vendor"], spanish_step))
        if english_step is not None:
            said["resident"].append(step_on(resident, said["resident"], english_step))
    assert "¿Cómo se llama tu organización?" in vendor.text(said["vendor"][0])
    assert in_spanish(vendor, said["vendor"]) and in_english(resident, said["resident"])
    proposal = reference_in(vendor.text(said["vendor"][-1]))
    idea = reference_in(resident.text(said["resident"][-1]))

    # Choices are stored as codes, whatever the language they were pressed in.
    answers = answers_of(stack, proposal)
    assert answers["category"] == "mobility" and answers["maturity"] == "piloted"
    assert answers["cost_model"] == "cost_share" and answers["open_data"] == "partly"
    assert answers["data_owner"] == "city" and answers["personal_data"] == "no"
    assert answers_of(stack, idea)["idea_location"] == "citywide"
    assert contact_of(stack, proposal).language == "es"

    status = vendor.say(f"¿cómo va mi propuesta {proposal}?")
    assert proposal in vendor.text(status) and in_spanish(vendor, [status])
    english_status = resident.say(f"what's the status of {idea}?")
    assert idea in resident.text(english_status) and in_english(resident, [english_status])


def test_a_resident_shares_an_idea_and_procurement_feedback_in_spanish(stack):
    resident = chat(stack)
    idea = converse(
        resident,
        [
            "tengo una idea para el parque",
            "Poner bancas con sombra en el parque Zilker",
            press("Toda la ciudad"),
            "Las personas mayores",
            press("Omitir"),
            press("Sí"),
            "sí",
        ],
    )
    assert "¿Cuál es tu idea?" in resident.text(idea[0]) and in_spanish(resident, idea)
    reference = reference_in(resident.text(idea[-1]))
    stored = answers_of(stack, reference)
    assert stored["idea_location"] == "citywide" and stored["idea_publish"] == "yes"

    # "What happened to my idea?": the offer, then its status, in Spanish.
    offered = resident.say("¿qué pasó con mi idea?")
    status = step_on(resident, [offered], press(f"Estado de {reference}"))
    assert reference in resident.text(status) and in_spanish(resident, [offered, status])

    vendor = chat(stack)
    feedback = converse(
        vendor,
        [
            "quiero reportar un problema con las compras de la ciudad",
            "El seguro que pedían era de 10 millones para una empresa de 5 personas",
            press("Seguros y fianzas"),
            press("Omitir"),
            press("No pude participar"),
            "Que el seguro dependa del tamaño del contrato",
            press("Anónimo"),
            "sí",
        ],
    )
    assert in_spanish(vendor, feedback)
    reference = reference_in(vendor.text(feedback[-1]))
    stored = answers_of(stack, reference)
    assert stored["barrier_step"] == "insurance_bonding"
    assert stored["barrier_impact"] == "could_not_bid"


def test_switching_to_spanish_in_the_middle_of_a_proposal_keeps_every_answer(stack):
    vendor = chat(stack)
    converse(vendor, ["I want to submit a proposal", "Zephyr Kinetics", "Quillon Marbeck"])
    switched = vendor.say("español")
    assert "¿A qué correo electrónico" in vendor.text(switched)
    rest = converse(vendor, ["quillon@zephyr-kinetics.mx", *SPANISH_PROPOSAL[4:]])
    assert in_spanish(vendor, [switched, *rest])
    reference = reference_in(vendor.text(rest[-1]))
    contact = contact_of(stack, reference)
    assert (contact.organisation, contact.name) == ("Zephyr Kinetics", "Quillon Marbeck")
    assert contact.email == "quillon@zephyr-kinetics.mx" and contact.language == "es"
    with session_scope(stack.database_url) as session:
        title = submissions.get_submission(session, reference).title
    assert title == "Semáforos inteligentes en la avenida Lamar"


def test_bad_input_in_spanish_gets_a_spanish_answer_and_loses_nothing(stack):
    vendor = chat(stack)
    started = converse(vendor, ["hola, quiero mandar una propuesta", "Movilidad Verde ATX"])
    too_long = vendor.say("x" * 5000)
    assert "Esa respuesta tiene 5,000 caracteres" in vendor.text(too_long)
    assert "¿Con quién debe comunicarse la Ciudad" in vendor.text(too_long)
    # Accents doubled to say yes, then the draft offered back with its answer kept.
    stopped = converse(vendor, ["parar", "siii"])
    offered = vendor.say("quiero mandar una propuesta")
    resumed = vendor.say("sí")
    assert "¿Con quién debe comunicarse la Ciudad" in vendor.text(resumed)
    assert in_spanish(vendor, [*started, too_long, *stopped, offered, resumed])

    resident = chat(stack)
    asked = converse(resident, ["tengo una idea", "🙂🙂"])
    assert "¿Cuál es tu idea?" in resident.text(asked[-1]) and in_spanish(resident, asked)
