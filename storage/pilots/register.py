"""The public pilot register: what the City is trying, as anyone may read it (GET /pilots
and the pilots open data). Built from the plan view (views.plan_view) by naming each
field it keeps, never by removing the private ones, so a field added to the plan later
stays private until someone decides to publish it.

Published: pilots whose submission's title is public, and of them only iterations a lead
approved (a draft, or a draft superseded before approval, is not public). Of each: the
scope, sites, dates, metrics (unit, baseline, target, direction, values as reported,
met once decided), the budget lines not marked private, what data is collected and
whether it is published as open data, and the outcome with its public reason. A plan key
the vendor listed in `confidential_fields` is withheld (None). Never: contact or
organisation, notes, who proposed, approved or decided, the approval note, lessons, the
disclosure assessment, data terms beyond the two above, milestones, costs after the
pilot, exit plan, equity, risks."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from storage.models import Status, Submission
from storage.pilots.models import PilotIteration
from storage.pilots.views import plan_view
from storage.rendering import title_text
from storage.settings import get_settings

# An iteration's outcome as published: the go/no-go once decided, else where it stands.
RUNNING = "running"  # approved, the pilot runs on it
REVISED = "revised"  # a later approved plan replaced it before any decision
ENDED = "ended"  # the submission left `pilot` without a go/no-go on it
OUTCOMES = (RUNNING, "scale", "extend", "stop", REVISED, ENDED)
# The plan keys this register publishes, each withheld when the vendor marked it.
PUBLISHABLE = ("scope", "sites", "starts", "ends", "metrics", "budget", "data")


@dataclass(frozen=True)
class PublicMetric:
    name: str
    unit: str
    baseline: float
    target: float
    direction: str  # increase | decrease
    values: list[tuple[date, float]]  # as reported, oldest first
    met: bool | None  # once decided; None before, or when nothing was reported


@dataclass(frozen=True)
class PublicBudgetLine:
    payer: str  # vendor | city | grant | other
    amount: float  # USD
    in_kind: bool


@dataclass(frozen=True)
class PublicIteration:
    number: int
    outcome: str  # a code of OUTCOMES
    reason: str | None  # the lead's public reason, once decided
    decided_on: date | None
    scope: str | None  # None: withheld at the vendor's request
    sites: list[str] | None
    starts: date | None
    ends: date | None
    metrics: list[PublicMetric] | None
    budget: list[PublicBudgetLine] | None
    data_collected: list[str] | None
    open_data: bool | None


@dataclass(frozen=True)
class PublicPilot:
    reference: str
    title: str
    current: PublicIteration  # the newest approved iteration
    earlier: list[PublicIteration]  # older approved ones, newest first


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _city_day(moment: str) -> date:
    """The day a moment fell on in the City (a decision at 8 pm is that day's, not the
    next day's in UTC)."""
    return datetime.fromisoformat(moment).astimezone(get_settings().zone).date()


def _outcome(view: dict, status: Status) -> str:
    if view["decision"] is not None:
        return view["decision"]["outcome"]
    if view["state"] == "superseded":
        return REVISED
    return RUNNING if status is Status.pilot else ENDED


def _iteration(view: dict, status: Status) -> PublicIteration:
    withheld = set(view["confidential_fields"])

    def kept(key: str, value: object) -> object:
        return None if key in withheld else value

    decision = view["decision"]
    data = view["data"]
    return PublicIteration(
        number=view["iteration"],
        outcome=_outcome(view, status),
        reason=decision["reason"] if decision else None,
        decided_on=_city_day(decision["at"]) if decision else None,
        scope=kept("scope", view["scope"]),
        sites=kept("sites", list(view["sites"])),
        starts=kept("starts", _day(view["starts"])),
        ends=kept("ends", _day(view["ends"])),
        metrics=kept(
            "metrics",
            [
                PublicMetric(
                    name=m["name"],
                    unit=m["unit"],
                    baseline=m["baseline"],
                    target=m["target"],
                    direction=m["direction"],
                    values=[(date.fromisoformat(v["on"]), v["value"]) for v in m["values"]],
                    met=m["met"],
                )
                for m in view["metrics"]
            ],
        ),
        budget=kept(
            "budget",
            [
                PublicBudgetLine(line["payer"], line["amount"], line["in_kind"])
                for line in view["budget"]
                if not line["private"]
            ],
        ),
        data_collected=kept("data", list(data["collected"]) if data else []),
        open_data=kept("data", bool(data and data["open_data"])),
    )


def public_pilots(session: Session, language: str) -> list[PublicPilot]:
    """Every pilot the public may read, newest reference first, titles in `language`."""
    approved = session.exec(
        select(Submission, PilotIteration.number)
        .join(PilotIteration, col(PilotIteration.submission_id) == col(Submission.id))
        .where(col(Submission.title_public), col(PilotIteration.approved_at).is_not(None))
        .order_by(
            col(Submission.year).desc(),
            col(Submission.sequence).desc(),
            col(PilotIteration.number).desc(),
        )
    ).all()
    by_submission: dict[int, tuple[Submission, list[int]]] = {}
    for submission, number in approved:
        by_submission.setdefault(submission.id, (submission, []))[1].append(number)
    pilots = []
    for submission, numbers in by_submission.values():
        found = [
            _iteration(plan_view(session, submission.reference, number), submission.status)
            for number in numbers
        ]
        pilots.append(
            PublicPilot(
                reference=submission.reference,
                title=title_text(submission.title, language),
                current=found[0],
                earlier=found[1:],
            )
        )
    return pilots


# The open data (GET /api/open-data/pilots.csv | .json): one row per metric of each
# public iteration, in this column order, with each column's type as the data dictionary
# names it. `values` is in the JSON only: a list has no place in a CSV cell.
OPEN_DATA_COLUMNS = {
    "reference": "string",
    "title": "string",
    "iteration": "integer",
    "current": "boolean",
    "outcome": "code",
    "outcome_reason": "string",
    "decided_on": "date",
    "starts": "date",
    "ends": "date",
    "sites": "list of strings",
    "scope": "string",
    "data_collected": "list of strings",
    "open_data": "boolean",
    "metric": "string",
    "unit": "string",
    "baseline": "number",
    "target": "number",
    "direction": "code",
    "latest_value": "number",
    "latest_value_on": "date",
    "values_reported": "integer",
    "met": "boolean",
    "values": "list of {on: date, value: number}",
}
JSON_ONLY = ("values",)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def open_data_rows(pilots: list[PublicPilot]) -> list[dict]:
    """The register as rows of OPEN_DATA_COLUMNS, codes kept (JSON-ready)."""
    rows = []
    for pilot in pilots:
        for iteration in [pilot.current, *pilot.earlier]:
            common = {
                "reference": pilot.reference,
                "title": pilot.title,
                "iteration": iteration.number,
                "current": iteration is pilot.current,
                "outcome": iteration.outcome,
                "outcome_reason": iteration.reason,
                "decided_on": _iso(iteration.decided_on),
                "starts": _iso(iteration.starts),
                "ends": _iso(iteration.ends),
                "sites": iteration.sites,
                "scope": iteration.scope,
                "data_collected": iteration.data_collected,
                "open_data": iteration.open_data,
            }
            for metric in iteration.metrics or [None]:
                last = metric.values[-1] if metric and metric.values else (None, None)
                rows.append(
                    {
                        **common,
                        "metric": metric.name if metric else None,
                        "unit": metric.unit if metric else None,
                        "baseline": metric.baseline if metric else None,
                        "target": metric.target if metric else None,
                        "direction": metric.direction if metric else None,
                        "latest_value": last[1],
                        "latest_value_on": _iso(last[0]),
                        "values_reported": len(metric.values) if metric else None,
                        "met": metric.met if metric else None,
                        "values": [
                            {"on": on.isoformat(), "value": value}
                            for on, value in (metric.values if metric else [])
                        ],
                    }
                )
    return rows
