"""The pilot section of the triage card: for a submission with a pilot plan, the
iteration the pilot runs on (its state, dates, each metric's last value against its
baseline and target with how far it has come, milestones, the disclosure risk, the
decision once made) and the buttons staff act on. It is part of the triage card rather
than a card of its own, so it is redrawn with every change of the submission (each
pilot step bumps its version) and its buttons carry the card's version, refused when
stale like every other button. Metric and milestone names are people's words: plain
text, never markup."""

from collections.abc import Callable
from datetime import date

from bot.slack.text import escape, mrkdwn, plain
from storage.catalogue import text
from storage.models import Status
from storage.pilots.readings import today
from storage.triage import CardFacts, PilotFacts

# Action ids of the pilot buttons (bot/slack/listeners/actions registers one each).
APPROVE = "pilot_approve"
RECORD = "pilot_record"
DECIDE = "pilot_decide"
TERMS = "pilot_terms"
EDIT = "pilot_edit"
BAR_WIDTH = 10


def _number(value: float) -> str:
    return f"{value:g}"


def last_value(metric: dict) -> float | None:
    """The metric's newest value (the plan view lists them oldest first)."""
    return metric["values"][-1]["value"] if metric["values"] else None


def share_of_the_way(metric: dict, value: float) -> float:
    """How far `value` has come from the baseline to the target: 0 at the baseline, 1 at
    the target (more past it, less when it went the wrong way)."""
    span = metric["target"] - metric["baseline"]
    if span == 0:  # nothing to gain: the target is met or not
        reached = (
            value >= metric["target"]
            if metric["direction"] == "increase"
            else (value <= metric["target"])
        )
        return 1.0 if reached else 0.0
    return (value - metric["baseline"]) / span


def progress(metric: dict) -> str:
    """A plain-text bar, `[######----] 60% ...`, readable anywhere (a phone, a screen
    reader reads the percentage)."""
    value = last_value(metric)
    if value is None:
        return text("pilot_card.progress_unknown", bar="[" + "-" * BAR_WIDTH + "]")
    share = share_of_the_way(metric, value)
    filled = round(min(max(share, 0.0), 1.0) * BAR_WIDTH)
    bar = "[" + "#" * filled + "-" * (BAR_WIDTH - filled) + "]"
    return text("pilot_card.progress", bar=bar, percent=round(share * 100))


def metric_line(metric: dict) -> str:
    value = last_value(metric)
    line = text(
        "pilot_card.metric",
        name=metric["name"],
        last=_number(value) if value is not None else text("pilot_card.no_value"),
        target=_number(metric["target"]),
        unit=metric["unit"],
        baseline=_number(metric["baseline"]),
        direction=text(f"pilot_card.direction.{metric['direction']}"),
    )
    line += "\n    " + progress(metric)
    if metric["met"] is not None:
        line += " · " + text(f"pilot_card.met.{str(metric['met']).lower()}")
    return line


def milestone_line(milestone: dict, on: date) -> str:
    if milestone["done_on"]:
        return text("pilot_card.milestone_done", **milestone)
    overdue = date.fromisoformat(milestone["due"]) < on
    key = "pilot_card.milestone_overdue" if overdue else "pilot_card.milestone_due"
    return text(key, name=milestone["name"], due=milestone["due"])


def _disclosure(plan: dict) -> str:
    found = plan["disclosure"]
    if found["risk_level"] is None:
        return text("pilot_card.not_assessed")
    line = text(
        "pilot_card.disclosure",
        risk=escape(found["risk_level"]),
        method=escape(found["method"]),
        cost=f"{found['estimated_cost']:,}",
    )
    if found["lead_note_required"] and plan["state"] == "draft":
        line += " · " + text("pilot_card.disclosure_note_required")
    return line


Who = Callable[[str | None], str]  # a staff identity as the card names them


def _shown(plan: dict, key: str, content: str) -> str:
    """`content`, or the card's placeholder when the vendor asked to keep the plan's `key`
    confidential: the channel never shows a confidential value (the term sheet, sent only
    to who may see it, does)."""
    return text("card.confidential_value") if key in plan["confidential_fields"] else content


def _heading(facts: PilotFacts, who: Who) -> str:
    plan = facts.plan
    lines = [
        text(
            "pilot_card.heading",
            iteration=plan["iteration"],
            state=text(f"pilot_card.state.{plan['state']}"),
        ),
        text(
            "pilot_card.dates",
            starts=_shown(plan, "starts", plan["starts"]),
            ends=_shown(plan, "ends", plan["ends"]),
        ),
    ]
    if plan["approved_by"]:
        lines.append(
            text(
                "pilot_card.approved_by",
                who=who(plan["approved_by"]),
                date=(plan["approved_at"] or "")[:10],
            )
        )
    if facts.waiting_draft is not None:
        lines.append(text("pilot_card.waiting_draft", iteration=facts.waiting_draft))
    return "\n".join(lines)


def _decision(plan: dict, who: Who) -> list[dict]:
    decision = plan["decision"]
    if decision is None:
        return []
    said = text(
        "pilot_card.decision",
        outcome=escape(decision["outcome"]),
        who=who(decision["by"]),
        date=(decision["at"] or "")[:10],
    )
    reason = f"{text('pilot_card.decision_reason')}: {decision['reason']}"
    # The lead's words, as the vendor reads them: plain text.
    return [{"type": "section", "text": mrkdwn(said)}, {"type": "section", "text": plain(reason)}]


def _button(label: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {
        "type": "button",
        "text": plain(text(f"pilot_card.button.{label}")),
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _buttons(facts: CardFacts, pilot: PilotFacts, value: str) -> list[dict]:
    """What can be done now: approving while a draft waits, recording and deciding while
    the pilot runs, editing the plan (all only in `pilot`); the term sheet always."""
    state = pilot.plan["state"]
    buttons = []
    if facts.status is Status.pilot:
        if state == "draft" or pilot.waiting_draft is not None:
            buttons.append(_button("approve", APPROVE, value, "primary"))
        if state == "approved":
            buttons.append(_button("record", RECORD, value))
            buttons.append(_button("decide", DECIDE, value))
        buttons.append(_button("edit", EDIT, value))
    buttons.append(_button("terms", TERMS, value))
    return buttons


def blocks(facts: CardFacts, value: str, who: Who) -> list[dict]:
    """The pilot section, or nothing for a submission that has never been in a pilot;
    `value` is what the card's buttons carry (its version), `who` names staff as the
    card does."""
    pilot = facts.pilot
    if pilot is None:
        if facts.status is not Status.pilot:
            return []
        return [
            {"type": "divider"},
            {"type": "section", "text": mrkdwn(text("pilot_card.no_plan",
                                                    reference=facts.reference))},
            {"type": "actions", "block_id": "pilot",
             "elements": [_button("write", EDIT, value, "primary")]},
        ]  # fmt: skip
    plan = pilot.plan
    metrics = _shown(plan, "metrics", "\n".join(metric_line(m) for m in plan["metrics"]))
    on = today()
    milestones = _shown(
        plan,
        "milestones",
        "\n".join(milestone_line(m, on) for m in plan["milestones"])
        or text("pilot_card.no_milestones"),
    )
    return [
        {"type": "divider"},
        {"type": "section", "text": mrkdwn(_heading(pilot, who))},
        {"type": "section", "text": plain(f"{text('pilot_card.metrics')}\n{metrics}")},
        {"type": "section", "text": plain(f"{text('pilot_card.milestones')}\n{milestones}")},
        {"type": "context", "elements": [mrkdwn(_shown(plan, "disclosure", _disclosure(plan)))]},
        *_decision(plan, who),
        {"type": "actions", "block_id": "pilot", "elements": _buttons(facts, pilot, value)},
    ]
