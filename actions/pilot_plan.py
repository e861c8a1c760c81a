"""The vendor's part of a pilot plan, as they answer it in chat: each answer read as people
type it (dates in either language, sites as a list, amounts as the intake reads them),
refused with the reason the stored plan's own checks (storage/pilots/plan_input.py) would
give, and the answers gathered into the plan document `propose_as_vendor` stores as a
draft for staff to complete and approve."""

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from babel.numbers import format_decimal
from pydantic import ValidationError
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlmodel import Session

from actions.guided_form import (
    Choices,
    GuidedForm,
    Invalid,
    Question,
    accept_text,
    chosen_code,
    given,
    optional,
    slot_changes,
)
from actions.language import language_of
from actions.parsing import parse_amount, parse_measure, plain, yes_or_no
from actions.status import proven_reference
from actions.store import in_session
from actions.submission_flow import yes_no_buttons
from storage import contacts, submissions
from storage.catalogue import text
from storage.identity import is_named_by_client
from storage.pilots import plans
from storage.pilots.plan_input import (
    CADENCES,
    EXIT_WINDOW,
    FIRST_YEAR,
    LAST_YEAR,
    LONGEST_PILOT_YEARS,
    PAYERS,
    PlanInput,
)
from storage.workflow.rules import Refused

# Words that end a list answered one item per message.
DONE_WORDS: Final = frozenset(
    {"done", "that's all", "thats all", "finished", "listo", "ya", "eso es todo", "terminado"}
)
# "and" is no separator: it is inside too many names ("Bed and Breakfast Row").
LIST_SEPARATOR: Final = re.compile(r"\s*[,;\n]\s*")

MONTHS: Final = {
    **dict.fromkeys(("january", "jan", "enero", "ene"), 1),
    **dict.fromkeys(("february", "feb", "febrero"), 2),
    **dict.fromkeys(("march", "mar", "marzo"), 3),
    **dict.fromkeys(("april", "apr", "abril", "abr"), 4),
    **dict.fromkeys(("may", "mayo"), 5),
    **dict.fromkeys(("june", "jun", "junio"), 6),
    **dict.fromkeys(("july", "jul", "julio"), 7),
    **dict.fromkeys(("august", "aug", "agosto", "ago"), 8),
    **dict.fromkeys(("september", "sep", "sept", "septiembre", "setiembre"), 9),
    **dict.fromkeys(("october", "oct", "octubre"), 10),
    **dict.fromkeys(("november", "nov", "noviembre"), 11),
    **dict.fromkeys(("december", "dec", "diciembre", "dic"), 12),
}
ISO_DAY: Final = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
NUMERIC_DAY: Final = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
# "1 March 2027", "1 de marzo de 2027", "1st of march, 2027"
DAY_MONTH_YEAR: Final = re.compile(
    r"^(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+|de\s+)?([a-z]+)\.?,?\s+(?:de\s+|del\s+)?(\d{4})$"
)
# "March 1, 2027", "march 1st 2027"
MONTH_DAY_YEAR: Final = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")


def _day(year: int, month: int, day: int) -> date:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid("pilot_plan.invalid.year_out_of_range")
    try:
        return date(year, month, day)
    except ValueError:
        raise Invalid("pilot_plan.invalid.no_such_day") from None


def parse_day(answer: str, language: str) -> date:
    """A date as people type it: 2027-03-01, 1 March 2027, March 1 2027, 1 de marzo de
    2027; with slashes the language decides the order (3/1/2027 is March 1st in English,
    January 3rd in Spanish). A year is always asked for: a pilot is planned ahead, and a
    guessed year would put it a year out."""
    said = plain(answer).strip().rstrip(".")
    if match := ISO_DAY.match(said):
        year, month, day = (int(part) for part in match.groups())
        return _day(year, month, day)
    if match := NUMERIC_DAY.match(said):
        first, second, year = (int(part) for part in match.groups())
        month, day = (first, second) if language == "en" else (second, first)
        return _day(year, month, day)
    for pattern, order in ((DAY_MONTH_YEAR, (0, 1, 2)), (MONTH_DAY_YEAR, (1, 0, 2))):
        if match := pattern.match(said):
            parts = match.groups()
            day, month_name, year = (parts[i] for i in order)
            month = MONTHS.get(month_name)
            if month is not None:
                return _day(int(year), month, int(day))
    raise Invalid("pilot_plan.invalid.not_a_date")


def parse_end(answer: str, language: str, starts: date) -> date:
    """The pilot's last day: after its first, and no longer than a plan may run."""
    ends = parse_day(answer, language)
    if ends <= starts:
        raise Invalid("pilot_plan.invalid.ends_before_starts")
    if (ends - starts).days > LONGEST_PILOT_YEARS * 366:
        raise Invalid("pilot_plan.invalid.too_long", years=LONGEST_PILOT_YEARS)
    return ends


def parse_milestone_day(answer: str, language: str, starts: date, ends: date) -> date:
    """A milestone's date: within the pilot, or within a year after it ends (equipment
    removed, data returned)."""
    due = parse_day(answer, language)
    if not starts <= due <= ends + EXIT_WINDOW:
        raise Invalid("pilot_plan.invalid.milestone_outside")
    return due


def parse_items(answer: str) -> list[str]:
    """One or more items (sites, neighbourhoods, risks): comma-, semicolon- or
    line-separated. Empty pieces are dropped."""
    items = [item.strip(" .") for item in LIST_SEPARATOR.split(answer.strip())]
    found = [item for item in items if len(item) >= 2]
    if not found:
        raise Invalid("pilot_plan.invalid.no_items")
    return found


def is_done(answer: str) -> bool:
    """The answer that ends a list given one item per message."""
    return plain(answer).strip(" .!") in DONE_WORDS


def parse_number(answer: str) -> float:
    """A metric's baseline or target, as either language writes it (parsing.parse_measure)."""
    value = parse_measure(answer)
    if value is None:
        raise Invalid("pilot_plan.invalid.not_a_number")
    return value


def parse_money(answer: str) -> int:
    """A budget line's or the later cost's amount, read as the intake reads amounts."""
    amount = parse_amount(answer)
    if amount is None:
        raise Invalid("pilot_plan.invalid.not_an_amount")
    return amount


# The plan's parts the vendor answers; a refusal of the whole plan (its dates' order) is
# about its dates.
ANSWERED_PARTS: Final = (
    "scope",
    "sites",
    "metrics",
    "milestones",
    "budget",
    "cost_after_pilot",
    "data",
    "exit_plan",
    "equity",
    "risks",
)


def plan_document(answers: dict[str, Any]) -> dict[str, Any]:
    """The plan document from the form's answers. Of the data terms the vendor is asked
    what is collected and whether it is personal; where it is stored, who owns it and the
    disclosure are staff's to settle before a lead approves (nothing said here claims
    location or images are collected: staff correct it with the rest)."""
    collected = answers.get("data_collected") or []
    return {
        "scope": answers["scope"],
        "sites": answers["sites"],
        "starts": answers["starts"],
        "ends": answers["ends"],
        "metrics": answers["metrics"],
        "milestones": answers.get("milestones") or [],
        "budget": answers.get("budget") or [],
        "cost_after_pilot": answers.get("cost_after_pilot") or {},
        "data": {
            "collected": collected,
            "personal": bool(answers.get("data_personal")),
            "location": False,
            "images": False,
            "raw_owner": "shared",
            "derived_owner": "shared",
        },
        "exit_plan": answers.get("exit_plan") or {},
        "equity": answers.get("equity") or {},
        "risks": answers.get("risks") or [],
    }


def checked_plan(answers: dict[str, Any]) -> PlanInput:
    """The answers as a plan the store accepts; Invalid (the form says which answer to
    look at again) when the plan's own checks refuse it."""
    try:
        return PlanInput.model_validate(plan_document(answers))
    except ValidationError as problem:
        where = problem.errors(include_url=False)[0]["loc"]
        part = where[0] if where and where[0] in ANSWERED_PARTS else "dates"
        raise Invalid(f"pilot_plan.invalid.part.{part}") from None


# The form: one question per slot, a metric, a milestone and a budget line at a time.
AREA: Final = "pilot_plan"
FORM: Final = "pilot_plan_form"
DIRECTIONS = Choices(AREA, "direction", ("increase", "decrease"))
CADENCE_CHOICES = Choices(AREA, "cadence", CADENCES)
REPORTERS = Choices(AREA, "reported_by", ("vendor", "city"))
PAYER_CHOICES = Choices(AREA, "payer", PAYERS)


@dataclass(frozen=True)
class Group:
    """Questions asked again for each item of a list (a metric, a milestone, a budget
    line), then "add another?". The items given are kept in `items`; "no" ends it."""

    items: str
    fields: dict[str, str]  # slot -> the item's key
    more: str

    def open(self, slots: dict[str, Any]) -> bool:
        return slots.get(self.more) != "no"

    def item(self, slots: dict[str, Any]) -> dict[str, Any]:
        return {key: slots.get(slot) for slot, key in self.fields.items()}


METRICS = Group(
    "plan_metrics",
    {
        "plan_metric_name": "name",
        "plan_metric_unit": "unit",
        "plan_metric_baseline": "baseline",
        "plan_metric_target": "target",
        "plan_metric_direction": "direction",
        "plan_metric_method": "method",
        "plan_metric_cadence": "cadence",
        "plan_metric_reported_by": "reported_by",
    },
    "plan_more_metrics",
)
MILESTONES = Group(
    "plan_milestones",
    {"plan_milestone_name": "name", "plan_milestone_due": "due"},
    "plan_more_milestones",
)
BUDGET = Group(
    "plan_budget",
    {
        "plan_budget_payer": "payer",
        "plan_budget_amount": "amount",
        "plan_budget_in_kind": "in_kind",
    },
    "plan_more_budget",
)
GROUPS: Final = (METRICS, MILESTONES, BUDGET)
# Every slot the form keeps (the answers, the items given, the flow's own).
PLAN_SLOTS: Final = (
    "plan_scope",
    "plan_sites",
    "plan_starts",
    "plan_ends",
    *METRICS.fields,
    METRICS.more,
    *MILESTONES.fields,
    MILESTONES.more,
    *BUDGET.fields,
    BUDGET.more,
    "plan_cost_after",
    "plan_exit_removal",
    "plan_exit_handover",
    "plan_exit_data",
    "plan_neighbourhoods",
    "plan_who_benefits",
    "plan_data_collected",
    "plan_data_personal",
    "plan_risks",
    "pilot_plan_confirmed",
    *(group.items for group in GROUPS),
    "plan_list_so_far",
)
# Questions answered by a list: several at once (comma-separated), or one per message and
# "done"; the items given so far are kept as {"slot": ..., "items": [...]}.
LIST_SLOTS: Final = ("plan_sites", "plan_neighbourhoods", "plan_risks")
SO_FAR: Final = "plan_list_so_far"


def so_far(tracker: Tracker, slot: str) -> list[str]:
    kept = tracker.get_slot(SO_FAR)
    return list(kept["items"]) if isinstance(kept, dict) and kept.get("slot") == slot else []


def yes_no(answer: str) -> str:
    said = yes_or_no(answer)
    if said is None:
        raise Invalid("pilot_plan.invalid.yes_or_no")
    return "yes" if said else "no"


class ValidatePilotPlanForm(GuidedForm):
    """The vendor's part of the plan. Built per message from the conversation: the dates
    are read in the person's language and checked against the start already given."""

    key = "pilot_plan"
    area = AREA

    def __init__(self, language: str = "en", slots: dict[str, Any] | None = None) -> None:
        self.language, self.slots = language, slots or {}

    def name(self) -> str:
        return "validate_pilot_plan_form"

    @classmethod
    def of(cls, tracker: Tracker) -> "ValidatePilotPlanForm":
        return cls(language_of(tracker), dict(tracker.slots))

    def _day(self, slot: str) -> date:
        return date.fromisoformat(self.slots[slot])

    def starts(self, answer: str) -> str:
        return parse_day(answer, self.language).isoformat()

    def ends(self, answer: str) -> str:
        return parse_end(answer, self.language, self._day("plan_starts")).isoformat()

    def due(self, answer: str) -> str:
        starts, ends = self._day("plan_starts"), self._day("plan_ends")
        return parse_milestone_day(answer, self.language, starts, ends).isoformat()

    @property
    def questions(self) -> tuple[Question, ...]:  # type: ignore[override]
        short, long = accept_text(2, 200), accept_text(2)
        return (
            Question("plan_scope", accept_text(10, 10000)),
            Question("plan_sites", parse_items),
            Question("plan_starts", self.starts),
            Question("plan_ends", self.ends),
            Question("plan_metric_name", accept_text(2, 80), METRICS.open),
            Question("plan_metric_unit", accept_text(1, 80), METRICS.open),
            Question("plan_metric_baseline", parse_number, METRICS.open),
            Question("plan_metric_target", parse_number, METRICS.open),
            Question("plan_metric_direction", DIRECTIONS.one(), METRICS.open, choices=DIRECTIONS),
            Question("plan_metric_method", long, METRICS.open),
            Question(
                "plan_metric_cadence", CADENCE_CHOICES.one(), METRICS.open, choices=CADENCE_CHOICES
            ),
            Question("plan_metric_reported_by", REPORTERS.one(), METRICS.open, choices=REPORTERS),
            Question(METRICS.more, yes_no, METRICS.open),
            Question("plan_milestone_name", short, MILESTONES.open),
            Question("plan_milestone_due", self.due, MILESTONES.open),
            Question(MILESTONES.more, yes_no, MILESTONES.open),
            Question("plan_budget_payer", PAYER_CHOICES.one(), BUDGET.open, choices=PAYER_CHOICES),
            Question("plan_budget_amount", parse_money, BUDGET.open),
            Question("plan_budget_in_kind", yes_no, BUDGET.open),
            Question(BUDGET.more, yes_no, BUDGET.open),
            Question("plan_cost_after", optional(parse_money, "pilot_plan.invalid.not_an_amount")),
            Question("plan_exit_removal", long),
            Question("plan_exit_handover", long),
            Question("plan_exit_data", long),
            Question("plan_neighbourhoods", parse_items),
            Question("plan_who_benefits", long),
            Question("plan_data_collected", optional(parse_items, "pilot_plan.invalid.no_items")),
            Question("plan_data_personal", yes_no),
            Question("plan_risks", parse_items),
        )

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        form = ValidatePilotPlanForm.of(tracker)
        events = form.listed(dispatcher, tracker, await form.handle_message(dispatcher, tracker))
        events += form.item_given(tracker, events)
        tracker.add_slots(events)
        form = ValidatePilotPlanForm.of(tracker)
        required = await form.required_slots([], dispatcher, tracker, domain)
        missing = next((slot for slot in required if tracker.slots.get(slot) is None), None)
        return [*events, SlotSet("requested_slot", missing)]

    def listed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, events: list[EventType]
    ) -> list[EventType]:
        """A list question answered with one item is held, and asked again ("another, or
        done?"); several items at once, or "done", answer it with every item given."""
        requested = tracker.get_slot("requested_slot")
        value = next(
            (e["value"] for e in events if e.get("event") == "slot" and e["name"] == requested),
            None,
        )
        if requested not in LIST_SLOTS or not isinstance(value, list):
            return events
        items = so_far(tracker, requested)
        message = tracker.latest_message or {}
        if is_done(chosen_code(message) or message.get("text") or ""):
            if not items:
                dispatcher.utter_message(text=text("pilot_plan.invalid.no_items", self.language))
                return [SlotSet(requested, None)]
            return [SlotSet(requested, items), SlotSet(SO_FAR, None)]
        items += value
        if len(value) > 1:
            return [SlotSet(requested, items), SlotSet(SO_FAR, None)]
        return [SlotSet(requested, None), SlotSet(SO_FAR, {"slot": requested, "items": items})]

    def item_given(self, tracker: Tracker, events: list[EventType]) -> list[EventType]:
        """When "add another?" is answered, the item is added to its list and its
        questions emptied: asked again on "yes", closed on "no"."""
        answered = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
        for group in GROUPS:
            more = answered.get(group.more)
            if more not in ("yes", "no"):
                continue
            slots = {**tracker.slots, **answered}
            items = [*(tracker.get_slot(group.items) or []), group.item(slots)]
            cleared = [SlotSet(slot, None) for slot in group.fields]
            again = [SlotSet(group.more, None)] if more == "yes" else []
            return [SlotSet(group.items, items), *cleared, *again]
        return []

    def confirm(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, answer: bool | None
    ) -> list[EventType]:
        if answer is True:
            return [SlotSet(self.confirm_slot, "yes"), SlotSet("form_outcome", "confirmed")]
        dispatcher.utter_message(text=text("pilot_plan.confirm_or_change", language_of(tracker)))
        return [SlotSet(self.confirm_slot, None)]


def answers_of(slots: dict[str, Any]) -> dict[str, Any]:
    """The form's slots as the answers `checked_plan` reads."""

    def given_text(slot: str) -> str | None:
        return given(slots.get(slot))

    cost = given(slots.get("plan_cost_after"))
    return {
        "scope": slots.get("plan_scope"),
        "sites": slots.get("plan_sites"),
        "starts": slots.get("plan_starts"),
        "ends": slots.get("plan_ends"),
        "metrics": slots.get(METRICS.items) or [],
        "milestones": slots.get(MILESTONES.items) or [],
        "budget": [
            {**line, "in_kind": line.get("in_kind") == "yes"}
            for line in slots.get(BUDGET.items) or []
        ],
        "cost_after_pilot": {"amount": cost, "per": "year"} if cost is not None else {},
        "data_collected": given(slots.get("plan_data_collected")) or [],
        "data_personal": slots.get("plan_data_personal") == "yes",
        "exit_plan": {
            "removal": given_text("plan_exit_removal"),
            "asset_handover": given_text("plan_exit_handover"),
            "data_return": given_text("plan_exit_data"),
        },
        "equity": {
            "neighbourhoods": slots.get("plan_neighbourhoods") or [],
            "who_benefits": given_text("plan_who_benefits"),
        },
        "risks": slots.get("plan_risks") or [],
    }


FLOW: Final = {"form_outcome": None, "stop_requested": False, "requested_slot": None}


def _reference_for(session: Session, tracker: Tracker) -> str | None:
    """The submission whose plan the person may fill in: the one this conversation proved
    is theirs, else the newest of those this chat identity made (a REST client's sender
    id proves nothing, so it needs the proof)."""
    proven = proven_reference(tracker)
    mine = (
        []
        if is_named_by_client(tracker.sender_id)
        else plans.awaiting_vendor(session, tracker.sender_id)
    )
    if proven is not None:
        submission = submissions.get_submission(session, proven)
        if submission is not None and plans.open_to_vendor(session, submission):
            return proven
    return mine[0] if mine else None


def _contact_language(session: Session, reference: str) -> str:
    submission = submissions.get_submission(session, reference)
    return contacts.language_of(session, submission.contact_id if submission else None)


async def start(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The plan button pressed (in the news of the move to pilot, or after a status
    answer): the form opens, resuming the answers kept for the same submission. Pressed
    first thing in a conversation (from the news in a Slack DM), nothing has shown the
    conversation's language yet: it is the one the news was written in, the contact's."""
    reference = await in_session(lambda session: _reference_for(session, tracker))
    if reference is None:
        key = (
            "vendor_requests.not_proven"
            if is_named_by_client(tracker.sender_id)
            else "pilot_plan.nothing_open"
        )
        dispatcher.utter_message(text=text(key, language_of(tracker)))
        return []
    shown = tracker.get_slot("language")
    language = shown or await in_session(lambda session: _contact_language(session, reference))
    answered = any(tracker.get_slot(slot) is not None for slot in PLAN_SLOTS)
    resumed = answered and tracker.get_slot("plan_reference") == reference
    if resumed:
        dispatcher.utter_message(text=text("pilot_plan.resumed", language, reference=reference))
    emptied = {} if resumed else dict.fromkeys(PLAN_SLOTS)
    return [
        *slot_changes(tracker, {**emptied, **FLOW, "language": language}),
        SlotSet("plan_reference", reference),
        FollowupAction(FORM),
    ]


def _summary(tracker: Tracker, language: str) -> str:
    form = ValidatePilotPlanForm.of(tracker)
    in_groups = {slot for group in GROUPS for slot in (*group.fields, group.more)}
    lines = [
        text(
            "pilot_plan.summary_line",
            language,
            label=form.label(question, language),
            value=form.show(question, tracker.get_slot(question.slot), language),
        )
        for question in form.questions
        if question.slot not in in_groups and tracker.get_slot(question.slot) is not None
    ]
    metrics = [
        text(
            "pilot_plan.metric_line",
            language,
            name=m["name"],
            baseline=format_decimal(m["baseline"], locale=language),
            target=format_decimal(m["target"], locale=language),
            unit=m["unit"],
            cadence=CADENCE_CHOICES.label(m["cadence"], language),
        )
        for m in tracker.get_slot(METRICS.items) or []
    ]
    milestones = [
        text("pilot_plan.milestone_line", language, name=m["name"], due=m["due"])
        for m in tracker.get_slot(MILESTONES.items) or []
    ]
    budget = [
        text(
            "pilot_plan.budget_line",
            language,
            payer=PAYER_CHOICES.label(line["payer"], language),
            amount=format_decimal(line["amount"], locale=language),
            in_kind=text("pilot_plan.in_kind", language) if line["in_kind"] == "yes" else "",
        )
        for line in tracker.get_slot(BUDGET.items) or []
    ]
    separator = text("form.value.separator", language)
    for key, items in (("metrics", metrics), ("milestones", milestones), ("budget", budget)):
        label = text(f"pilot_plan.summary_label.{key}", language)
        lines.append(
            text("pilot_plan.summary_line", language, label=label, value=separator.join(items))
        )
    return "\n".join(lines)


class AskListItem(Action, ABC):
    """A list question: its own words first, then "another one, or done?" with what is
    given so far."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The list question it asks (abstract: the action server registers only the
        questions' own actions)."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        items = so_far(tracker, self.slot)
        if not items:
            dispatcher.utter_message(response=f"utter_ask_{self.slot}")
            return []
        language = language_of(tracker)
        given_so_far = text("form.value.separator", language).join(items)
        dispatcher.utter_message(
            text=text("pilot_plan.list_more", language, items=given_so_far),
            buttons=[
                {
                    "title": text("pilot_plan.list_done", language),
                    "payload": '/choose{"choice":"done"}',
                }
            ],
        )
        return []


class AskSites(AskListItem):
    slot = "plan_sites"


class AskNeighbourhoods(AskListItem):
    slot = "plan_neighbourhoods"


class AskRisks(AskListItem):
    slot = "plan_risks"


class AskPilotPlanConfirmed(Action):
    def name(self) -> str:
        return "action_ask_pilot_plan_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        dispatcher.utter_message(
            text=text(
                "pilot_plan.summary",
                language,
                reference=tracker.get_slot("plan_reference"),
                lines=_summary(tracker, language),
            ),
            buttons=yes_no_buttons("pilot_plan.button_yes", "pilot_plan.button_no", language),
        )
        return []


def _store(
    session: Session, tracker: Tracker, reference: str, plan: PlanInput, language: str
) -> str:
    """Stores the confirmed plan as the vendor's; what they are told."""
    if _reference_for(session, tracker) != reference:
        return text("pilot_plan.not_open", language, reference=reference)
    try:
        outcome = plans.propose_as_vendor(session, reference, plan)
    except Refused:
        return text("pilot_plan.not_open", language, reference=reference)
    if not outcome.changed:
        return text("vendor_requests.changed_meanwhile", language, reference=reference)
    return text("pilot_plan.sent", language, reference=reference)


class FinishPilotPlan(Action):
    """The form closed: a confirmed plan is stored and its answers emptied; a stopped one
    keeps them for when the person comes back."""

    def name(self) -> str:
        return "action_finish_pilot_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        reference = tracker.get_slot("plan_reference")
        flow = slot_changes(tracker, FLOW)
        if not reference or tracker.get_slot("form_outcome") != "confirmed":
            dispatcher.utter_message(text=text("pilot_plan.kept", language))
            return flow
        try:
            plan = checked_plan(answers_of(tracker.slots))
        except Invalid as problem:
            dispatcher.utter_message(text=problem.message(language))
            dispatcher.utter_message(text=text("pilot_plan.kept", language))
            return [*flow, SlotSet("pilot_plan_confirmed", None)]
        said = await in_session(lambda session: _store(session, tracker, reference, plan, language))
        dispatcher.utter_message(text=said)
        return [*flow, *slot_changes(tracker, dict.fromkeys((*PLAN_SLOTS, "plan_reference")))]
