"""The vendor's part of a pilot plan, as they answer it in chat: each answer read as people
type it (dates in either language, sites as a list, amounts as the intake reads them),
refused with the reason the stored plan's own checks (storage/pilots/plan_input.py) would
give, and the answers gathered into the plan document `propose_as_vendor` stores as a
draft for staff to complete and approve."""

import re
from datetime import date
from typing import Any, Final

from pydantic import ValidationError

from actions.guided_form import Invalid
from actions.parsing import parse_amount, plain
from storage.pilots.plan_input import (
    EXIT_WINDOW,
    FIRST_YEAR,
    LAST_YEAR,
    LONGEST_PILOT_YEARS,
    PlanInput,
)

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
    """A metric's baseline or target: a plain number ("12", "12.5", "12,5", "-3", "40%").
    As in the intake's amounts, a comma before one or two digits starts the decimals,
    before three it groups thousands ("1,200")."""
    said = plain(answer).strip().rstrip("%").strip().replace(" ", "")
    if re.fullmatch(r"-?\d+,\d{1,2}", said):
        said = said.replace(",", ".")
    try:
        value = float(said.replace(",", ""))
    except ValueError:
        raise Invalid("pilot_plan.invalid.not_a_number") from None
    if value != value or value in (float("inf"), float("-inf")):
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
