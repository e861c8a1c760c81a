"""A resident's idea and procurement feedback (actions/idea.py, actions/barrier.py) in the
conversation's language: answers in Spanish (with or without accents, by button or typed)
stored as codes and the person's own words, every message in the person's language, and
bad input answered clearly without losing anything given before."""

import unicodedata

import pytest
from sqlmodel import select

from actions.barrier import CONTACT, IMPACTS, STEPS, ValidateBarrierForm
from actions.idea import LOCATIONS, NOT_PUBLISHED_TITLE, PUBLISH, ValidateIdeaForm
from actions.parsing import plain
from actions.submission_flow import FinishSubmission
from storage import contacts, submissions
from storage.catalogue import text
from storage.db import session_scope
from storage.models import Contact, Kind, Submission
from tests.support.action_calls import run, slot_events, tracker

pytestmark = pytest.mark.usefixtures("database")
SPANISH = {"language": "es"}
IDEA_IN_SPANISH = [
    ("idea_text", "Poner bebederos de agua en el Butler Trail, porque en verano hace un calorón"),
    ("idea_location", "toda la ciudad"),
    ("idea_beneficiaries", "La gente que sale a correr y las familias con niños"),
    ("idea_contact", "maria@ejemplo.mx"),
    ("idea_publish", "sí, claro"),
]
FEEDBACK_IN_SPANISH = [
    ("barrier_what", "El seguro que pedían costaba más que el contrato entero, no pudimos."),
    ("barrier_step", "seguros"),
    ("barrier_where", "Obras Públicas"),
    ("barrier_impact", "retraso y costo extra"),
    ("barrier_suggestion", "omitir"),
    ("barrier_contact", "anónimo"),
]


def answered(form, answers, slots=None) -> dict:
    """Every answer given in turn as the form's Rasa loop would; the slots it sets."""
    slots = dict(slots or {})
    for slot, said in answers:
        events, messages = run(
            form, tracker({**slots, "requested_slot": slot}, said, "inform", 0.3)
        )
        slots.update(slot_events(events))
        assert slots[slot] is not None, (slot, said, messages)
    return slots


def asked(form, slot: str, said: str, slots=None, **message) -> tuple[dict, list]:
    """One message answering `slot`, understood as a plain answer unless `message` says."""
    message = {"intent": "inform", "confidence": 0.3, **message}
    current = tracker({**(slots or {}), "requested_slot": slot}, said, **message)
    events, messages = run(form, current)
    return slot_events(events), messages


def submitted(url: str, slots: dict, key: str) -> tuple[Submission, dict, Contact | None]:
    """What FinishSubmission stored of the confirmed form: the submission, its answers
    by field, its contact."""
    closing = {**slots, "active_form": key, f"{key}_confirmed": "yes", "form_outcome": "confirmed"}
    run(FinishSubmission(), tracker(closing))
    with session_scope(url) as session:
        [submission] = session.exec(select(Submission)).all()
        answers = {a.field: a.value for a in submissions.get_answers(session, submission.id)}
        contact = (
            contacts.get_contact(session, submission.contact_id) if submission.contact_id else None
        )
        session.expunge_all()
        return submission, answers, contact


def test_an_idea_entirely_in_spanish_is_stored_as_codes_and_the_residents_words(database):
    slots = answered(ValidateIdeaForm(), IDEA_IN_SPANISH, SPANISH)
    assert slots["idea_location"] == "citywide"
    assert slots["idea_publish"] == "yes"
    idea, answers, contact = submitted(database, slots, "idea")
    assert idea.kind is Kind.idea
    assert (
        idea.title == "Poner bebederos de agua en el Butler Trail, porque en verano hace un calorón"
    )
    assert answers["idea_location"] == "citywide"
    assert answers["idea_publish"] == "yes"
    assert answers["idea_beneficiaries"] == IDEA_IN_SPANISH[2][1]
    assert (contact.email, contact.language) == ("maria@ejemplo.mx", "es")


def test_an_idea_not_to_publish_has_a_coded_title_rendered_in_each_language(database):
    slots = answered(
        ValidateIdeaForm(), [*IDEA_IN_SPANISH[:4], ("idea_publish", "no gracias")], SPANISH
    )
    idea, _, _ = submitted(database, slots, "idea")
    assert idea.title == NOT_PUBLISHED_TITLE
    assert "bebederos" not in idea.title
    assert text(idea.title, "es") == "Idea de residente (no publicada)"
    assert text(idea.title, "en") == "Resident idea (not published)"


def test_procurement_feedback_entirely_in_spanish_is_stored_as_codes(database):
    slots = answered(ValidateBarrierForm(), FEEDBACK_IN_SPANISH, SPANISH)
    feedback, answers, contact = submitted(database, slots, "feedback")
    assert feedback.kind is Kind.feedback
    assert feedback.category == "insurance_bonding"
    assert feedback.title == "feedback.title.insurance_bonding"
    assert text(feedback.title, "es") == "Obstáculo en las compras: seguros y fianzas"
    assert answers["barrier_impact"] == "delay, extra_cost"
    assert answers["barrier_where"] == "Obras Públicas"  # as written
    assert contact is None  # anonymous


def test_a_choice_button_answers_with_its_code_whatever_the_language():
    button = '/choose{"choice":"legal_review"}'
    entities = {"entities": [{"entity": "choice", "value": "legal_review"}]}
    for language in ("en", "es"):
        changed, _ = asked(
            ValidateBarrierForm(),
            "barrier_step",
            button,
            {"language": language},
            intent="choose",
            confidence=1.0,
            extra=entities,
        )
        assert changed["barrier_step"] == "legal_review"


@pytest.mark.parametrize(
    "said",
    [
        "revisión legal",
        "revision legal",  # accents left out
        unicodedata.normalize("NFD", "revisión legal"),  # the accent as a character of its own
        "REVISIÓN LEGAL",
        "Legal review",  # the English label in a Spanish conversation
    ],
)
def test_a_typed_step_is_understood_with_or_without_accents(said):
    changed, messages = asked(ValidateBarrierForm(), "barrier_step", said, SPANISH)
    assert changed["barrier_step"] == "legal_review", messages


def test_mixed_languages_name_several_impacts():
    changed, _ = asked(ValidateBarrierForm(), "barrier_impact", "delay y costo extra", SPANISH)
    assert changed["barrier_impact"] == ["delay", "extra_cost"]


def test_an_unclear_choice_is_answered_in_the_persons_language_with_its_labels():
    _, [spanish] = asked(ValidateBarrierForm(), "barrier_impact", "🙃🙃🙃", SPANISH)
    spanish_labels = "Retraso, Costo extra, No pude participar, Proyecto abandonado"
    assert spanish["text"] == text("form.invalid.choices", "es", choices=spanish_labels)
    _, [english] = asked(ValidateBarrierForm(), "barrier_impact", "🙃🙃🙃", {"language": "en"})
    assert english["text"].startswith("Please pick one or more of: Delay, Extra cost")


def test_bad_input_gets_a_clear_answer_in_spanish_and_loses_nothing():
    given = answered(ValidateIdeaForm(), IDEA_IN_SPANISH[:2], SPANISH)
    # Emoji only, where words are needed.
    changed, [reply] = asked(ValidateIdeaForm(), "idea_beneficiaries", "👍", given)
    assert changed == {"idea_beneficiaries": None, "requested_slot": "idea_beneficiaries"}
    assert reply["text"] == text("form.invalid.too_short", "es", minimum=2)
    # Not an e-mail address nor a phone number.
    changed, [reply] = asked(ValidateIdeaForm(), "idea_contact", "mi correo es maria arroba", given)
    assert reply["text"] == text("idea.invalid.contact", "es")
    # 5,000 characters where a place is asked: refused before any pattern, said so.
    changed, [reply] = asked(ValidateIdeaForm(), "idea_location", "á" * 5000, given)
    assert reply["response"] == "utter_answer_too_long"
    assert changed["idea_location"] is None
    # Nothing given before was touched.
    assert all(slot not in changed for slot in ("idea_text",))


def test_an_english_conversation_gets_only_english():
    _, [reply] = asked(ValidateIdeaForm(), "idea_location", "x", {"language": "en"})
    assert reply["text"] == "Please name a neighborhood, a council district (1-10), or 'citywide'."
    _, [reply] = asked(ValidateBarrierForm(), "barrier_contact", "call me", {"language": "en"})
    assert reply["text"] == (
        "That doesn't look like an email address or phone number. Or type 'anonymous'."
    )
    changed, _ = asked(ValidateBarrierForm(), "barrier_contact", "Anonymous", {"language": "en"})
    assert changed["barrier_contact"] == "anonymous"


def test_an_answer_is_changed_by_its_spanish_name_and_the_rest_kept():
    given = answered(ValidateBarrierForm(), FEEDBACK_IN_SPANISH[:4], SPANISH)
    changed, [reply] = asked(ValidateBarrierForm(), "barrier_suggestion", "cambiar la etapa", given)
    assert changed["barrier_step"] is None  # asked again next
    assert reply["text"] == text("form.change.reopened", "es", label="etapa")
    assert all(slot not in changed for slot in ("barrier_what", "barrier_impact"))


def test_switching_to_english_mid_form_keeps_every_answer(database):
    given = answered(ValidateIdeaForm(), IDEA_IN_SPANISH[:3], SPANISH)
    switch = '/switch_language{"language":"en"}'
    changed, [reply] = asked(
        ValidateIdeaForm(),
        "idea_contact",
        switch,
        given,
        intent="switch_language",
        confidence=1.0,
        extra={"entities": [{"entity": "language", "value": "en"}]},
    )
    assert changed["language"] == "en"
    assert reply["text"] == text("language.switched_in_form", "en")
    assert all(slot not in changed for slot, _ in IDEA_IN_SPANISH[:3])
    # The rest in English; what was said in Spanish is submitted as it was written.
    given = {**given, **changed}
    rest = [("idea_contact", "maria@ejemplo.mx"), ("idea_publish", "Yes")]
    _, answers, contact = submitted(database, answered(ValidateIdeaForm(), rest, given), "idea")
    assert answers["idea_location"] == "citywide"
    assert answers["idea_beneficiaries"] == IDEA_IN_SPANISH[2][1]
    assert contact.language == "en"


@pytest.mark.parametrize(
    ("slot", "said", "stored"),
    [
        ("barrier_step", "no me enteré de la convocatoria", "finding_opportunities"),
        ("barrier_step", "registrarme en el portal", "vendor_registration"),
        ("barrier_step", "la aseguranza", "insurance_bonding"),
        ("barrier_step", "nos pagaron a 90 dias", "payment_terms"),
        ("barrier_step", "el abogado de la ciudad", "legal_review"),
        ("barrier_step", "los requisitos del RFP", "solicitation_requirements"),
        ("barrier_impact", "se atrasó meses", ["delay"]),
        ("barrier_impact", "no pudimos participar", ["could_not_bid"]),
        ("barrier_impact", "abandonamos el proyecto", ["project_abandoned"]),
        ("barrier_contact", "nel", "anonymous"),
        ("barrier_contact", "Anonimo", "anonymous"),
    ],
)
def test_feedback_answers_as_people_in_austin_write_them(slot, said, stored):
    changed, messages = asked(ValidateBarrierForm(), slot, said, SPANISH)
    assert changed[slot] == stored, messages


@pytest.mark.parametrize(
    ("said", "stored"),
    [("sí", "yes"), ("síí", "yes"), ("dale", "yes"), ("publícala", "yes"), ("nel", "no")],
)
def test_consent_to_publish_in_spanish(said, stored):
    changed, _ = asked(ValidateIdeaForm(), "idea_publish", said, SPANISH)
    assert changed["idea_publish"] == stored


def test_not_knowing_is_no_consent_nor_refusal_it_is_asked_again():
    for said, language in [("no sé", "es"), ("not sure", "en")]:
        changed, [reply] = asked(ValidateIdeaForm(), "idea_publish", said, {"language": language})
        assert changed["idea_publish"] is None
        labels = ", ".join(text(f"idea.choice.idea_publish.{c}", language) for c in ("yes", "no"))
        assert reply["text"] == text("form.invalid.choice", language, choices=labels)


@pytest.mark.parametrize("choices", [STEPS, IMPACTS, CONTACT, LOCATIONS, PUBLISH])
def test_no_word_of_a_choice_set_names_two_of_its_codes(choices):
    """Labels and words of both languages together: a word naming two codes would make
    an answer that uses it ambiguous, and the question asked again for nothing."""
    owners: dict[str, set[str]] = {}
    for code, words in choices.words().items():
        for word in words:
            owners.setdefault(plain(word), set()).add(code)
    assert {word: codes for word, codes in owners.items() if len(codes) > 1} == {}
