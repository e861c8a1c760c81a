"""The modal staff complete or edit the pilot plan in: every key of the plan, prefilled
from the newest iteration (a draft is replaced; an approved or decided one is followed by
a new draft iteration, which the modal says), lists one item a line in the format its
hint shows (bot/slack/plan_text.py reads them back). It carries the submission, its status
and the card's version in private_metadata, like the other pilot modals."""

from collections.abc import Callable

from bot.slack import plan_text as fields
from bot.slack.blocks.pilot_modals import LONGEST_INPUT, metadata
from bot.slack.text import mrkdwn, plain
from storage.catalogue import text
from storage.pilots.disclosure import CLASSIFICATIONS
from storage.pilots.plan_input import COST_PERIODS, OWNERS
from storage.pilots.plans import VENDOR
from storage.workflow.rules import Refused

EDIT = "pilot_edit"
LONGEST_LINE = 2000  # one of the plan's words (plan_input.Words)

# (block id, multiline, max length, optional) of every text field, in the modal's order.
_TEXT = {
    fields.SCOPE: (True, LONGEST_INPUT, False),
    fields.SITES: (True, LONGEST_INPUT, False),
    fields.METRICS: (True, LONGEST_INPUT, False),
    fields.MILESTONES: (True, LONGEST_INPUT, True),
    fields.BUDGET: (True, LONGEST_INPUT, True),
    fields.COST_AMOUNT: (False, 30, True),
    fields.COST_NOTE: (False, LONGEST_LINE, True),
    fields.COLLECTED: (True, LONGEST_INPUT, True),
    fields.LICENCE: (False, LONGEST_LINE, True),
    fields.STORED_WHERE: (False, LONGEST_LINE, True),
    fields.RECORDS: (False, 30, True),
    fields.REMOVAL: (True, LONGEST_LINE, True),
    fields.HANDOVER: (True, LONGEST_LINE, True),
    fields.DATA_RETURN: (True, LONGEST_LINE, True),
    fields.NEIGHBOURHOODS: (True, LONGEST_INPUT, True),
    fields.WHO_BENEFITS: (True, LONGEST_LINE, True),
    fields.ACCESSIBILITY: (True, LONGEST_LINE, True),
    fields.RISKS: (True, LONGEST_INPUT, True),
}
_CHOICES = {
    fields.COST_PER: (COST_PERIODS, True),
    fields.RAW_OWNER: (OWNERS, False),
    fields.DERIVED_OWNER: (OWNERS, False),
    fields.CLASSIFICATION: (CLASSIFICATIONS, True),
}
_DATES = {fields.STARTS: False, fields.ENDS: False, fields.RETENTION: True, fields.DELETION: True}
# Where each heading goes: before the field named.
_HEADINGS = {
    fields.COST_AMOUNT: "cost_after_pilot",
    fields.COLLECTED: "data",
    fields.CLASSIFICATION: "disclosure",
    fields.REMOVAL: "exit_plan",
    fields.NEIGHBOURHOODS: "equity",
    fields.RISKS: "risks",
    fields.CONFIDENTIAL: "confidential",
}
ORDER = (
    fields.SCOPE, fields.SITES, fields.STARTS, fields.ENDS, fields.METRICS, fields.MILESTONES,
    fields.BUDGET, fields.COST_AMOUNT, fields.COST_PER, fields.COST_NOTE, fields.COLLECTED,
    fields.DATA_FLAGS, fields.RAW_OWNER, fields.DERIVED_OWNER, fields.LICENCE,
    fields.RETENTION, fields.DELETION, fields.STORED_WHERE, fields.CLASSIFICATION,
    fields.RECORDS, fields.REMOVAL, fields.HANDOVER, fields.DATA_RETURN,
    fields.NEIGHBOURHOODS, fields.WHO_BENEFITS, fields.ACCESSIBILITY, fields.RISKS,
)  # fmt: skip


def _key(block_id: str) -> str:
    """The catalogue key part of a block id (`data.raw_owner` -> `data_raw_owner`)."""
    return block_id.replace(".", "_")


def _hint(block_id: str) -> str | None:
    key = f"pilot_card.edit.format.{_key(block_id)}"
    try:
        return text(key)
    except KeyError:
        return None


def _input(block_id: str, element: dict, optional: bool) -> dict:
    block = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(text(f"pilot_card.edit.label.{_key(block_id)}"), 2000),
        "element": {"action_id": "value", **element},
    }
    hint = _hint(block_id)
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _option(value: str, label: str) -> dict:
    return {"text": plain(label, 75), "value": value}


def _text_field(block_id: str, initial: object, reference: str) -> dict:
    multiline, longest, optional = _TEXT[block_id]
    element: dict = {"type": "plain_text_input", "multiline": multiline, "max_length": longest}
    if initial:
        if len(str(initial)) > longest:
            label = text(f"pilot_card.edit.label.{_key(block_id)}")
            said = text(
                "pilot_card.edit.too_long_for_slack",
                field=label,
                limit=longest,
                reference=reference,
            )
            raise Refused(said)
        element["initial_value"] = str(initial)
    return _input(block_id, element, optional)


def _select(block_id: str, initial: object) -> dict:
    codes, optional = _CHOICES[block_id]
    options = [_option(code, text(f"pilot_card.edit.choice.{code}")) for code in codes]
    element: dict = {"type": "static_select", "options": options}
    chosen = [o for o in options if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return _input(block_id, element, optional)


def _checkboxes(
    block_id: str, codes: tuple[str, ...], initial: object, label_of: Callable[[str], str]
) -> dict:
    options = [_option(code, label_of(code)) for code in codes]
    element: dict = {"type": "checkboxes", "options": options}
    chosen = [o for o in options if o["value"] in (initial or [])]
    if chosen:
        element["initial_options"] = chosen
    return _input(block_id, element, True)


def _date(block_id: str, initial: object) -> dict:
    element: dict = {"type": "datepicker"}
    if initial:
        element["initial_date"] = str(initial)
    return _input(block_id, element, _DATES[block_id])


def _field(block_id: str, initial: object, reference: str) -> dict:
    if block_id in _TEXT:
        return _text_field(block_id, initial, reference)
    if block_id in _CHOICES:
        return _select(block_id, initial)
    if block_id in _DATES:
        return _date(block_id, initial)
    return _checkboxes(block_id, fields.DATA_FLAG_KEYS, initial,
                       lambda code: text(f"pilot_card.edit.flag.{code}"))  # fmt: skip


def _heading(name: str) -> dict:
    return {"type": "header", "text": plain(text(f"pilot_card.edit.heading.{name}"), 150)}


def _intro(reference: str, plan: dict | None) -> str:
    if plan is None:
        return text("pilot_card.edit.intro_new", reference=reference)
    if plan["state"] == "draft":
        said = text("pilot_card.edit.intro_draft", reference=reference,
                    iteration=plan["iteration"])  # fmt: skip
        if plan["proposed_by"] == VENDOR:
            said += "\n" + text("pilot_card.edit.vendor_draft")
        return said
    return text(
        "pilot_card.edit.intro_next",
        reference=reference,
        iteration=plan["iteration"],
        state=text(f"pilot_card.state.{plan['state']}"),
        next=plan["iteration"] + 1,
    )


def edit(reference: str, status: str, version: int, plan: dict | None) -> dict:
    """The modal for `plan` (the newest iteration's plan view), or an empty one to write
    the first plan. Refused when the plan holds more than Slack's fields take (then it is
    edited as a file, `pilot plan --from`)."""
    shown = fields.written(plan)
    blocks: list[dict] = [{"type": "section", "text": mrkdwn(_intro(reference, plan))}]
    for block_id in ORDER:
        if block_id in _HEADINGS:
            blocks.append(_heading(_HEADINGS[block_id]))
        blocks.append(_field(block_id, shown.get(block_id), reference))
    blocks.append(_heading(_HEADINGS[fields.CONFIDENTIAL]))
    for block_id, keys in fields.confidential_groups():
        blocks.append(
            _checkboxes(block_id, keys, shown.get(block_id),
                        lambda key: text(f"pilot_card.edit.plan_key.{key}"))
        )  # fmt: skip
    title = "pilot_card.edit.title_new" if plan is None else "pilot_card.edit.title"
    return {
        "type": "modal",
        "callback_id": EDIT,
        "title": plain(text(title), 24),
        "submit": plain(text("pilot_card.edit.submit"), 24),
        "close": plain(text("modal.close"), 24),
        "blocks": blocks,
        "private_metadata": metadata(reference, status, version),
    }


def input_blocks() -> set[str]:
    """The modal's input blocks: where a problem can be shown."""
    return {*ORDER, *(block_id for block_id, _ in fields.confidential_groups())}
