"""A pilot plan as people write it (a JSON or YAML document: `pilot plan REF --from FILE`,
later the vendor's form), read, checked and normalised into the shape of the plan view
(docs/pilots.md) before anything is stored.

The looser forms a person writes are taken where they are unambiguous (`sites` as one
string, `risks` as strings, `exit_plan`, `equity` or `cost_after_pilot` as one string or
the cost as one number); the keys the view computes (reference, state, values, met, the
disclosure's figures, ...) are ignored, so a plan shown with `--json` can be edited and
set again. Anything else is refused with the key it is about, never a traceback. People's
words are kept as written (trimmed), markup included: whoever shows them escapes them."""

import json
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Final, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    FiniteFloat,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from storage.catalogue import text
from storage.pilots.disclosure import CLASSIFICATIONS
from storage.workflow.rules import Refused

# A plan is a few kilobytes; a file far larger is a mistake (or worse), refused unread.
MAX_PLAN_BYTES: Final = 256 * 1024
# The errors a refusal lists; the rest are counted.
ERRORS_SHOWN: Final = 5

# What a check of the whole plan (or of the data terms) names as the key it is about, in
# its error's context: the refusal says "the plan: ends must come after starts", and a
# form shows it on the field of `ends`.
ABOUT: Final = "about"

# The years a plan's dates may fall in, and the longest pilot: beyond them a date is a
# typo, and check-ins (storage/pilots/checkins.py) would be computed by the thousand or
# past the last date Python knows.
FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100
LONGEST_PILOT_YEARS: Final = 5
# The exit plan's milestones (equipment removed, data returned) come after the pilot ends.
EXIT_WINDOW: Final = timedelta(days=365)

CADENCES: Final = ("weekly", "biweekly", "monthly", "quarterly", "at_milestones", "at_end")
PAYERS: Final = ("vendor", "city", "grant", "other")
OWNERS: Final = ("city", "vendor", "shared")
COST_PERIODS: Final = ("year", "month", "one_time")
# What the plan view computes: accepted in a document and ignored.
COMPUTED: Final = frozenset(
    {
        "reference", "title", "organisation", "status", "procurement_path", "iteration",
        "iterations", "state", "proposed_by", "approved_by", "approved_at", "approval_note",
        "decision",
    }
)  # fmt: skip
COMPUTED_METRIC: Final = frozenset({"values", "met"})
COMPUTED_DISCLOSURE: Final = frozenset(
    {"cost_per_record", "estimated_cost", "risk_level", "method", "lead_note_required"}
)

Words = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Scope = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10000)]


def _not_a_truth_value(value: object) -> object:
    """A number where one is meant: `true` is no 1 (Pydantic would take it as one)."""
    if isinstance(value, bool):
        raise PydanticCustomError("pilot_number", text("pilots.input.not_a_number"))
    return value


Number = Annotated[FiniteFloat, BeforeValidator(_not_a_truth_value)]
Amount = Annotated[Number, Field(ge=0)]


def _a_date(value: object) -> object:
    """A date written as YYYY-MM-DD (YAML reads an unquoted one as a date already);
    a timestamp or a number is not a date."""
    if isinstance(value, datetime):
        raise PydanticCustomError("pilot_date", text("pilots.input.not_a_date"))
    if isinstance(value, str):
        with suppress(ValueError):
            value = date.fromisoformat(value.strip())
    if not isinstance(value, date):
        raise PydanticCustomError("pilot_date", text("pilots.input.not_a_date"))
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        said = text("pilots.input.year_out_of_range", first=FIRST_YEAR, last=LAST_YEAR)
        raise PydanticCustomError("pilot_date", said)
    return value


def _one_or_many(value: object) -> object:
    """One string where a list of strings is meant: a list of that one."""
    return [value] if isinstance(value, str) else value


Day = Annotated[date, BeforeValidator(_a_date)]
Strings = Annotated[list[Words], BeforeValidator(_one_or_many), Field(max_length=100)]


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Metric(Part):
    name: Name
    unit: Name
    baseline: Number
    target: Number
    direction: Literal["increase", "decrease"]
    method: Words
    cadence: Literal[CADENCES]
    reported_by: Literal["vendor", "city"] = "vendor"

    @model_validator(mode="before")
    @classmethod
    def _computed_ignored(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k not in COMPUTED_METRIC}
        return value


class Milestone(Part):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    due: Day
    done_on: Day | None = None


class BudgetLine(Part):
    payer: Literal[PAYERS]
    amount: Amount
    in_kind: bool
    private: bool = False
    note: Words | None = None


class CostAfterPilot(Part):
    amount: Amount | None = None
    per: Literal[COST_PERIODS] | None = None
    note: Words | None = None

    @model_validator(mode="before")
    @classmethod
    def _loose(cls, value: object) -> object:
        if isinstance(value, str):
            return {"note": value}
        if isinstance(value, int | float) and not isinstance(value, bool):
            return {"amount": value}
        return value


class DataTerms(Part):
    collected: Strings
    personal: bool
    location: bool
    images: bool
    raw_owner: Literal[OWNERS]
    derived_owner: Literal[OWNERS]
    city_licence: Words | None = None
    retention_until: Day | None = None
    deletion_by: Day | None = None
    stored_where: Words | None = None
    open_data: bool = False

    @model_validator(mode="after")
    def _deleted_after_kept(self) -> "DataTerms":
        if self.retention_until and self.deletion_by and self.deletion_by < self.retention_until:
            said = text("pilots.input.deletion_before_retention")
            raise PydanticCustomError("pilot_order", said, {ABOUT: ("deletion_by",)})
        return self

    @property
    def any_collected(self) -> bool:
        return bool(self.collected) or self.personal or self.location or self.images


class Disclosure(Part):
    classification: Literal[CLASSIFICATIONS]
    # Stored as a 32-bit Integer column (PostgreSQL refuses more).
    records: Annotated[int, BeforeValidator(_not_a_truth_value), Field(ge=0, le=2**31 - 1)]

    @model_validator(mode="before")
    @classmethod
    def _computed_ignored(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k not in COMPUTED_DISCLOSURE}
        return value


class ExitPlan(Part):
    removal: Words | None = None
    asset_handover: Words | None = None
    data_return: Words | None = None

    @model_validator(mode="before")
    @classmethod
    def _loose(cls, value: object) -> object:
        return {"removal": value} if isinstance(value, str) else value


class Equity(Part):
    neighbourhoods: Strings = []
    who_benefits: Words | None = None
    accessibility: Words | None = None

    @model_validator(mode="before")
    @classmethod
    def _loose(cls, value: object) -> object:
        return {"who_benefits": value} if isinstance(value, str) else value


class Risk(Part):
    risk: Words
    mitigation: Words | None = None

    @model_validator(mode="before")
    @classmethod
    def _loose(cls, value: object) -> object:
        return {"risk": value} if isinstance(value, str) else value


def _unique_names(metrics: list[Metric]) -> list[Metric]:
    seen: set[str] = set()
    for metric in metrics:
        if metric.name in seen:
            raise PydanticCustomError(
                "pilot_unique", text("pilots.input.metric_twice", name=metric.name)
            )
        seen.add(metric.name)
    return metrics


class PlanInput(Part):
    """A plan, checked and in the view's shape."""

    scope: Scope
    sites: Annotated[Strings, Field(min_length=1)]
    starts: Day
    ends: Day
    metrics: Annotated[
        list[Metric], Field(min_length=1, max_length=50), AfterValidator(_unique_names)
    ]
    milestones: Annotated[list[Milestone], Field(max_length=100)]
    budget: Annotated[list[BudgetLine], Field(max_length=100)]
    cost_after_pilot: CostAfterPilot
    data: DataTerms
    disclosure: Disclosure | None = None
    exit_plan: ExitPlan
    equity: Equity
    risks: Annotated[list[Risk], BeforeValidator(_one_or_many), Field(max_length=100)]
    confidential_fields: Annotated[list[str], BeforeValidator(_one_or_many)] = []

    @field_validator("confidential_fields")
    @classmethod
    def _plan_keys(cls, fields: list[str]) -> list[str]:
        keys = sorted(set(PlanInput.model_fields) - {"confidential_fields"})
        for field in fields:
            if field not in keys:
                said = text("pilots.input.not_a_plan_key", field=field, keys=", ".join(keys))
                raise PydanticCustomError("pilot_key", said)
        return list(dict.fromkeys(fields))

    @model_validator(mode="after")
    def _consistent(self) -> "PlanInput":
        if self.ends <= self.starts:
            said = text("pilots.input.ends_before_starts")
            raise PydanticCustomError("pilot_order", said, {ABOUT: ("ends",)})
        if (self.ends - self.starts).days > LONGEST_PILOT_YEARS * 366:
            said = text("pilots.input.too_long", years=LONGEST_PILOT_YEARS)
            raise PydanticCustomError("pilot_order", said, {ABOUT: ("ends",)})
        for number, milestone in enumerate(self.milestones, start=1):
            if not self.starts <= milestone.due <= self.ends + EXIT_WINDOW:
                said = text("pilots.input.milestone_outside", number=number, name=milestone.name)
                about = ("milestones", number - 1, "due")
                raise PydanticCustomError("pilot_order", said, {ABOUT: about})
        if self.disclosure is None and not self.data.any_collected:
            # Nothing collected: nothing to disclose.
            self.disclosure = Disclosure(classification="public", records=0)
        return self


def _where(location: tuple) -> str:
    """Where in the document an error is, as a person finds it: `metrics, item 2, target`
    (items counted from 1)."""
    parts = [text("pilots.input.item", number=part + 1) if isinstance(part, int) else str(part)
             for part in location]  # fmt: skip
    return ", ".join(parts) or text("pilots.input.whole_document")


def _problem(error: dict) -> str:
    kind = error["type"]
    if kind.startswith("pilot_"):
        return error["msg"]
    context = error.get("ctx") or {}
    if kind == "literal_error":
        return text("pilots.input.one_of", expected=context.get("expected", ""))
    if kind == "extra_forbidden":
        return text("pilots.input.unknown_key")
    known = f"pilots.input.error.{kind}"
    try:
        return text(known, **context)
    except KeyError:
        return text("pilots.input.invalid", problem=error["msg"])


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a plan: where (`metrics, item 2, direction` as people read it),
    what is wrong, and the key path it is about (("metrics", 1, "direction"); a check of
    the whole plan names the key it concerns) for a form to show it on its field."""

    where: str
    said: str
    path: tuple[str | int, ...]


class PlanRefused(Refused):
    """A plan refused for what is wrong in it; its message lists the first problems,
    `problems` has them all."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


def _path(error: dict) -> tuple[str | int, ...]:
    return tuple(error["loc"]) + tuple((error.get("ctx") or {}).get(ABOUT, ()))


def refusal(problem: ValidationError) -> PlanRefused:
    """The refusal that names each wrong key and says what it should be."""
    problems = [
        Problem(_where(e["loc"]), _problem(e), _path(e)) for e in problem.errors(include_url=False)
    ]
    lines = [
        text("pilots.input.error_line", where=found.where, problem=found.said)
        for found in problems[:ERRORS_SHOWN]
    ]
    if len(problems) > ERRORS_SHOWN:
        lines.append(text("pilots.input.more_errors", count=len(problems) - ERRORS_SHOWN))
    return PlanRefused("\n".join([text("pilots.input.refused"), *lines]), problems)


def checked(document: object, reference: str) -> PlanInput:
    """The document as a plan, or Refused naming what is wrong. A document that names
    another submission (a `show --json` of another plan) is refused."""
    if not isinstance(document, dict):
        raise Refused(text("pilots.input.not_a_mapping"))
    named = document.get("reference")
    if named is not None and str(named).strip().upper() != reference:
        raise Refused(text("pilots.input.other_reference", named=named, reference=reference))
    plan = {key: value for key, value in document.items() if key not in COMPUTED}
    try:
        return PlanInput.model_validate(plan)
    except ValidationError as problem:
        raise refusal(problem) from None


class _NoAliases(yaml.SafeLoader):
    """YAML without anchors and aliases: a plan needs none, and aliases nested in aliases
    let a small file stand for an enormous document."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases are not accepted", event.start_mark
            )
        return super().compose_node(parent, index)


def read_document(raw: bytes, name: str) -> object:
    """A plan file's content: JSON when its name ends in .json, else YAML (of which JSON
    is also a form). Refused when too large, not UTF-8, or not parseable."""
    if len(raw) > MAX_PLAN_BYTES:
        raise Refused(text("pilots.input.too_large", size=len(raw), limit=MAX_PLAN_BYTES))
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(text("pilots.input.not_utf8", name=name)) from None
    try:
        if name.lower().endswith(".json"):
            return json.loads(content)
        return yaml.load(content, Loader=_NoAliases)
    except (ValueError, yaml.YAMLError) as problem:
        raise Refused(text("pilots.input.unreadable", name=name, problem=problem)) from None
    except RecursionError:  # `[[[[...` nested deeper than the parsers go (no plan is)
        raise Refused(text("pilots.input.too_deep", name=name)) from None
