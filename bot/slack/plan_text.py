"""The pilot plan as the Slack plan modal holds it, both ways: a plan view written into
the fields a clerk edits, and the submitted fields read back into the document
storage.pilots.plan_input.checked takes (the one check every way of setting a plan goes
through), with each problem placed on the field it concerns.

Lists are one item a line: metrics, milestones, budget lines and risks have columns
separated by `|` (a `|` inside a value is written `\\|`), in the order the field's hint
shows; sites, the data collected and the neighbourhoods are one a line. Everything else
is a field of its own, named by its key path (`data.raw_owner`), which is its block id."""

import re
from dataclasses import dataclass, field

from storage.catalogue import phrases, text
from storage.pilots.plan_input import PlanInput, PlanRefused

SEPARATOR = "|"
ESCAPED_SEPARATOR = "\\|"
# Slack shows at most 10 options in one checkboxes element.
MOST_CHECKBOXES = 10

SCOPE = "scope"
SITES = "sites"
STARTS = "starts"
ENDS = "ends"
METRICS = "metrics"
MILESTONES = "milestones"
BUDGET = "budget"
COST_AMOUNT = "cost_after_pilot.amount"
COST_PER = "cost_after_pilot.per"
COST_NOTE = "cost_after_pilot.note"
COLLECTED = "data.collected"
DATA_FLAGS = "data.flags"  # checkboxes: personal, location, images, open_data
RAW_OWNER = "data.raw_owner"
DERIVED_OWNER = "data.derived_owner"
LICENCE = "data.city_licence"
RETENTION = "data.retention_until"
DELETION = "data.deletion_by"
STORED_WHERE = "data.stored_where"
CLASSIFICATION = "disclosure.classification"
RECORDS = "disclosure.records"
REMOVAL = "exit_plan.removal"
HANDOVER = "exit_plan.asset_handover"
DATA_RETURN = "exit_plan.data_return"
NEIGHBOURHOODS = "equity.neighbourhoods"
WHO_BENEFITS = "equity.who_benefits"
ACCESSIBILITY = "equity.accessibility"
RISKS = "risks"
CONFIDENTIAL = "confidential_fields"  # then confidential_fields.2, ... (see `confidential_groups`)

DATA_FLAG_KEYS = ("personal", "location", "images", "open_data")
LIST_FIELDS = (SITES, COLLECTED, NEIGHBOURHOODS)
TEXT_FIELDS = (SCOPE, COST_NOTE, LICENCE, STORED_WHERE, REMOVAL, HANDOVER, DATA_RETURN,
               WHO_BENEFITS, ACCESSIBILITY)  # fmt: skip
DATE_FIELDS = (STARTS, ENDS, RETENTION, DELETION)
SELECT_FIELDS = (COST_PER, RAW_OWNER, DERIVED_OWNER, CLASSIFICATION)
NUMBER_FIELDS = (COST_AMOUNT, RECORDS)
# 1,200 or 1,200.5: commas that group thousands, as staff may type an amount.
GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass(frozen=True)
class Table:
    """A list field: one item a line, its columns in this order; the first `required`
    must be given, the rest may be left off."""

    block_id: str
    columns: tuple[str, ...]
    required: int


TABLES = (
    Table(
        METRICS,
        ("name", "unit", "baseline", "target", "direction", "method", "cadence", "reported_by"),
        7,
    ),
    Table(MILESTONES, ("name", "due", "done_on"), 2),
    Table(BUDGET, ("payer", "amount", "in_kind", "private", "note"), 4),
    Table(RISKS, ("risk", "mitigation"), 1),
)
NUMBER_COLUMNS = frozenset({"baseline", "target", "amount"})
CODE_COLUMNS = frozenset({"direction", "cadence", "reported_by", "payer"})
# Columns read from a word (their words are in the catalogue): True for the first word list.
WORD_COLUMNS = {"in_kind": ("in_kind", "cash"), "private": ("private", "public")}


def confidential_groups() -> list[tuple[str, tuple[str, ...]]]:
    """The plan keys a vendor may ask to keep confidential, split into checkbox groups
    Slack can show, each with its block id."""
    keys = [key for key in PlanInput.model_fields if key != CONFIDENTIAL]
    count = -(-len(keys) // MOST_CHECKBOXES)
    size = -(-len(keys) // count)
    groups = [tuple(keys[start : start + size]) for start in range(0, len(keys), size)]
    return [
        (CONFIDENTIAL if n == 0 else f"{CONFIDENTIAL}.{n + 1}", g) for n, g in enumerate(groups)
    ]


def _word(column: str, value: bool) -> str:
    yes, no = WORD_COLUMNS[column]
    return phrases(f"pilot_card.edit.words.{yes if value else no}")[0]


def _cell(column: str, value: object) -> str:
    if value is None:
        return ""
    if column in WORD_COLUMNS:
        return _word(column, bool(value))
    return " ".join(str(value).split()).replace(SEPARATOR, ESCAPED_SEPARATOR)


def _row(table: Table, item: dict) -> str:
    cells = [_cell(column, item.get(column)) for column in table.columns]
    while len(cells) > table.required and not cells[-1]:
        cells.pop()
    return f" {SEPARATOR} ".join(cells)


def written(plan: dict | None) -> dict[str, object]:
    """What each field shows for a plan view (None: no plan yet): text for text fields
    and lists, an ISO date for datepickers, a code for selects, the chosen codes for
    checkboxes. A field with nothing to show is left out."""
    if plan is None:
        return {}
    shown: dict[str, object] = {
        table.block_id: "\n".join(_row(table, item) for item in plan[table.block_id])
        for table in TABLES
    }
    data = plan["data"] or {}
    nested = {**plan, "data": data}
    for block_id in (*TEXT_FIELDS, *DATE_FIELDS, *SELECT_FIELDS, *NUMBER_FIELDS):
        key, _, inner = block_id.partition(".")
        value = (nested.get(key) or {}).get(inner) if inner else nested.get(key)
        shown[block_id] = None if value is None else str(value)
    for block_id in LIST_FIELDS:
        key, _, inner = block_id.partition(".")
        items = (nested.get(key) or {}).get(inner) if inner else nested.get(key)
        shown[block_id] = "\n".join(items or [])
    shown[DATA_FLAGS] = [flag for flag in DATA_FLAG_KEYS if data.get(flag)]
    for block_id, keys in confidential_groups():
        shown[block_id] = [key for key in keys if key in plan["confidential_fields"]]
    return {block_id: value for block_id, value in shown.items() if value not in (None, "", [])}


@dataclass
class Read:
    """The submitted fields as a plan document, the problems found reading them (by block
    id), and which line of a list field each item came from."""

    document: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    lines: dict[str, list[int]] = field(default_factory=dict)


def _state(view: dict) -> dict[str, dict]:
    """Each block's element state; a level that is not what Slack sends (a forged body)
    counts as nothing typed, so the plan's check names what is missing."""
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict):
        return {}
    return {
        block_id: element
        for block_id, actions in values.items()
        if isinstance(actions, dict) and isinstance(element := actions.get("value"), dict)
    }


def _given(element: dict | None) -> object:
    """What one element holds: typed text as typed (so a line is counted where the clerk
    sees it; None when blank), a date, a choice or choices."""
    if not element:
        return None
    kind = element.get("type")
    if kind == "datepicker":
        day = element.get("selected_date")
        return day if isinstance(day, str) and day else None
    if kind in ("static_select", "radio_buttons"):
        chosen = element.get("selected_option")
        value = chosen.get("value") if isinstance(chosen, dict) else None
        return value if isinstance(value, str) else None
    if kind == "checkboxes":
        chosen = element.get("selected_options")
        listed = chosen if isinstance(chosen, list) else []
        values = [o.get("value") for o in listed if isinstance(o, dict)]
        return [value for value in values if isinstance(value, str)]
    typed = element.get("value")
    return typed if isinstance(typed, str) and typed.strip() else None


def _chosen(element: dict | None) -> list[str]:
    """The codes ticked in a checkboxes block; nothing when the block holds another kind
    of element (a forged body)."""
    given = _given(element)
    return given if isinstance(given, list) else []


def _number(raw: str) -> object:
    """A number as staff type it (`40,000`, `$2500`), or the text as typed for the plan's
    check to refuse on its field."""
    cleaned = raw.strip().removeprefix("$").strip()
    if GROUPED.match(cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        return float(cleaned)
    except ValueError:
        return raw


def _cells(line: str) -> list[str]:
    parts = re.split(r"(?<!\\)\|", line)
    return [part.replace(ESCAPED_SEPARATOR, SEPARATOR).strip() for part in parts]


def _read_cell(column: str, cell: str, number: int) -> object:
    if column in NUMBER_COLUMNS:
        return _number(cell)
    if column in CODE_COLUMNS:
        return "_".join(cell.lower().split())
    if column in WORD_COLUMNS:
        yes, no = WORD_COLUMNS[column]
        said = " ".join(cell.lower().split())
        for value, words in ((True, yes), (False, no)):
            if said in phrases(f"pilot_card.edit.words.{words}"):
                return value
        raise ValueError(
            text("pilot_card.edit.wrong_word", line=number, column=column, typed=cell,
                 yes=_word(column, True), no=_word(column, False))
        )  # fmt: skip
    return cell


def _read_table(table: Table, typed: str | None, read: Read) -> None:
    items, numbers = [], []
    for number, line in enumerate((typed or "").splitlines(), start=1):
        if not line.strip():
            continue
        cells = _cells(line)
        while len(cells) > table.required and not cells[-1]:
            cells.pop()
        if not table.required <= len(cells) <= len(table.columns):
            read.errors[table.block_id] = text(
                "pilot_card.edit.wrong_columns",
                line=number,
                count=len(cells),
                format=text(f"pilot_card.edit.format.{table.block_id}"),
            )
            return
        try:
            item = {
                column: _read_cell(column, cell, number)
                for column, cell in zip(table.columns, cells, strict=False)
                if cell
            }
        except ValueError as wrong:
            read.errors[table.block_id] = str(wrong)
            return
        items.append(item)
        numbers.append(number)
    read.document[table.block_id] = items
    read.lines[table.block_id] = numbers


def _put(document: dict, block_id: str, value: object) -> None:
    key, _, inner = block_id.partition(".")
    if inner:
        document.setdefault(key, {})[inner] = value
    else:
        document[key] = value


def read(view: dict) -> Read:
    """The submitted modal as a plan document for plan_input.checked. What cannot be
    read as the field's format says (a line with too few columns, a word that is not one
    of the column's) is in `errors`, on its field."""
    state = _state(view)
    found = Read()
    for table in TABLES:
        _read_table(table, _given(state.get(table.block_id)), found)
    document = found.document
    for block_id in (*TEXT_FIELDS, *DATE_FIELDS, *SELECT_FIELDS):
        value = _given(state.get(block_id))
        if value is not None:
            _put(document, block_id, value)
    for block_id in NUMBER_FIELDS:
        value = _given(state.get(block_id))
        if value is not None:
            _put(document, block_id, _number(str(value)))
    for block_id in LIST_FIELDS:
        typed = _given(state.get(block_id))
        lines = [line.strip() for line in str(typed or "").splitlines() if line.strip()]
        _put(document, block_id, lines)
    flags = _chosen(state.get(DATA_FLAGS))
    for flag in DATA_FLAG_KEYS:
        _put(document, f"data.{flag}", flag in flags)
    for key in ("cost_after_pilot", "exit_plan", "equity"):
        document.setdefault(key, {})
    chosen = set()
    for block_id, _ in confidential_groups():
        chosen.update(_chosen(state.get(block_id)))
    document[CONFIDENTIAL] = [key for key in PlanInput.model_fields if key in chosen]
    return found


def _block_of(path: tuple[str | int, ...], blocks: set[str]) -> str:
    words = [str(part) for part in path if isinstance(part, str)]
    if words and words[0] == "data" and len(words) > 1 and words[1] in DATA_FLAG_KEYS:
        return DATA_FLAGS
    for size in (2, 1):
        candidate = ".".join(words[:size])
        if candidate in blocks:
            return candidate
    return SCOPE  # a problem with no field of its own: shown on the first field


def _said(problem_path: tuple[str | int, ...], said: str, found: Read) -> str:
    """The problem as the field shows it: a list field names the line it is on."""
    if len(problem_path) > 1 and isinstance(problem_path[1], int):
        numbers = found.lines.get(str(problem_path[0])) or []
        index = problem_path[1]
        line = numbers[index] if index < len(numbers) else index + 1
        column = next((str(p) for p in problem_path[2:] if isinstance(p, str)), None)
        key = "pilot_card.edit.on_line_column" if column else "pilot_card.edit.on_line"
        return text(key, line=line, column=column, problem=said)
    return said


def field_errors(refused: PlanRefused, found: Read, blocks: set[str]) -> dict[str, str]:
    """Each problem of a refused plan on the field (block) it concerns, the first few on
    each field."""
    errors: dict[str, list[str]] = {}
    for problem in refused.problems:
        block = _block_of(problem.path, blocks)
        errors.setdefault(block, []).append(_said(problem.path, problem.said, found))
    return {block: "\n".join(said[:3]) for block, said in errors.items()}
