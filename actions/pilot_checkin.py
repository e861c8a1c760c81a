"""The vendor answers a pilot check-in in chat (storage/pilots/checkins.py): the check-in's
ask and reminder carry a "Report the values" button (`choose` with the code
`checkin_<id>`, so no training data is involved), which starts `pilot_checkin_form` for
the person who made the submission. It asks each metric still missing (its unit, baseline
and target shown), then one line on how the pilot is going, shows what will be sent and
sends it on "yes" (`answer_checkin`). Any value or the progress line may be skipped;
"stop", or "no" at the end, leaves with nothing stored."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.numbers import format_decimal
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlmodel import Session, select

from actions.guided_form import (
    LONG_ANSWER,
    NOT_GIVEN,
    Invalid,
    Question,
    accept_text,
    chosen_code,
    optional,
    slot_changes,
)
from actions.language import language_of
from actions.parsing import parse_measure
from actions.status import proven_reference
from actions.store import in_session
from actions.submission_flow import yes_no_buttons
from actions.vendor_requests import RequestForm
from storage import contacts
from storage.catalogue import text
from storage.identity import is_named_by_client
from storage.languages import long_date
from storage.models import Submission
from storage.pilots.checkins import CheckinRefused, answer_checkin
from storage.pilots.models import (
    CheckinState,
    PilotCheckin,
    PilotIteration,
    PilotMetric,
    PilotMilestone,
)
from storage.workflow.submitter_news import CHECKIN_CHOICE

AREA = "pilot_checkins"
FORM = "pilot_checkin_form"
# The slots the form fills, emptied when it starts and when it ends: the check-in, the
# metrics it still asks for ({name, unit, baseline, target}), the values given so far
# (name -> number, None when skipped) and the question asked for each value in turn.
SLOTS = (
    "checkin_id",
    "checkin_metrics",
    "checkin_values",
    "checkin_milestone",
    "checkin_value",
    "checkin_progress",
    "checkin_confirmed",
)
FLOW_SLOTS = ("request_reference", "form_outcome", "stop_requested", "requested_slot")
# What the value question holds once every metric has its answer.
ALL_GIVEN = "all_given"


def parse_value(answer: str) -> float:
    """A measured value from what the vendor typed (Invalid when it is no number)."""
    value = parse_measure(answer)
    if value is None:
        raise Invalid("pilot_checkins.form.not_a_number")
    return value


def shown_number(value: float, language: str) -> str:
    return format_decimal(value, "#,##0.###", locale=language)


@dataclass(frozen=True)
class Opened:
    """A check-in the person may answer: its submission's reference and what it asks."""

    reference: str
    metrics: list[dict[str, Any]]
    milestone: str | None


def _open_checkin(
    session: Session, checkin_id: int, sender_id: str, proven: str | None
) -> Opened | str:
    """The check-in, when the person is its pilot's vendor (the chat identity that made
    the submission, or one that proved it by the private status code a short while ago)
    and it is open; else the catalogue key saying why not."""
    checkin = session.get(PilotCheckin, checkin_id)
    iteration = session.get(PilotIteration, checkin.iteration_id) if checkin else None
    submission = session.get(Submission, iteration.submission_id) if iteration else None
    if checkin is None or submission is None:
        return "pilot_checkins.form.not_yours"
    by_identity = not is_named_by_client(sender_id) and contacts.submitted_by(
        session, submission, sender_id
    )
    if not by_identity and proven != submission.reference:
        return "pilot_checkins.form.not_yours"
    if checkin.state is not CheckinState.open:
        return f"pilot_checkins.refused.not_open.{checkin.state.value}"
    metrics = session.exec(
        select(PilotMetric)
        .where(PilotMetric.iteration_id == checkin.iteration_id)
        .order_by(PilotMetric.position)
    ).all()
    asked = [
        {"name": m.name, "unit": m.unit, "baseline": m.baseline, "target": m.target}
        for m in metrics
        if m.name in checkin.metrics and m.name not in checkin.received
    ]
    milestone = session.get(PilotMilestone, checkin.milestone_id) if checkin.milestone_id else None
    return Opened(submission.reference, asked, milestone.name if milestone else None)


def checkin_code(tracker: Tracker) -> int | None:
    """The check-in a "Report the values" button names, if the latest message is one."""
    code = chosen_code(tracker.latest_message or {}) or ""
    number = code.removeprefix(CHECKIN_CHOICE)
    return int(number) if code.startswith(CHECKIN_CHOICE) and number.isdigit() else None


def _cleared(tracker: Tracker) -> list[EventType]:
    values: dict[str, Any] = {slot: None for slot in (*SLOTS, *FLOW_SLOTS)}
    return slot_changes(tracker, {**values, "stop_requested": False})


class StartPilotCheckin(Action):
    """The "Report the values" button pressed: the form starts for the pilot's vendor on a
    check-in still open (action_vendor_request hands every `checkin_` code here)."""

    def name(self) -> str:
        return "action_pilot_checkin"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        checkin_id = checkin_code(tracker)
        if checkin_id is None:
            dispatcher.utter_message(response="utter_default")
            return []
        proven = proven_reference(tracker)
        opened = await in_session(
            lambda session: _open_checkin(session, checkin_id, tracker.sender_id, proven)
        )
        if isinstance(opened, str):
            dispatcher.utter_message(text=text(opened, language))
            return []
        dispatcher.utter_message(
            text=text("pilot_checkins.form.start", language, reference=opened.reference)
        )
        return [
            *_cleared(tracker),
            SlotSet("request_reference", opened.reference),
            SlotSet("checkin_id", checkin_id),
            SlotSet("checkin_metrics", opened.metrics),
            SlotSet("checkin_values", {}),
            SlotSet("checkin_milestone", opened.milestone),
            # A check-in on a milestone alone asks no value: only the line on progress.
            *([] if opened.metrics else [SlotSet("checkin_value", ALL_GIVEN)]),
            FollowupAction(FORM),
        ]


def _next_metric(slots: dict[str, Any]) -> dict[str, Any] | None:
    given = slots.get("checkin_values") or {}
    return next((m for m in slots.get("checkin_metrics") or [] if m["name"] not in given), None)


class ValidatePilotCheckinForm(RequestForm):
    """One value question asked once per metric (the check-in's metrics are the plan's,
    not the domain's): each value given is kept in `checkin_values`, and the question
    counts as answered once every metric has one. Answers cannot be reopened one by one:
    "no" at the summary leaves, and the button starts again."""

    key = "checkin"
    area = AREA
    questions = (
        Question(
            "checkin_value",
            optional(parse_value, "pilot_checkins.form.not_a_number"),
        ),
        Question(
            "checkin_progress",
            optional(accept_text(2, LONG_ANSWER), "form.invalid.too_short"),
        ),
    )

    def name(self) -> str:
        return "validate_pilot_checkin_form"

    def change_answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: str, target: str
    ) -> list[EventType] | None:
        return None  # "change ..." is an answer here (a line on progress may start so)

    async def handle_message(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        events = await super().handle_message(dispatcher, tracker)
        value = next(
            (e["value"] for e in events if e.get("name") == "checkin_value" and e["value"]), None
        )
        if value is None or tracker.get_slot("requested_slot") != "checkin_value":
            return events
        metric = _next_metric(tracker.slots)
        if metric is None:
            return events
        given = {**(tracker.get_slot("checkin_values") or {})}
        given[metric["name"]] = None if value == NOT_GIVEN else value
        left = _next_metric({**tracker.slots, "checkin_values": given})
        kept = [e for e in events if e.get("name") != "checkin_value"]
        return [
            *kept,
            SlotSet("checkin_values", given),
            SlotSet("checkin_value", ALL_GIVEN if left is None else None),
        ]


def _metric_line(metric: dict[str, Any], language: str) -> str:
    return text(
        "pilot_checkins.form.metric",
        language,
        metric=metric["name"],
        unit=metric["unit"],
        baseline=shown_number(metric["baseline"], language),
        target=shown_number(metric["target"], language),
    )


class AskCheckinValue(Action):
    """The next metric's value: its name, unit, baseline and target."""

    def name(self) -> str:
        return "action_ask_checkin_value"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        metric = _next_metric(tracker.slots)
        if metric is not None:
            dispatcher.utter_message(
                text=text(
                    "pilot_checkins.form.ask_value", language, metric=_metric_line(metric, language)
                ),
                buttons=[_skip_button(language)],
            )
        return []


def _skip_button(language: str) -> dict[str, str]:
    return {
        "title": text("pilot_checkins.form.skip_button", language),
        "payload": '/choose{"choice":"skip"}',
    }


class AskCheckinProgress(Action):
    def name(self) -> str:
        return "action_ask_checkin_progress"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        milestone = tracker.get_slot("checkin_milestone")
        dispatcher.utter_message(
            text=text(
                "pilot_checkins.form.ask_progress_milestone"
                if milestone
                else "pilot_checkins.form.ask_progress",
                language,
                milestone=milestone or "",
            ),
            buttons=[_skip_button(language)],
        )
        return []


def _given_values(tracker: Tracker) -> dict[str, float]:
    return {
        name: value
        for name, value in (tracker.get_slot("checkin_values") or {}).items()
        if value is not None
    }


def _progress(tracker: Tracker) -> str | None:
    progress = tracker.get_slot("checkin_progress")
    return None if progress in (None, NOT_GIVEN) else str(progress)


class AskCheckinConfirmed(Action):
    """What will be sent: each value with its unit (or "not reported") and the progress."""

    def name(self) -> str:
        return "action_ask_checkin_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        given = tracker.get_slot("checkin_values") or {}
        lines = [
            text(
                "pilot_checkins.form.summary_value",
                language,
                metric=metric["name"],
                value=shown_number(given[metric["name"]], language),
                unit=metric["unit"],
            )
            if given.get(metric["name"]) is not None
            else text("pilot_checkins.form.summary_skipped", language, metric=metric["name"])
            for metric in tracker.get_slot("checkin_metrics") or []
        ]
        progress = _progress(tracker)
        lines.append(
            text("pilot_checkins.form.summary_progress", language, progress=progress)
            if progress
            else text("pilot_checkins.form.summary_no_progress", language)
        )
        dispatcher.utter_message(
            text=text(
                "pilot_checkins.form.confirm",
                language,
                reference=tracker.get_slot("request_reference") or "",
                summary="\n".join(lines),
            ),
            buttons=yes_no_buttons(
                "pilot_checkins.form.button_yes", "pilot_checkins.form.button_no", language
            ),
        )
        return []


def refusal(refused: CheckinRefused, language: str) -> str:
    """Why the answer was not taken, in the vendor's language."""
    detail = refused.detail
    if refused.code == "not_open":
        return text(f"pilot_checkins.refused.not_open.{detail['state']}", language)
    values: dict[str, Any] = {}
    if "metric" in detail:
        values["metric"] = detail["metric"]
    if "on" in detail:
        values["date"] = long_date(date.fromisoformat(str(detail["on"])), language)
    return text(f"pilot_checkins.refused.{refused.code}", language, **values)


class FinishPilotCheckin(Action):
    """Runs when the form closes: sends what was confirmed, or says nothing was."""

    def name(self) -> str:
        return "action_finish_pilot_checkin"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        done = _cleared(tracker)
        checkin_id = tracker.get_slot("checkin_id")
        if checkin_id is None or tracker.get_slot("form_outcome") != "confirmed":
            dispatcher.utter_message(text=text("pilot_checkins.form.kept", language))
            return done
        values, progress = _given_values(tracker), _progress(tracker)
        proven = proven_reference(tracker)

        def send(session: Session) -> str:
            # Proven again: the answer may come long after the button was pressed.
            opened = _open_checkin(session, int(checkin_id), tracker.sender_id, proven)
            if isinstance(opened, str):
                return text(opened, language)
            try:
                answered = answer_checkin(session, int(checkin_id), values, progress)
            except CheckinRefused as refused:
                return refusal(refused, language)
            key = "answered" if answered.state is CheckinState.answered else "partly"
            return text(f"pilot_checkins.form.{key}", language, reference=opened.reference)

        dispatcher.utter_message(text=await in_session(send))
        return done
