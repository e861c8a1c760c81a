"""The modals staff fill in from a triage card. Each carries the submission, the status
its card showed and the submission's version in private_metadata, so a modal opened
before the submission last changed decides nothing (storage/workflow/versions.py
compares the version when it acts, and says what changed since).

Staff work in English, but what the submitter reads (a question, a public reason) goes
to them as written, untranslated: each such modal says which language to write it in,
the submitter's (the language kept on their contact)."""

import json

from bot.slack.answers import answer_value, field_label, language_name
from bot.slack.text import escape, labelled, mrkdwn, plain
from storage import procurement_records
from storage.catalogue import text
from storage.models import Status
from storage.public_information import summary
from storage.triage import Details
from storage.workflow.rules import RUBRIC, SCORE_RANGE, status_label

REQUEST_INFO = "request_info"
ADVANCE = "advance"
DECLINE = "decline"
CONFLICT = "conflict"
SCORE = "score"
MAX_BLOCKS = 100
# The most a Slack plain_text_input takes (a larger max_length is refused by views.open).
LONGEST_INPUT = 3000


def metadata(reference: str, status: str, version: int) -> str:
    return json.dumps({"r": reference, "s": status, "v": version})


def _modal(
    title_key: str, blocks: list[dict], callback_id: str | None = None, meta: str = ""
) -> dict:
    view = {
        "type": "modal",
        "title": plain(text(title_key), 24),
        "close": plain(text("modal.close"), 24),
        "blocks": blocks[:MAX_BLOCKS],
        "private_metadata": meta,
    }
    if callback_id:
        view["callback_id"] = callback_id
        view["submit"] = plain(text("modal.submit"), 24)
    return view


def _input(
    block_id: str,
    label_key: str,
    *,
    multiline: bool,
    optional: bool,
    max_length: int,
    min_length: int = 0,
    hint_key: str | None = None,
    initial: str | None = None,
) -> dict:
    element = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
        "max_length": max_length,
    }
    if min_length:
        element["min_length"] = min_length
    if initial:
        element["initial_value"] = initial
    block = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain(text(label_key), 2000),
        "element": element,
    }
    if hint_key:
        block["hint"] = plain(text(hint_key), 2000)
    return block


def _intro(reference: str, key: str) -> dict:
    return {"type": "section", "text": mrkdwn(text(key, reference=reference))}


def _write_in(key: str, language: str | None) -> list[dict]:
    """Which language to write what the submitter reads in (`key`: a question or a
    reason), and why; nothing when nobody can be written to (anonymous feedback)."""
    if language is None:
        return []
    note = mrkdwn(text(key, submitter_language=language_name(language)))
    return [{"type": "context", "elements": [note]}]


def _internal_note() -> dict:
    """Every decision's note for colleagues, never shown to the submitter."""
    return _input(
        "note",
        "modal.internal_note",
        multiline=True,
        optional=True,
        max_length=2000,
        hint_key="modal.internal_hint",
    )


def request_info(reference: str, status: str, version: int, language: str | None) -> dict:
    return _modal(
        "modal.request_info.title",
        [
            _intro(reference, "modal.request_info.intro"),
            *_write_in("modal.write_in.question", language),
            _input(
                "question",
                "modal.request_info.question",
                multiline=True,
                optional=False,
                max_length=1000,
                min_length=5,
                hint_key="modal.public_hint",
            ),
            _internal_note(),
        ],
        REQUEST_INFO,
        metadata(reference, status, version),
    )


def _option(value: str, label: str) -> dict:
    return {"text": plain(label, 75), "value": value}


def advance(
    reference: str,
    status: str,
    version: int,
    targets: tuple[Status, ...],
    language: str | None,
) -> dict:
    options = [_option(t.value, status_label(t)) for t in targets]
    select = {"type": "static_select", "action_id": "value", "options": options}
    select["initial_option"] = options[0]
    return _modal(
        "modal.advance.title",
        [
            _intro(reference, "modal.advance.intro"),
            *_write_in("modal.write_in.reason", language),
            {
                "type": "input",
                "block_id": "target",
                "label": plain(text("modal.advance.target")),
                "element": select,
            },
            _input(
                "reason",
                "modal.advance.reason",
                multiline=True,
                optional=True,
                max_length=2000,
                hint_key="modal.advance.reason_hint",
            ),
            *(_procurement_inputs() if Status.procurement in targets else []),
            _internal_note(),
        ],
        ADVANCE,
        metadata(reference, status, version),
    )


def _procurement_inputs() -> list[dict]:
    """How the City will buy or partner, offered whenever procurement is a target. Slack
    cannot make an input required only for one choice of another, so they are optional
    here and required by the handler when the target is procurement."""
    options = [
        _option(code, text(f"procurement.approach.{code}"))
        for code in procurement_records.APPROACHES
    ]
    return [
        {"type": "context", "elements": [mrkdwn(text("procurement.modal.intro"))]},
        {
            "type": "input",
            "block_id": "approach",
            "optional": True,
            "label": plain(text("procurement.modal.approach")),
            "element": {"type": "static_select", "action_id": "value", "options": options},
        },
        _input("legal_basis", "procurement.modal.legal_basis", multiline=False, optional=True,
               max_length=2000, hint_key="procurement.modal.legal_basis_hint"),
        _input("justification", "procurement.modal.justification", multiline=True,
               optional=True, max_length=LONGEST_INPUT,
               hint_key="procurement.modal.justification_hint"),
    ]  # fmt: skip


def decline(reference: str, status: str, version: int, language: str | None) -> dict:
    return _modal(
        "modal.decline.title",
        [
            _intro(reference, "modal.decline.intro"),
            *_write_in("modal.write_in.reason", language),
            _input(
                "reason",
                "modal.decline.reason",
                multiline=True,
                optional=False,
                max_length=2000,
                min_length=10,
                hint_key="modal.public_hint",
            ),
            _internal_note(),
        ],
        DECLINE,
        metadata(reference, status, version),
    )


def conflict(reference: str, status: str, version: int) -> dict:
    options = [
        {"text": plain(text("modal.conflict.none")), "value": "none"},
        {"text": plain(text("modal.conflict.conflict")), "value": "conflict"},
    ]
    return _modal(
        "modal.conflict.title",
        [
            _intro(reference, "modal.conflict.intro"),
            {
                "type": "input",
                "block_id": "declaration",
                "label": plain(text("modal.conflict.label")),
                "element": {"type": "radio_buttons", "action_id": "value", "options": options},
            },
            _input(
                "statement",
                "modal.conflict.statement",
                multiline=True,
                optional=True,
                max_length=1000,
            ),
        ],
        CONFLICT,
        metadata(reference, status, version),
    )


def score(
    reference: str,
    status: str,
    version: int,
    current: dict[str, int] | None = None,
    comments: dict[str, str] | None = None,
) -> dict:
    options = [_option(str(n), text(f"modal.score.level.{n}")) for n in SCORE_RANGE]
    blocks = [_intro(reference, "modal.score.intro")]
    for criterion in RUBRIC:
        select = {
            "type": "static_select",
            "action_id": "value",
            "options": options,
            "placeholder": plain(text("modal.score.pick")),
        }
        if current and criterion in current:
            select["initial_option"] = options[current[criterion] - 1]
        blocks.append(
            {
                "type": "input",
                "block_id": f"score_{criterion}",
                "label": plain(text(f"rubric.{criterion}.label")),
                "hint": plain(text(f"rubric.{criterion}.hint"), 2000),
                "element": select,
            }
        )
        blocks.append(
            _input(
                f"comment_{criterion}",
                "modal.score.comment",
                multiline=True,
                optional=True,
                max_length=1000,
                initial=(comments or {}).get(criterion),
            )
        )
    return _modal("modal.score.title", blocks, SCORE, metadata(reference, status, version))


def message(title_key: str, body: str) -> dict:
    """A modal that only says something (after a modal's work is done)."""
    return _modal(title_key, [{"type": "section", "text": mrkdwn(escape(body))}])


def details(found: Details, language: str | None) -> dict:
    """The whole submission, each answer under the form's own question label; the
    submitter's words as they wrote them, in `language`, theirs (None: anonymous)."""
    facts = found.facts
    heading = text("modal.details.heading", reference=facts.reference, status=facts.status.value)
    if language is not None:
        heading += "\n" + text("card.language", submitter_language=language_name(language))
    blocks: list[dict] = [
        {"type": "section", "text": mrkdwn(heading)},
        {"type": "section", "text": labelled(text("card.title"), facts.title)},
    ]
    for answer in found.answers:
        field = field_label(facts.kind, answer.field)
        key = (
            "modal.details.confidential_label"
            if answer.confidential
            else "modal.details.answer_label"
        )
        value = answer_value(facts.kind, answer.field, answer.value)
        blocks.append({"type": "section", "text": labelled(text(key, field=field), value)})
    if found.hidden_confidential:
        blocks.append(
            {
                "type": "context",
                "elements": [mrkdwn(text("modal.details.hidden", count=found.hidden_confidential))],
            }
        )
    for request in found.info_requests:
        blocks.append(
            {
                "type": "section",
                "text": labelled(
                    text("modal.details.asked", date=f"{request.asked_at:%d %b %Y}"),
                    request.question,
                ),
            }
        )
        if request.answer is not None:
            blocks.append(
                {
                    "type": "section",
                    "text": labelled(
                        text("modal.details.answered", date=f"{request.answered_at:%d %b %Y}"),
                        request.answer,
                    ),
                }
            )
    history = "\n".join(
        text(
            "modal.details.history_line",
            date=f"{change.at:%d %b %Y}",
            status=change.to_status.value,
        )
        for change in found.history
    )
    blocks.append({"type": "section", "text": labelled(text("modal.details.history"), history)})
    if found.public_information:
        requests = "\n".join(summary(request) for request in found.public_information)
        blocks.append({"type": "section", "text": labelled(text("pia.record.heading"), requests)})
    return _modal("modal.details.title", blocks)
