"""The guided forms in Spanish, and across a switch of language: the form actions called
with real trackers and a real database, asserting the events and the texts people read."""

import pytest
from sqlmodel import select

from actions.guided_form import LONG_ANSWER
from actions.language_switch import SwitchLanguage
from actions.proposal import QUESTIONS, ValidateProposalForm
from actions.submission_flow import (
    AskProposalConfirmed,
    FinishSubmission,
    Greet,
    KeepDraft,
    StartProposal,
)
from actions.typed_answer import answer_buttons
from storage import contacts, drafts, submissions
from storage.catalogue import folder
from storage.db import session_scope
from storage.languages import long_date
from storage.models import Contact, Kind
from tests.support.action_calls import SENDER, answered, run, slot_events, tracker
from tests.support.conversation import PROPOSAL_ANSWERS

pytestmark = pytest.mark.usefixtures("database")

ES = {"language": "es"}


def choose(code: str) -> dict:
    """A message as a choice button sends it: /choose{"choice": code}."""
    return {"entities": [{"entity": "choice", "value": code}]}


def pressed(code: str) -> tuple[str, str, float, dict]:
    return f'/choose{{"choice":"{code}"}}', "choose", 1.0, choose(code)


def typed(text: str) -> tuple[str, str, float, dict]:
    # What a person types to answer is classified as anything, with little confidence.
    return text, "inform", 0.3, {}


# A vendor who writes in Spanish, as people type it: accents or not, some English words,
# buttons for some choices.
SPANISH_PROPOSAL = [
    ("organisation", typed("Movilidad Sostenible del Sur"), "Movilidad Sostenible del Sur"),
    ("contact_name", typed("María José Hernández"), "María José Hernández"),
    ("email", typed("mj@movilidadsur.example"), "mj@movilidadsur.example"),
    ("phone", pressed("skip"), "not given"),
    ("website", typed("omitir"), "not given"),
    ("title", typed("Sensores de estacionamiento en el Este"), None),
    (
        "problem",
        typed("No hay donde estacionarse cerca de los negocios de la calle Cesar Chavez"),
        None,
    ),
    ("solution", typed("Sensores en cada cajon y una app que avisa cuales estan libres"), None),
    ("category", typed("movilidad"), "mobility"),
    ("departments", typed("no sé"), "not_sure"),
    ("maturity", typed("ya lo probamos, es un piloto en San Antonio"), "piloted"),
    ("maturity_where", typed("San Antonio, 2025, 60 cajones"), None),
    ("city_ask", typed("un lugar para el piloto y acceso a datos"), ["pilot_site", "data_access"]),
    ("cost_model", pressed("cost_share"), "cost_share"),
    ("estimated_cost", typed("unos 40 mil dólares"), 40_000),
    ("cooperative_contract", typed("no"), "not given"),
    ("data_collected", typed("Si el cajon esta ocupado o no, cada minuto"), None),
    ("personal_data", typed("No, ninguno"), "no"),
    ("data_owner", pressed("city"), "city"),
    ("ip_terms", typed("El software sigue siendo nuestro, la Ciudad tiene licencia"), None),
    ("open_data", typed("En parte"), "partly"),
    ("timeline", typed("Seis meses desde marzo"), None),
    ("equity_impact", typed("Ayuda a negocios pequeños del Este de Austin"), None),
    ("confidential_fields", typed("la solución y los costos"), ["solution", "cost_model"]),
]


def answer_in_spanish(form: ValidateProposalForm) -> tuple[dict, list[dict]]:
    slots, said = dict(ES), []
    for slot, (text, intent, confidence, extra), expected in SPANISH_PROPOSAL:
        events, messages = run(
            form, tracker({**slots, "requested_slot": slot}, text, intent, confidence, extra)
        )
        slots.update(slot_events(events))
        said += messages
        assert slots[slot] == (text if expected is None else expected), slot
    return slots, said


def test_a_whole_proposal_in_spanish_stores_codes_and_answers_in_spanish(database):
    slots, said = answer_in_spanish(ValidateProposalForm())
    assert said == []  # every answer taken at once
    assert slots["requested_slot"] == "proposal_confirmed"

    _, messages = run(AskProposalConfirmed(), tracker(slots))
    summary = messages[0]["text"]
    assert summary.startswith("Esta es tu propuesta. Revísala antes de enviarla:")
    for line in (
        "• Categoría: Movilidad",
        "• Departamentos: No sé",
        "• Madurez: Probado en otro lugar",
        "• Lo que le pides a la Ciudad: Un lugar para el piloto, Acceso a datos",
        "• Modelo de costos (confidencial): Costos compartidos",
        "• Teléfono: sin respuesta",
        "• Datos abiertos: En parte",
        "• Propiedad de los datos: La Ciudad",
        "• Organización: Movilidad Sostenible del Sur",
    ):
        assert line in summary
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/affirm",
        '/choose{"choice":"change"}',
        "/stop",
    ]
    assert [b["title"] for b in messages[0]["buttons"]] == [
        "Enviar",
        "Cambiar una respuesta",
        "Parar por ahora",
    ]

    events, _ = run(ValidateProposalForm(), tracker({**slots}, "Sí, envíala", "affirm", 0.5))
    assert slot_events(events)["form_outcome"] == "confirmed"
    slots.update(slot_events(events), active_form="proposal")
    events, messages = run(FinishSubmission(), tracker(slots))
    receipt = messages[0]["text"]
    assert receipt.startswith("¡Gracias! Tu propuesta ya se envió.")
    assert "El personal usará mj@movilidadsur.example si tiene preguntas." in receipt
    reference = slot_events(events)["last_reference"]
    with session_scope(database) as session:
        stored = submissions.get_submission(session, reference)
        answers = {a.field: a.value for a in submissions.get_answers(session, stored.id)}
        assert stored.category == "mobility"
        assert stored.procurement_path == "small_purchase"
        assert "city_not_data_owner" not in stored.flags
        assert answers["city_ask"] == "pilot_site, data_access"
        assert answers["departments"] == "not_sure"
        # The person's own words stay as written.
        assert answers["problem"].startswith("No hay donde estacionarse")
        assert contacts.language_of(session, stored.contact_id) == "es"


def test_an_ask_in_the_vendors_own_words_is_shown_as_written():
    slots = {**answered("confidential_fields"), **ES, "confidential_fields": []}
    slots["city_ask"] = ["Other: un escritorio en la alcaldía"]
    _, messages = run(AskProposalConfirmed(), tracker(slots))
    assert (
        "• Lo que le pides a la Ciudad: Otra: un escritorio en la alcaldía" in messages[0]["text"]
    )


def test_a_returning_vendor_is_offered_the_draft_in_spanish_with_a_spanish_date(database):
    with session_scope(database) as session:
        drafts.save_draft(session, SENDER, Kind.proposal, {"organisation": "Acme", "title": "x"})
        changed = drafts.get_draft(session, SENDER, Kind.proposal).updated_at
    _, messages = run(Greet(), tracker(ES))
    assert messages[0]["text"] == "¡Qué bueno verte de nuevo!"
    assert messages[1]["text"] == (
        "Tienes una propuesta sin terminar con 2 respuestas guardadas (último cambio: "
        f"{long_date(changed, 'es')}). ¿Quieres seguir donde te quedaste?"
    )
    assert " de " in long_date(changed, "es")  # "7 de diciembre de 2026"
    assert messages[1]["buttons"] == [
        {"title": "Seguir", "payload": "/affirm"},
        {"title": "Ahora no", "payload": "/deny"},
    ]
    _, messages = run(KeepDraft(), tracker({**ES, "active_form": "proposal"}))
    assert messages[0]["text"].startswith("No hay problema. Tu propuesta sin terminar se queda")


def test_the_buttons_asking_whether_a_reply_is_an_answer_are_in_spanish():
    one = answer_buttons([("SC-2026-00001", "¿Dónde?")], "es")
    assert [b["title"] for b in one] == ["Sí, es mi respuesta", "No, no lo es"]
    several = answer_buttons([("SC-2026-00001", "a"), ("SC-2026-00002", "b")], "es")
    assert several[1]["title"] == "Sí, sobre SC-2026-00002"
    assert several[1]["payload"] == '/affirm{"reference":"SC-2026-00002"}'


def test_a_form_started_in_spanish_introduces_itself_in_spanish(database):
    _, messages = run(StartProposal(), tracker(ES))
    assert messages[0]["text"].startswith("Gracias por traerle una propuesta a la Ciudad.")
    assert "«parar»" in messages[0]["text"]


@pytest.mark.parametrize(
    ("said", "language", "entities"),
    [
        ("English please", "en", []),
        ("in english", "en", []),
        ('/switch_language{"language":"en"}', "en", [{"entity": "language", "value": "en"}]),
        ("¿hablas otro idioma?", "en", []),  # names none: the other language
    ],
)
def test_switching_mid_form_keeps_every_answer_and_asks_again_in_the_new_language(
    database, said, language, entities
):
    with session_scope(database) as session:
        session.add(Contact(sender_id=SENDER, channel="web", language="es"))
    slots = {**answered("category"), **ES, "requested_slot": "category"}
    current = tracker(slots, said, "switch_language", 0.97, {"entities": entities})
    events, messages = run(ValidateProposalForm(), current)
    assert slot_events(events) == {
        "language": language,
        "category": None,
        "requested_slot": "category",
    }
    assert messages == [
        {**messages[0], "text": "Sure, let's continue in English. Your answers so far are kept."}
    ]
    with session_scope(database) as session:
        assert session.exec(select(Contact.language)).all() == ["en"]


def test_switching_to_spanish_at_the_summary_shows_it_again_in_spanish(database):
    slots = {**answered("confidential_fields"), "confidential_fields": []}
    slots.update(requested_slot="proposal_confirmed", language="en")
    events, messages = run(
        ValidateProposalForm(), tracker(slots, "¿hablas español?", "switch_language", 0.9)
    )
    assert slot_events(events) == {
        "language": "es",
        "proposal_confirmed": None,
        "requested_slot": "proposal_confirmed",
    }
    assert messages[0]["text"] == "¡Claro! Seguimos en español. Tus respuestas se guardaron."
    slots.update(slot_events(events))
    _, messages = run(AskProposalConfirmed(), tracker(slots))
    assert "• Título: Adaptive signal timing pilot on Lamar" in messages[0]["text"]


def test_switching_outside_a_form_confirms_and_offers_the_menu_in_the_new_language(database):
    with session_scope(database) as session:
        session.add(Contact(sender_id=SENDER, channel="web", language="en"))
    events, messages = run(SwitchLanguage(), tracker(text="Español", intent="switch_language"))
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "es"}]
    assert messages[0]["text"] == "¡Claro! Seguimos en español."
    assert messages[1]["response"] == "utter_help"
    with session_scope(database) as session:
        assert session.exec(select(Contact.language)).all() == ["es"]


@pytest.mark.parametrize("said", ["si", "sí", "Sí", "SÍ", "síí", "sí\u0301", "claro", "dale"])
def test_yes_at_the_summary_in_any_spelling_submits(said):
    slots = {**answered("confidential_fields"), **ES, "requested_slot": "proposal_confirmed"}
    events, _ = run(ValidateProposalForm(), tracker(slots, said, "inform", 0.2))
    assert slot_events(events)["form_outcome"] == "confirmed"


@pytest.mark.parametrize(
    ("said", "code"),
    [
        ("Movilidad", "mobility"),
        ("movilidad", "mobility"),
        ("MOVILIDAD", "mobility"),
        ("Energía y medio ambiente", "energy_environment"),
        ("energia y medio ambiente", "energy_environment"),
        ("es de trafico y parking", "mobility"),  # Spanglish
        ("Mobility", "mobility"),
    ],
)
def test_choices_in_either_language_with_or_without_accents(said, code):
    slots = {**answered("category"), **ES, "requested_slot": "category"}
    events, messages = run(ValidateProposalForm(), tracker(slots, said, "inform", 0.3))
    assert slot_events(events)["category"] == code and messages == []


@pytest.mark.parametrize(
    ("said", "response"),
    [("¿por qué?", "utter_why_email"), ("¿Para qué es?", "utter_why_email"), ("por que", None)],
)
def test_why_in_spanish_gives_the_reason_and_keeps_the_place(said, response):
    slots = {**answered("email"), **ES, "requested_slot": "email"}
    events, messages = run(ValidateProposalForm(), tracker(slots, said, "inform", 0.3))
    assert messages[0]["response"] == (response or "utter_why_email")
    assert slot_events(events) == {"email": None, "requested_slot": "email"}


@pytest.mark.parametrize(
    ("slot", "message", "stored"),
    [
        ("data_collected", typed("Ninguno"), "none"),
        ("data_collected", pressed("none"), "none"),
        (
            "data_collected",
            typed("Ninguno personal, solo conteos"),
            "Ninguno personal, solo conteos",
        ),
        ("data_owner", typed("la ciudad"), "city"),
        ("data_owner", typed("Nosotros, pero la Ciudad tiene copia"), None),
        ("departments", pressed("not_sure"), "not_sure"),
        ("personal_data", typed("Sí, placas de carros"), None),
        ("personal_data", typed("no hay datos personales"), "no"),
        ("open_data", typed("sí"), "yes"),
        ("open_data", pressed("no"), "no"),
    ],
)
def test_a_few_choices_beside_free_text_are_codes_only_when_the_whole_answer_is_one(
    slot, message, stored
):
    slots = {**answered(slot), **ES, "requested_slot": slot}
    events, messages = run(ValidateProposalForm(), tracker(slots, *message))
    assert slot_events(events)[slot] == (stored or message[0]) and messages == []


def test_the_yes_button_on_personal_data_asks_which_data_in_spanish():
    slots = {**answered("personal_data"), **ES, "requested_slot": "personal_data"}
    events, messages = run(ValidateProposalForm(), tracker(slots, *pressed("yes")))
    assert slot_events(events) == {"personal_data": None, "requested_slot": "personal_data"}
    assert messages[0]["text"].startswith("¿Qué datos personales")


def test_an_answer_starting_with_porque_is_an_answer():
    said = "Porque los camiones llegan tarde"
    slots = {**answered("problem"), **ES, "requested_slot": "problem"}
    events, messages = run(ValidateProposalForm(), tracker(slots, said, "inform", 0.3))
    assert slot_events(events)["problem"] == said and messages == []


@pytest.mark.parametrize("said", ["parar", "ya no", "luego lo termino", "quiero cancelar", "/stop"])
def test_stop_in_spanish_asks_for_confirmation(said):
    slots = {**answered("title"), **ES, "requested_slot": "title"}
    intent = "stop" if said.startswith("/") else "inform"
    events, _ = run(ValidateProposalForm(), tracker(slots, said, intent, 1.0))
    assert slot_events(events) == {
        "title": None,
        "stop_requested": True,
        "requested_slot": "confirm_stop",
    }


def test_not_stopping_is_confirmed_in_spanish():
    slots = {**answered("title"), **ES, "stop_requested": True, "requested_slot": "confirm_stop"}
    events, messages = run(ValidateProposalForm(), tracker(slots, "no, sigamos", "deny", 0.9))
    assert slot_events(events)["stop_requested"] is False
    assert messages[0]["text"] == "Perfecto, sigamos."


@pytest.mark.parametrize(
    ("said", "slot", "text"),
    [
        ("cambiar mi correo", "email", "Claro, actualicemos: correo electrónico."),
        ("quiero cambiar el título", "title", "Claro, actualicemos: título."),
        ("change my email", "email", "Claro, actualicemos: correo electrónico."),
    ],
)
def test_change_in_spanish_reopens_the_named_answer(said, slot, text):
    slots = {**answered("confidential_fields"), **ES, "requested_slot": "proposal_confirmed"}
    events, messages = run(ValidateProposalForm(), tracker(slots, said, "inform", 0.3))
    assert slot_events(events) == {
        "proposal_confirmed": None,
        slot: None,
        "requested_slot": slot,
    }
    assert messages[0]["text"] == text


def test_the_change_button_asks_which_answer_in_the_persons_language():
    slots = {**answered("confidential_fields"), **ES, "confidential_fields": []}
    slots["requested_slot"] = "proposal_confirmed"
    events, messages = run(ValidateProposalForm(), tracker(slots, *pressed("change")))
    assert slot_events(events) == {
        "proposal_confirmed": None,
        "requested_slot": "proposal_confirmed",
    }
    assert messages[0]["text"].startswith("¿Qué respuesta quieres cambiar? (organización, ")


@pytest.mark.parametrize(
    ("slot", "said", "expected"),
    [
        (
            "email",
            "ana@",
            "Ese correo no parece válido. ¿Lo revisas? (por ejemplo: nombre@ejemplo.com)",
        ),
        ("title", "👍", "El título necesita unas cuantas palabras"),
        ("problem", "🚦🚦", "¿Me cuentas un poco más? (al menos 10 caracteres)"),
        ("organisation", "👍🏽🎉", "Aquí necesito unas palabras"),
        ("problem", "🚦" * 12 + "!!", "Aquí necesito unas palabras"),
        ("category", "🙂", "Elige una de estas opciones: Movilidad, Energía y medio ambiente,"),
        ("estimated_cost", "mucho", "Escribe una cantidad en dólares"),
        ("personal_data", "sí", "¿Qué datos personales, en pocas palabras?"),
        (
            "confidential_fields",
            "eso",
            "No me quedó claro a qué respuestas te refieres. Puedes marcar: problema que",
        ),
    ],
)
def test_an_answer_that_cannot_be_taken_is_explained_in_spanish_and_nothing_is_lost(
    slot, said, expected
):
    slots = {**answered(slot), **ES, "city_ask": ["funding"], "requested_slot": slot}
    events, messages = run(ValidateProposalForm(), tracker(slots, said, "inform", 0.3))
    assert slot_events(events) == {slot: None, "requested_slot": slot}
    assert messages[0]["text"].startswith(expected)


def test_a_5000_character_spanish_answer_is_taken_and_a_longer_one_refused_in_full():
    answer = ("Los camiones llegan tarde y la gente espera bajo el sol. " * 100)[:LONG_ANSWER]
    slots = {**answered("problem"), **ES, "requested_slot": "problem"}
    events, messages = run(ValidateProposalForm(), tracker(slots, answer, "inform", 0.3))
    assert slot_events(events)["problem"] == answer and messages == []
    events, messages = run(ValidateProposalForm(), tracker(slots, answer + "!", "inform", 0.3))
    assert slot_events(events) == {"problem": None, "requested_slot": "problem"}
    assert messages[0]["response"] == "utter_answer_too_long"


def test_every_choice_word_names_one_choice_only_in_every_language():
    # A word shared by two choices of a set would make an answer using it unreadable.
    for question in QUESTIONS:
        if question.choices is None:
            continue
        words = question.choices.words()
        for code, names in words.items():
            for name in names:
                assert question.choices.one()(name) == code, (question.slot, name)


def test_the_proposal_texts_have_the_same_keys_and_placeholders_in_both_languages():
    english, spanish = folder("en"), folder("es")
    for area in ("proposal.", "form.", "language.", "summary.", "reply."):
        keys = {key for key in english if key.startswith(area)}
        assert keys == {key for key in spanish if key.startswith(area)}, area
        for key in keys:
            if isinstance(english[key], str):
                assert sorted(_placeholders(english[key])) == sorted(_placeholders(spanish[key]))


def _placeholders(template: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


@pytest.mark.parametrize(
    ("answers", "flag", "raised"),
    [
        ({"data_owner": "city"}, "city_not_data_owner", False),
        ({"data_owner": "vendor"}, "city_not_data_owner", True),
        ({"data_owner": "La ciudad es dueña de los datos"}, "city_not_data_owner", False),
        ({"data_owner": "Compartida con la ciudad"}, "city_not_data_owner", False),
        ({"data_owner": "No es de la ciudad, es nuestra"}, "city_not_data_owner", True),
        ({"ip_terms": "El software sigue siendo nuestro"}, "proprietary_licence", True),
        ({"ip_terms": "Código abierto, licencia MIT"}, "proprietary_licence", False),
        ({"personal_data": "no"}, "personal_data", False),
        ({"personal_data": "Placas de los carros"}, "personal_data", True),
    ],
)
def test_the_flags_read_codes_and_the_vendors_own_words_in_spanish(answers, flag, raised):
    form = ValidateProposalForm()
    slots = {slot: form.question(slot).parse(said) for slot, said in PROPOSAL_ANSWERS}
    new = form.build_submission(SENDER, "web", {**slots, "confidential_fields": [], **answers})
    assert (flag in new.flags) is raised
