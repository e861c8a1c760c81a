"""A form that talks like a person: one question at a time, with room to digress.

At any question the user may ask why it is asked, ask an FAQ, change an earlier
answer, or stop (with confirmation); every accepted answer is saved to a draft at
once. Rasa's own loop always runs the form while it is active, so all of that is
decided here, in one place, from the latest message.
"""

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from sqlalchemy.engine import Connection

from actions import browser_session
from actions.language import language_of, other_language
from actions.parsing import (
    clean_text,
    find_reference,
    is_skip,
    language_requested,
    match_choice,
    match_choices,
    parse_email,
    parse_phone,
    plain,
    unaccented,
    yes_or_no,
)
from actions.status import answer_status
from actions.store import in_session, in_single_statements
from storage import contacts, drafts, submissions
from storage.catalogue import phrases, text
from storage.languages import LANGUAGES, supported
from storage.models import Kind

# Stopping is recognised by its words, never by the classifier alone: a short answer
# such as "Insurance and bonding" must not end a form because a model guessed "stop".
# These patterns read `plain(text)` (lower case, no accents, no ¿ ¡), in both languages.
STOP = re.compile(
    r"^\s*(?:(?:i\s*(?:want|would like|'d like|need)|let's|let me|please|can i|can we"
    r"|(?:yo )?(?:quiero|quisiera|necesito|puedo|prefiero)|por favor|mejor|vamos a)"
    r"\s+(?:to\s+)?)?"
    r"(stop|cancel|quit|exit|abort|pause|halt|never\s*mind|forget (?:it|about it)"
    r"|(?:i'll )?finish (?:it )?later|end"
    r"|parar|para|parale|detener|detente|cancelar|cancela|cancelalo|salir|basta|ya no"
    r"|olvidalo|olvidalo mejor|dejarlo|dejalo|pausar|terminar(?:lo)? (?:despues|luego|mas tarde)"
    r"|(?:lo )?(?:termino|acabo|sigo) (?:despues|luego|mas tarde|otro dia)"
    r"|(?:luego|despues|mas tarde|otro dia) (?:lo )?(?:termino|acabo|sigo))"
    r"(\s+(it|this|that|now|here|for now|please|the form|the proposal|the idea|the feedback"
    r"|this form|my proposal|my idea|everything|aqui|aca|ahora|por ahora|por favor|porfa"
    r"|esto|eso|todo|el formulario|la propuesta|mi propuesta|la idea|mi idea|lo termino luego"
    r"|lo termino despues|luego|despues))*\s*[.!]*\s*$",
    re.IGNORECASE,
)
# A request to stop is a few words: a longer message is an answer, and is not cleaned
# up for the pattern.
STOP_LONGEST = 160
# Asked as a question of its own, so an answer that merely contains "why" is still an
# answer; "porque" (because) starts many Spanish answers, so it counts only on its own.
WHY = re.compile(
    r"^\s*(?:but |and |so |pero |y )?(?:why\b|what(?:'s| is) (?:this|that|it) for"
    r"|how will (?:this|it|that|my \w+) be used"
    r"|por ?que\s*\?+\s*$|por que\b|para que (?:es|sirve|lo|la|los|las|quieren|necesitan|se)"
    r"|(?:como|en que) (?:se )?(?:va|van|vas) a usar)",
    re.IGNORECASE,
)
# "change" followed by nothing in particular: the user wants to correct something unnamed.
UNNAMED_ANSWER = {"", "an answer", "answer", "my answer", "something", "it", "that", "one"}
UNNAMED_ANSWER |= {"una respuesta", "respuesta", "algo", "eso", "esa", "uno", "una", "algo mas"}
CHANGE_VERB = re.compile(
    r"^\s*(?:(?:i\s*(?:want|would like|'d like|need)|can i|could i|let me|please"
    r"|(?:yo )?(?:quiero|quisiera|necesito|puedo|me gustaria)|dejame|por favor)"
    r"\s+(?:to\s+)?)?"
    r"(?:change|edit|correct|update|fix|amend|modify"
    r"|cambiar|cambia|cambiale|corregir|corrige|editar|edita|modificar|modifica"
    r"|actualizar|actualiza|arreglar|arregla)\b",
    re.IGNORECASE,
)
# How far into a message the verb of a change request can end ("i would like to change").
CHANGE_VERB_WITHIN = 60
CHANGE_OWNER = re.compile(
    r"\s*(?:my|the|our|mi|mis|el|la|los|las|nuestro|nuestra|tu|lo de)?\s*", re.IGNORECASE
)
QUESTION_START = re.compile(
    r"^\s*(how|what|who|when|where|which|is|are|does|do|can|could|will|would|should"
    r"|como|que|quien|quienes|cuando|donde|cual|cuales|cuanto|cuanta|es|son|puedo|puede"
    r"|pueden|se puede|hay|tienen|tengo)\b",
    re.IGNORECASE,
)
NOT_GIVEN = "not given"
# Ways a form closes before its end: stopped (the draft is kept), or left for a handoff
# to staff at its summary, after which it comes back (actions/handoff.py).
INTERRUPTIONS = ("stopped", "handoff")
# A digression is only taken as one when the classifier is this sure of it;
# otherwise the message is an answer, which is the safer mistake (it can be changed).
DIGRESSION_CONFIDENCE = 0.8
# What a button's payload starts with ("/stop", "/choose{...}"): never typed by hand.
BUTTON = "/"
# What an answer given in the person's own words, where choices were offered, is stored
# with ("Other: a desk in City Hall"): a marker in the data, shown in the reader's language.
OTHER = "Other: "
# The code the summary's "Change an answer" button sends.
CHANGE_CODE = "change"


def is_stop(text: str) -> bool:
    """Whether a message asks to stop, in either language ("stop", "ya no", "luego lo termino")."""
    return len(text) <= STOP_LONGEST and bool(STOP.match(plain(text)))


def is_question(text: str) -> bool:
    """Whether a message is worded as a question ("who owns the data", "¿quién es dueño…")."""
    return "?" in text or bool(QUESTION_START.match(plain(text)))


def is_why(text: str) -> bool:
    """Whether a message asks why the question is asked ("why?", "¿para qué es?")."""
    return bool(WHY.search(plain(text)))


def change_target(text: str) -> str | None:
    """What a "change ..." message names ("" when nothing in particular), or None when
    the message is no request to change an answer. The trailing spaces and punctuation
    are cut off with string methods: a lazy pattern followed by `\\s*[.!?]*$` tried
    every split of a long run of them, quadratic in the answer's length."""
    # The verb comes first: most answers are told apart on their first words, without
    # taking the accents off a long answer.
    if CHANGE_VERB.match(unaccented(text[:CHANGE_VERB_WITHIN])) is None:
        return None
    text = unaccented(text)
    verb = CHANGE_VERB.match(text)
    if verb is None:
        return None
    rest = text[verb.end() :]
    rest = rest[CHANGE_OWNER.match(rest).end() :]  # type: ignore[union-attr]
    if rest.endswith("\n"):  # `$` also matched before a final line break
        rest = rest[:-1]
    target = rest.rstrip(".!?").rstrip()
    return None if "\n" in target else target


class Invalid(ValueError):
    """An answer that cannot be accepted. It names the catalogue text that says what
    would be (`Invalid("form.invalid.too_short", minimum=2)`), written in the person's
    language when the form shows it."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def message(self, language: str) -> str:
        return text(self.key, language, **self.values)


class NotAChoice(Invalid):
    """An answer that names none of a question's choices (or several, where one is asked)."""

    def __init__(self, choices: "Choices", several: bool = False) -> None:
        super().__init__("form.invalid.choices" if several else "form.invalid.choice")
        self.choices = choices

    def message(self, language: str) -> str:
        labels = ", ".join(self.choices.label(code, language) for code in self.choices.codes)
        return text(self.key, language, choices=labels)


# The longest answer a question looks at: a free-text answer, or anything else (a name, an
# e-mail address, a choice). Longer answers are refused before any pattern runs, so no
# pattern ever spends its time on a wall of text, and no answer outgrows its column.
LONG_ANSWER = 5000
SHORT_ANSWER = 300


def accept_text(minimum: int = 2, maximum: int = LONG_ANSWER) -> Callable[[str], str]:
    def parse(answer: str) -> str:
        if len(answer) < minimum:
            raise Invalid("form.invalid.too_short", minimum=minimum)
        # Emoji or punctuation alone say something, but nothing staff could act on.
        if not any(character.isalnum() for character in answer):
            raise Invalid("form.invalid.no_words")
        return answer

    parse.longest = maximum  # type: ignore[attr-defined]
    return parse


@dataclass(frozen=True)
class Choices:
    """A question's choices, stored as codes ("mobility"). Each code's label is the
    catalogue text `<area>.choice.<name>.<code>` and the other words people use for it are
    the list `<area>.choice_words.<name>.<code>`; an answer is matched against both in
    every language, since people mix them and a switch may come between question and answer."""

    area: str
    name: str
    codes: tuple[str, ...]

    def label(self, code: str, language: str) -> str:
        return text(f"{self.area}.choice.{self.name}.{code}", language)

    def words(self) -> dict[str, tuple[str, ...]]:
        return _choice_words(self)

    def show(self, value: Any, language: str) -> str:
        """A stored code in `language`; the person's own words (after OTHER) as written."""
        if value in self.codes:
            return self.label(value, language)
        if isinstance(value, str) and value.startswith(OTHER):
            return text("form.value.other", language, answer=value[len(OTHER) :])
        return str(value)

    def one(self) -> Callable[[str], str]:
        """A parser for one choice: a code (from a button) or words naming one."""

        def parse(answer: str) -> str:
            found = answer if answer in self.codes else match_choice(answer, self.words())
            if found is None:
                raise NotAChoice(self)
            return found

        return parse

    def named_in(self, answer: str) -> list[str]:
        """Every code a message names: a code itself (a button), or words for each."""
        return [answer] if answer in self.codes else match_choices(answer, self.words())


@lru_cache
def _choice_words(choices: Choices) -> dict[str, tuple[str, ...]]:
    words: dict[str, tuple[str, ...]] = {}
    for code in choices.codes:
        key = f"{choices.area}.choice_words.{choices.name}.{code}"
        words[code] = tuple(
            dict.fromkeys(
                word
                for language in LANGUAGES
                for word in (choices.label(code, language), *phrases(key, language))
            )
        )
    return words


def optional(parser: Callable[[str], Any], problem: str) -> Callable[[str], Any]:
    """An answer that may be skipped ('skip', 'omitir', a Skip button), stored as NOT_GIVEN;
    `problem` is the catalogue key of what to say when the parser finds nothing."""

    def parse(answer: str) -> Any:
        if is_skip(answer):
            return NOT_GIVEN
        value = parser(answer)
        if value is None:
            raise Invalid(problem)
        return value

    parse.longest = getattr(parser, "longest", SHORT_ANSWER)  # type: ignore[attr-defined]
    return parse


def email(answer: str) -> str:
    found = parse_email(answer)
    if found is None:
        raise Invalid("form.invalid.email")
    return found


def email_or_phone(text: str) -> str | None:
    return parse_email(text) if "@" in text else parse_phone(text)


def contact_by(
    sender_id: str, channel: str, email_or_phone_answer: str | None
) -> contacts.ContactDetails:
    """A contact from an optional 'email or phone' answer (None: anonymous)."""
    is_email = bool(email_or_phone_answer and "@" in email_or_phone_answer)
    return contacts.ContactDetails(
        sender_id=sender_id,
        channel=channel,
        email=email_or_phone_answer if is_email else None,
        phone=email_or_phone_answer if email_or_phone_answer and not is_email else None,
    )


def given(value: Any) -> Any:
    """None for an answer the user skipped."""
    return None if value == NOT_GIVEN else value


def always(_: dict[str, Any]) -> bool:
    return True


def slot_changes(tracker: Tracker, values: dict[str, Any]) -> list[EventType]:
    """SlotSet events for the slots these values would change, and no others. Every event
    stays in the conversation: it is stored, and sent with each later action call, and
    a form's reset names some 30 slots, most of them empty already."""
    return [
        SlotSet(slot, value) for slot, value in values.items() if tracker.get_slot(slot) != value
    ]


@dataclass(frozen=True)
class Question:
    slot: str
    parse: Callable[[str], Any]
    applies: Callable[[dict[str, Any]], bool] = field(default=always)
    # Whether the submitter may mark this answer confidential.
    may_be_confidential: bool = False
    # The codes the answer is stored as, when it is a choice: shown back by their labels.
    choices: Choices | None = None

    @property
    def longest(self) -> int:
        """How long an answer may be (free text: accept_text's maximum)."""
        return getattr(self.parse, "longest", SHORT_ANSWER)


def describe(value: Any) -> str:
    """A stored answer as text, for the staff-side record (codes stay codes)."""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "none"
    return str(value)


def chosen_code(message: dict[str, Any]) -> str | None:
    """The code a choice button sent (`/choose{"choice": "mobility"}`), if any."""
    for entity in message.get("entities") or []:
        if entity.get("entity") == "choice" and entity.get("value"):
            return str(entity["value"])
    return None


async def switched_language(tracker: Tracker, said: str) -> str:
    """The language a switch asks for, kept on the person's contacts so that what is sent
    to them later follows it. Rasa sets the slot from the `language` entity; when a
    message was understood as a switch without one ("¿hablas otro idioma?"), the words
    name it, or else the switch is to the other of the two languages."""
    named = next(
        (
            supported(str(entity.get("value")))
            for entity in (tracker.latest_message or {}).get("entities") or []
            if entity.get("entity") == "language"
        ),
        None,
    )
    current = language_of(tracker)
    language = named or language_requested(said) or other_language(current)
    await in_session(lambda session: contacts.keep_language(session, tracker.sender_id, language))
    return language


class GuidedForm(FormValidationAction, ABC):
    key: str  # names the confirmation slot, `<key>_confirmed`
    questions: tuple[Question, ...]
    # The catalogue area of the form's texts: a question's label is `<area>.label.<slot>`
    # and the other names people call it by the list `<area>.names.<slot>`.
    area: str
    # Answers are saved as a draft of this kind as they arrive (None: not saved).
    draft_kind: Kind | None = None
    # Whether the user reviews a summary and confirms before the form completes.
    has_confirmation: bool = True
    # Answers that say who the person is and how to reach them: never shown again in
    # a later browser session (actions/browser_session.py).
    contact_slots: tuple[str, ...] = ()

    @abstractmethod
    def name(self) -> str:
        """`validate_<form name>`, as in the domain."""

    @property
    def confirm_slot(self) -> str:
        return f"{self.key}_confirmed"

    def question(self, slot: str) -> Question | None:
        return next((q for q in self.questions if q.slot == slot), None)

    def applicable(self, slots: dict[str, Any]) -> list[Question]:
        return [q for q in self.questions if q.applies(slots)]

    def answers(self, slots: dict[str, Any]) -> dict[str, Any]:
        return {
            q.slot: slots[q.slot] for q in self.applicable(slots) if slots.get(q.slot) is not None
        }

    def label(self, question: Question, language: str) -> str:
        """The question's label ("Title", "Título") in `language`."""
        return text(f"{self.area}.label.{question.slot}", language)

    def names(self, question: Question) -> tuple[str, ...]:
        """Every name a person may call the question by, in every language ("change my
        correo" is understood in an English conversation too)."""
        return tuple(
            dict.fromkeys(
                name
                for language in LANGUAGES
                for name in (
                    self.label(question, language),
                    *phrases(f"{self.area}.names.{question.slot}", language),
                )
            )
        )

    def show(self, question: Question, value: Any, language: str) -> str:
        """A stored answer as the person reads it: codes by their labels, skipped answers
        and empty lists said so, free text as written."""
        if value == NOT_GIVEN:
            return text("form.value.not_given", language)
        shown = question.choices.show if question.choices else (lambda item, _: str(item))
        if isinstance(value, list):
            items = [shown(item, language) for item in value]
            separator = text("form.value.separator", language)
            return separator.join(items) or text("form.value.none", language)
        return shown(value, language)

    def labels(self, questions: list[Question], language: str) -> str:
        return ", ".join(self.label(q, language).lower() for q in questions)

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.slots.get("form_outcome") in INTERRUPTIONS:
            return []
        if tracker.slots.get("stop_requested"):
            return ["confirm_stop"]
        questions = [q.slot for q in self.applicable(tracker.slots)]
        return [*questions, self.confirm_slot] if self.has_confirmation else questions

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = await self.handle_message(dispatcher, tracker)
        tracker.add_slots(events)
        required = await self.required_slots([], dispatcher, tracker, domain)
        missing = next((slot for slot in required if tracker.slots.get(slot) is None), None)
        return [*events, SlotSet("requested_slot", missing)]

    async def handle_message(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        if requested is None:
            return []  # the form was just (re)activated: nothing has been answered yet
        message = tracker.latest_message or {}
        # Cleaned up to one character past the longest answer, so that a longer one is
        # refused whole (never cut to fit), without cleaning a wall of text first.
        said = clean_text(message.get("text"), LONG_ANSWER + 1)
        question = self.question(requested)
        limit = question.longest if question else SHORT_ANSWER
        if len(said) > limit:
            length = len(clean_text(message.get("text"), len(message.get("text") or "")))
            dispatcher.utter_message(
                response="utter_answer_too_long", length=f"{length:,}", limit=f"{limit:,}"
            )
            return [SlotSet(requested, None)]
        intent = (message.get("intent") or {}).get("name")
        confidence = (message.get("intent") or {}).get("confidence") or 0.0
        sure = confidence >= DIGRESSION_CONFIDENCE
        pressed = said.startswith(BUTTON)
        if intent == "choose" and pressed:
            # A choice button answers with its code, whatever the question's words.
            said = chosen_code(message) or said
        language = language_of(tracker)

        if (intent == "switch_language" and (sure or pressed)) or language_requested(said):
            return await self.switch_language(dispatcher, tracker, requested, said)
        if requested == "confirm_stop":
            return self.confirm_stop(
                dispatcher, language, yes_or_no(said, intent if sure else None)
            )
        if is_stop(said) or (intent == "stop" and pressed):
            return [SlotSet(requested, None), SlotSet("stop_requested", True)]
        if len(said.split()) <= 12 and (is_why(said) or (intent == "ask_why" and sure)):
            reason = f"utter_why_{requested}" if self.question(requested) else "utter_why_general"
            dispatcher.utter_message(response=reason)
            return [SlotSet(requested, None)]
        # The summary's "Change an answer" button sends the code "change", which reads
        # as "change" naming nothing in particular.
        target = change_target(said)
        if target is not None:
            events = self.change_answer(dispatcher, tracker, requested, target)
            if events is not None:
                return events
        if requested == self.confirm_slot:
            # At the summary, a person may ask for staff or for a status like anywhere
            # else; the summary is shown again afterwards.
            if intent == "human_handoff" and sure:
                return [SlotSet(requested, None), SlotSet("form_outcome", "handoff")]
            if (intent == "check_status" and sure) or find_reference(said):
                return [*await answer_status(dispatcher, tracker), SlotSet(requested, None)]
        faq = self.faq_response(message, said, intent, sure)
        if faq:
            dispatcher.utter_message(response=faq)
            return [SlotSet(requested, None)]
        if requested == self.confirm_slot:
            return self.confirm(dispatcher, tracker, yes_or_no(said, intent if sure else None))

        if question is None:
            return [SlotSet(requested, None)]
        try:
            value = question.parse(said)
        except Invalid as problem:
            dispatcher.utter_message(text=problem.message(language))
            return [SlotSet(requested, None)]
        events: list[EventType] = [SlotSet(requested, value)]
        await self.save_draft(tracker, {**tracker.slots, requested: value}, requested)
        return events

    async def switch_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: str, said: str
    ) -> list[EventType]:
        """A switch of language is a digression: every answer stays, the switch is
        confirmed in the new language and the question is asked again in it (Rasa asks
        it with the response for the new `language`)."""
        language = await switched_language(tracker, said)
        dispatcher.utter_message(text=text("language.switched_in_form", language))
        return [SlotSet("language", language), SlotSet(requested, None)]

    def confirm_stop(
        self, dispatcher: CollectingDispatcher, language: str, answer: bool | None
    ) -> list[EventType]:
        if answer is True:
            return [SlotSet("confirm_stop", None), SlotSet("form_outcome", "stopped")]
        if answer is False:
            dispatcher.utter_message(text=text("form.stop.carry_on", language))
            return [SlotSet("confirm_stop", None), SlotSet("stop_requested", False)]
        dispatcher.utter_message(text=text("form.stop.yes_or_no", language))
        return [SlotSet("confirm_stop", None)]

    def confirm(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, answer: bool | None
    ) -> list[EventType]:
        if answer is True:
            return [SlotSet(self.confirm_slot, "yes"), SlotSet("form_outcome", "confirmed")]
        language = language_of(tracker)
        labels = self.labels(list(self.questions[:6]), language)
        dispatcher.utter_message(text=text("form.confirm.not_yet", language, labels=labels))
        return [SlotSet(self.confirm_slot, None)]

    def change_answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: str, target: str
    ) -> list[EventType] | None:
        """Events that reopen the named answer, or None when the words were an answer
        ("Change the insurance rules" answering "What would you change?")."""
        language = language_of(tracker)
        applicable = self.applicable(tracker.slots)
        slot = match_choice(target, {q.slot: self.names(q) for q in applicable})
        if slot is None:
            if target.lower() not in UNNAMED_ANSWER:
                return None
            labels = self.labels(applicable, language)
            dispatcher.utter_message(text=text("form.change.which", language, labels=labels))
            return [SlotSet(requested, None)]
        question = self.question(slot)
        assert question is not None
        label = self.label(question, language).lower()
        dispatcher.utter_message(text=text("form.change.reopened", language, label=label))
        return [SlotSet(requested, None), SlotSet(slot, None)]

    @staticmethod
    def faq_response(
        message: dict[str, Any], text: str, intent: str | None, sure: bool
    ) -> str | None:
        if intent != "faq" or not sure or not is_question(text) or len(text.split()) > 25:
            return None
        selected = (message.get("response_selector") or {}).get("faq") or {}
        return (selected.get("response") or {}).get("utter_action")

    def contact_details(self, slots: dict[str, Any]) -> dict[str, Any]:
        """The contact answers given (not skipped) among `slots`."""
        return {
            slot: slots[slot]
            for slot in self.contact_slots
            if slots.get(slot) is not None and slots[slot] != NOT_GIVEN
        }

    async def save_draft(self, tracker: Tracker, slots: dict[str, Any], answered: str) -> None:
        kind = self.draft_kind
        if kind is None:
            return
        answers = self.answers(slots)
        where = browser_session.current(tracker)

        # Safe to repeat (in_single_statements may): the answer just given is recorded
        # from this session whatever the draft said.
        def save(connection: Connection) -> None:
            previous = drafts.draft_answers(connection, tracker.sender_id, kind) or {}
            to_save = browser_session.recorded(
                answers, previous, answered, self.contact_slots, where
            )
            drafts.save_draft(connection, tracker.sender_id, kind, to_save)

        await in_single_statements(save)


class SubmissionForm(GuidedForm, ABC):
    """A guided form whose confirmed answers become a submission (proposal, idea, feedback)."""

    draft_kind: Kind

    @abstractmethod
    def build_submission(
        self, sender_id: str, channel: str, slots: dict[str, Any]
    ) -> submissions.NewSubmission:
        """The submission the confirmed answers describe, with its contact."""
