"""The modals of the pilot buttons: approving the plan (the note the disclosure risk may
require), recording a metric's value, deciding go/no-go. Each carries the submission, its
status and the version its card showed in private_metadata, like the triage card's
modals (bot/slack/blocks/modals.py)."""

import json

from bot.slack.blocks.pilot_card import metric_line
from bot.slack.text import escape, mrkdwn, plain
from storage.catalogue import text
from storage.pilots.models import Outcome

APPROVE = "pilot_approve"
RECORD = "pilot_record"
DECIDE = "pilot_decide"
REPORTED_BY_PLAN = "plan"
# The most a Slack plain_text_input takes (a larger max_length is refused by views.open).
LONGEST_INPUT = 3000


def metadata(reference: str, status: str, version: int, **more: object) -> str:
    return json.dumps({"r": reference, "s": status, "v": version, **more})


def note_required(private_metadata: str) -> bool:
    """Whether the approve modal asked for a note (the field to mark when none came)."""
    try:
        return json.loads(private_metadata or "{}").get("note") is True
    except (ValueError, AttributeError):
        return False


def _modal(title_key: str, blocks: list[dict], callback_id: str, meta: str) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(text(title_key), 24),
        "submit": plain(text("modal.submit"), 24),
        "close": plain(text("modal.close"), 24),
        "blocks": blocks,
        "private_metadata": meta,
    }


def _text_input(
    block_id: str, label: str, *, optional: bool, multiline: bool, max_length: int,
    min_length: int = 0,
) -> dict:  # fmt: skip
    element = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
        "max_length": max_length,
    }
    if min_length:
        element["min_length"] = min_length
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(label, 2000),
        "element": element,
    }


def _option(value: str, label: str) -> dict:
    return {"text": plain(label, 75), "value": value}


def approve(reference: str, status: str, version: int, plan: dict) -> dict:
    """Approving the draft `plan` (a plan view): what is approved, its disclosure risk,
    and the note, required when the risk is at or above the configured level."""
    found = plan["disclosure"]
    required = bool(found["lead_note_required"])
    intro = text(
        "pilot_card.approve.intro",
        reference=reference,
        iteration=plan["iteration"],
        starts=plan["starts"],
        ends=plan["ends"],
        metrics=len(plan["metrics"]),
    )
    if found["risk_level"] is not None:
        intro += "\n" + text(
            "pilot_card.approve.risk",
            risk=escape(found["risk_level"]),
            method=escape(found["method"]),
            cost=f"{found['estimated_cost']:,}",
        )
    if required:
        intro += "\n" + text("pilot_card.approve.note_required")
    label = "pilot_card.approve.note" if required else "pilot_card.approve.note_optional"
    note = _text_input("note", text(label), optional=not required, multiline=True, max_length=2000)
    return _modal(
        "pilot_card.approve.title",
        [{"type": "section", "text": mrkdwn(intro)}, note],
        APPROVE,
        metadata(reference, status, version, note=required),
    )


def record(reference: str, status: str, version: int, plan: dict, on: str) -> dict:
    """Recording a value of one of the running plan's metrics, measured on a day (by
    default `on`, today)."""
    intro = text(
        "pilot_card.record.intro",
        reference=reference,
        iteration=plan["iteration"],
        starts=plan["starts"],
        ends=plan["ends"],
    )
    metrics = [
        _option(m["name"], text("pilot_card.record.metric_option", name=m["name"], unit=m["unit"]))
        for m in plan["metrics"]
    ]
    reporters = [
        _option(code, text(f"pilot_card.record.by.{code}"))
        for code in (REPORTED_BY_PLAN, "vendor", "city")
    ]
    blocks = [
        {"type": "section", "text": mrkdwn(intro)},
        {
            "type": "input",
            "block_id": "metric",
            "label": plain(text("pilot_card.record.metric")),
            "element": {"type": "static_select", "action_id": "value", "options": metrics},
        },
        {
            "type": "input",
            "block_id": "value",
            "label": plain(text("pilot_card.record.value")),
            "element": {"type": "number_input", "action_id": "value", "is_decimal_allowed": True},
        },
        {
            "type": "input",
            "block_id": "on",
            "label": plain(text("pilot_card.record.on")),
            "element": {"type": "datepicker", "action_id": "value", "initial_date": on},
        },
        {
            "type": "input",
            "block_id": "reported_by",
            "optional": True,
            "label": plain(text("pilot_card.record.reported_by")),
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": reporters,
                "initial_option": reporters[0],
            },
        },
        _text_input(
            "note", text("pilot_card.record.note"), optional=True, multiline=False,
            max_length=500,
        ),
    ]  # fmt: skip
    return _modal("pilot_card.record.title", blocks, RECORD, metadata(reference, status, version))


def decide(reference: str, status: str, version: int, plan: dict) -> dict:
    """Go/no-go on the running iteration: the outcome, the public reason, lessons."""
    summary = "\n".join(metric_line(metric) for metric in plan["metrics"])
    outcomes = [
        _option(code.value, text(f"pilot_card.decide.outcome_choice.{code.value}"))
        for code in Outcome
    ]
    blocks = [
        {
            "type": "section",
            "text": mrkdwn(
                text("pilot_card.decide.intro", reference=reference, iteration=plan["iteration"])
            ),
        },
        {"type": "section", "text": plain(summary)},
        {
            "type": "input",
            "block_id": "outcome",
            "label": plain(text("pilot_card.decide.outcome")),
            "element": {"type": "radio_buttons", "action_id": "value", "options": outcomes},
        },
        _text_input(
            "reason", text("pilot_card.decide.reason"), optional=False, multiline=True,
            max_length=2000, min_length=10,
        ),
        _text_input(
            "lessons", text("pilot_card.decide.lessons"), optional=True, multiline=True,
            max_length=LONGEST_INPUT,
        ),
    ]  # fmt: skip
    return _modal("pilot_card.decide.title", blocks, DECIDE, metadata(reference, status, version))
