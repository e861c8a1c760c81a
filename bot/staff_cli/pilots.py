"""`pilot plan | approve | show | report | decide`: a submission's pilot, from a terminal
(storage/pilots does the work; docs/pilots.md describes the lifecycle and the plan file).
`pilot terms` (the term sheet) is its own module, added to the group at the end."""

import json
from pathlib import Path

import click

from bot.staff_cli.command import (
    InOrder,
    act,
    database,
    pass_staff,
    reference_argument,
    staff_command,
)
from bot.staff_cli.pilot_terms import terms
from bot.staff_cli.procurement import record_lines
from storage.catalogue import text
from storage.pilots import decisions, plan_input, plans, readings
from storage.pilots.models import Outcome
from storage.pilots.views import has_confidential_terms, plan_view
from storage.workflow import evaluation, roles, rules, versions

DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.group(cls=InOrder, help=text("pilots.help.group"))
def pilot() -> None:
    """The pilot's commands (their help is the catalogue's)."""


@pilot.command(help=text("pilots.help.plan"))
@reference_argument
@click.option(
    "--from",
    "source",
    required=True,
    metavar="FILE",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=text("pilots.help.from_file"),
)
@staff_command
@pass_staff
def plan(staff: rules.Staff, reference: str, source: Path) -> list[str]:
    with source.open("rb") as file:  # no more than a refusal needs
        raw = file.read(plan_input.MAX_PLAN_BYTES + 1)
    document = plan_input.read_document(raw, source.name)
    if _holds_withheld(document):
        raise rules.Refused(text("pilots.show.withheld_fed_back", reference=reference))
    given = plan_input.checked(document, reference)
    return act(lambda session: plans.set_plan(session, reference, staff, given))


@pilot.command(help=text("pilots.help.approve"))
@reference_argument
@click.option("--note", help=text("pilots.help.note"))
@staff_command
@pass_staff
def approve(staff: rules.Staff, reference: str, note: str | None) -> list[str]:
    return act(lambda session: plans.approve(session, reference, staff, note))


@pilot.command(help=text("pilots.help.show"))
@reference_argument
@click.option("--json", "as_json", is_flag=True, help=text("pilots.help.json"))
@click.option("--iteration", type=click.IntRange(min=1), help=text("pilots.help.iteration"))
@staff_command
@pass_staff
def show(staff: rules.Staff, reference: str, as_json: bool, iteration: int | None) -> list[str]:
    """The plan as `pilot terms` gives it: not to someone with a declared conflict; its
    confidential terms withheld from whoever may not open them, and their viewing
    recorded for whoever may."""
    with database() as session:
        roles.role_of(session, staff)
        submission = versions.find(session, reference)
        if evaluation.conflicted(session, submission, staff):
            raise rules.Refused(text("pilots.show.conflicted", reference=reference))
        view = plan_view(session, reference, iteration)
        if view is None:
            numbers = [i.number for i in plans.iterations(session, submission.id)]
            if not numbers:
                raise rules.Refused(text("pilots.no_plan", reference=reference))
            raise rules.Refused(
                text(
                    "pilots.no_iteration",
                    reference=reference,
                    iteration=iteration,
                    iterations=", ".join(map(str, numbers)),
                )
            )
        if has_confidential_terms(view):
            if evaluation.may_see_confidential(session, submission, staff):
                evaluation.record_confidential_view(session, submission, staff)
            else:
                view = _masked(view)
        procurement = record_lines(session, submission)
    if as_json:
        return [json.dumps(view, ensure_ascii=False, indent=2)]
    return [*described(view), *procurement]


# What stands in a shown plan for a value withheld from who asked: a mapping no plan key
# takes, so a masked plan fed back to `pilot plan` is refused, never stored over the
# values it hid.
WITHHELD = "withheld"


def _masked(view: dict) -> dict:
    """The view with each key the vendor marked confidential, and each private budget
    line, replaced by a note that it is withheld and why."""
    why = {WITHHELD: text("pilots.show.withheld_why", reference=view["reference"])}
    masked = {key: why if key in view["confidential_fields"] else value
              for key, value in view.items()}  # fmt: skip
    if isinstance(masked["budget"], list):
        masked["budget"] = [why if line["private"] else line for line in masked["budget"]]
    return masked


def _is_withheld(value: object) -> bool:
    return isinstance(value, dict) and WITHHELD in value


def _holds_withheld(document: object) -> bool:
    """Whether a plan file is a masked `pilot show --json` (or holds part of one)."""
    if not isinstance(document, dict):
        return False
    budget = document.get("budget")
    lines = budget if isinstance(budget, list) else []
    return any(_is_withheld(value) for value in [*document.values(), *lines])


@pilot.command(help=text("pilots.help.report"))
@reference_argument
@click.option("--metric", required=True, help=text("pilots.help.metric"))
@click.option("--value", required=True, type=float, help=text("pilots.help.value"))
@click.option("--on", "measured_on", type=DAY, metavar="DATE", help=text("pilots.help.measured_on"))
@click.option("--note", help=text("pilots.help.value_note"))
@click.option(
    "--reported-by", type=click.Choice(readings.REPORTERS), help=text("pilots.help.reported_by")
)
@staff_command
@pass_staff
def report(
    staff: rules.Staff,
    reference: str,
    metric: str,
    value: float,
    measured_on: object,
    note: str | None,
    reported_by: str | None,
) -> list[str]:
    day = measured_on.date() if measured_on else None
    return act(
        lambda session: readings.report(
            session, reference, staff, metric, value, day, note, reported_by
        )
    )


@pilot.command(help=text("pilots.help.decide"))
@reference_argument
@click.option(
    "--outcome", required=True, type=click.Choice(list(Outcome)), help=text("pilots.help.outcome")
)
@click.option("--reason", required=True, help=text("pilots.help.reason"))
@click.option("--lessons", help=text("pilots.help.lessons"))
@staff_command
@pass_staff
def decide(
    staff: rules.Staff, reference: str, outcome: str, reason: str, lessons: str | None
) -> list[str]:
    return act(
        lambda session: decisions.decide(session, reference, staff, outcome, reason, lessons)
    )


def _said(value: object) -> str:
    """A value of the view as `show` prints it."""
    if value is None or value == [] or value == "":
        return text("pilots.show.none")
    if isinstance(value, bool):
        return text(f"pilots.show.{'yes' if value else 'no'}")
    if isinstance(value, list):
        return "; ".join(map(str, value))
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def _metric_lines(metric: dict) -> list[str]:
    values = metric["values"]
    last = (
        text("pilots.show.last", value=_said(values[-1]["value"]), on=values[-1]["on"])
        if values
        else text("pilots.show.no_values")
    )
    met = text("pilots.show.met", met=_said(metric["met"])) if metric["met"] is not None else ""
    lines = [
        text(
            "pilots.show.metric",
            **{key: _said(metric[key]) for key in ("name", "unit", "baseline", "target")},
            **{key: metric[key] for key in ("direction", "method", "cadence", "reported_by")},
            last=last,
            met=met,
        )
    ]
    for reading in values:
        note = text("pilots.show.value_note", note=reading["note"]) if reading["note"] else ""
        lines.append(
            text(
                "pilots.show.value",
                on=reading["on"],
                value=_said(reading["value"]),
                reported_by=reading["reported_by"],
                note=note,
            )
        )
    return lines


def _scope(view: dict) -> list[str]:
    return [text("pilots.show.scope", scope=view["scope"])]


def _sites(view: dict) -> list[str]:
    return [text("pilots.show.sites", sites=_said(view["sites"]))]


def _runs(view: dict) -> list[str]:
    starts, ends = (
        text("pilots.show.withheld_value") if _is_withheld(view[key]) else view[key]
        for key in ("starts", "ends")
    )
    return [text("pilots.show.runs", starts=starts, ends=ends)]


def _metrics(view: dict) -> list[str]:
    lines = [text("pilots.show.metrics")]
    for metric in view["metrics"]:
        lines += _metric_lines(metric)
    return lines


def _milestones(view: dict) -> list[str]:
    lines = [text("pilots.show.milestones")]
    for milestone in view["milestones"]:
        done = text("pilots.show.done", on=milestone["done_on"]) if milestone["done_on"] else ""
        lines.append(
            text("pilots.show.milestone", due=milestone["due"], name=milestone["name"], done=done)
        )
    return lines


def _budget(view: dict) -> list[str]:
    lines = [text("pilots.show.budget")]
    for line in view["budget"]:
        if _is_withheld(line):
            lines.append(text("pilots.show.withheld_line"))
            continue
        lines.append(
            text(
                "pilots.show.budget_line",
                payer=line["payer"],
                amount=text("pilots.show.dollars", amount=_said(line["amount"])),
                in_kind=text("pilots.show.in_kind") if line["in_kind"] else "",
                private=text("pilots.show.private") if line["private"] else "",
                note=text("pilots.show.note", note=line["note"]) if line["note"] else "",
            )
        )
    return lines


def _cost_after(view: dict) -> list[str]:
    cost = view["cost_after_pilot"]
    return [
        text(
            "pilots.show.cost_after",
            amount=_said(cost.get("amount")),
            per=text(f"pilots.show.per.{cost['per']}") if cost.get("per") else "",
            note=text("pilots.show.note", note=cost["note"]) if cost.get("note") else "",
        )
    ]


def _data(view: dict) -> list[str]:
    data = view["data"] or {}
    return [
        text(
            "pilots.show.data",
            collected=_said(data.get("collected")),
            **{key: _said(data.get(key)) for key in ("personal", "location", "images")},
            raw_owner=_said(data.get("raw_owner")),
            derived_owner=_said(data.get("derived_owner")),
            licence=_said(data.get("city_licence")),
            retention=_said(data.get("retention_until")),
            deletion=_said(data.get("deletion_by")),
            stored=_said(data.get("stored_where")),
            open_data=_said(data.get("open_data")),
        )
    ]


def _disclosure(view: dict) -> list[str]:
    exposure = view["disclosure"]
    if exposure["classification"] is None:
        return [text("pilots.show.disclosure_none", method=exposure["method"])]
    required = exposure["lead_note_required"]
    return [
        text(
            "pilots.show.disclosure",
            classification=exposure["classification"],
            method=exposure["method"],
            cost=_said(exposure["estimated_cost"]),
            risk=exposure["risk_level"],
            note=text("pilots.show.disclosure_note") if required else "",
        )
    ]


def _exit_plan(view: dict) -> list[str]:
    return [text("pilots.show.exit_plan", **{k: _said(v) for k, v in view["exit_plan"].items()})]


def _equity(view: dict) -> list[str]:
    return [text("pilots.show.equity", **{k: _said(v) for k, v in view["equity"].items()})]


def _risks(view: dict) -> list[str]:
    lines = [text("pilots.show.risks")]
    for risk in view["risks"]:
        mitigation = risk.get("mitigation")
        said = text("pilots.show.mitigation", mitigation=mitigation) if mitigation else ""
        lines.append(text("pilots.show.risk", risk=risk["risk"], mitigation=said))
    return lines


# The plan's parts as `show` prints them, in order, each with the key a vendor may mark
# confidential (a withheld one is printed as withheld); the dates share one line, which
# says which of them is withheld.
_SECTIONS = (
    ("scope", _scope),
    ("sites", _sites),
    (None, _runs),
    ("metrics", _metrics),
    ("milestones", _milestones),
    ("budget", _budget),
    ("cost_after_pilot", _cost_after),
    ("data", _data),
    ("disclosure", _disclosure),
    ("exit_plan", _exit_plan),
    ("equity", _equity),
    ("risks", _risks),
)


def described(view: dict) -> list[str]:
    """The plan view for people: each metric against its baseline and target, with its
    values; people's words as written."""
    lines = [
        text(
            "pilots.show.heading",
            reference=view["reference"],
            title=view["title"],
            organisation=_said(view["organisation"]),
            status=view["status"],
            path=_said(view["procurement_path"]),
        ),
        text(
            "pilots.show.iteration",
            iteration=view["iteration"],
            iterations=", ".join(map(str, view["iterations"])),
            state=view["state"],
            proposed_by=view["proposed_by"],
        ),
    ]
    if view["approved_by"]:
        note = view["approval_note"]
        lines.append(
            text(
                "pilots.show.approval",
                who=view["approved_by"],
                at=view["approved_at"][:16].replace("T", " "),
                note=text("pilots.show.approval_note", note=note) if note else "",
            )
        )
    for key, render in _SECTIONS:
        if key is not None and _is_withheld(view[key]):
            lines.append(text("pilots.show.withheld_key", part=key))
        else:
            lines += render(view)
    if view["confidential_fields"]:
        lines.append(
            text("pilots.show.confidential", fields=", ".join(view["confidential_fields"]))
        )
    budget = view["budget"] if isinstance(view["budget"], list) else []
    hidden = [*(view[key] for key in plan_input.PlanInput.model_fields), *budget]
    why = next((value[WITHHELD] for value in hidden if _is_withheld(value)), None)
    if why:
        lines.append(why)
    decision = view["decision"]
    if decision:
        lines.append(text("pilots.show.decision", **decision))
        if decision["lessons"]:
            lines.append(text("pilots.show.lessons", lessons=decision["lessons"]))
    return lines


pilot.add_command(terms)
