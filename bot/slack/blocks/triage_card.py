"""The triage card: one message per submission in the triage channel, redrawn from the
database after every change, with the buttons staff act on. Staff read it in English;
it names the submitter's language, and shows the submitter's own words as written."""

import json

from bot.slack.answers import answer_value, language_name
from bot.slack.blocks import pilot_card
from bot.slack.text import escape, labelled, mrkdwn, plain
from storage.catalogue import text
from storage.triage import CardFacts
from storage.workflow.rules import BLOCKERS

# Action ids of the card's buttons (bot/slack/listeners/actions registers one each).
ASSIGN = "triage_assign"
REQUEST_INFO = "triage_request_info"
ADVANCE = "triage_advance"
DECLINE = "triage_decline"
SCORE = "triage_score"
DETAILS = "triage_details"
BLOCKED = "triage_blocked"
SNOOZE = "triage_snooze"
NOT_BLOCKED = "none"


def button_value(facts: CardFacts) -> str:
    """What a button carries: the submission and the state the card showed, with its
    version, so a press on a card that has changed since is recognised."""
    return json.dumps(
        {
            "r": facts.reference,
            "s": facts.status.value,
            "a": facts.assignee or "",
            "v": facts.version,
        }
    )


def who(identity: str | None) -> str:
    """A staff identity as Slack shows it: a mention for Slack users, a name otherwise."""
    if not identity:
        return text("card.nobody")
    if identity.startswith("slack:"):
        return f"<@{escape(identity.removeprefix('slack:'))}>"
    return escape(identity.removeprefix("cli:"))


def _button(label_key: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {
        "type": "button",
        "text": plain(text(label_key)),
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def fallback(facts: CardFacts) -> str:
    """The notification text: ours only, never the submitter's words."""
    return text(
        "card.fallback",
        kind=text(f"card.kind.{facts.kind}"),
        reference=facts.reference,
        status=facts.status.value,
    )


def _scores(facts: CardFacts) -> str:
    summary = facts.scores
    if summary.evaluators == 0:
        line = text("card.no_scores")
    else:
        line = text(
            "card.scores",
            mean=f"{summary.mean:.1f}",
            spread=f"{summary.spread:.1f}",
            count=summary.evaluators,
        )
    if summary.conflicts:
        line += " " + text("card.conflicts", count=summary.conflicts)
    return line


def blocks(facts: CardFacts) -> list[dict]:
    kind = text(f"card.kind.{facts.kind}")
    category = answer_value(facts.kind, "category", facts.category) if facts.category else None
    status_line = text(
        "card.status_line",
        reference=facts.reference,
        kind=kind,
        category=escape(category or text("card.no_category")),
        status=facts.status.value,
        assignee=who(facts.assignee),
    )
    language = facts.language  # None for an anonymous submission: no language named
    if language:
        status_line += "\n" + text("card.language", submitter_language=language_name(language))
    if facts.due:
        status_line += "\n" + text("card.due", date=f"{facts.due:%a %d %b %Y}")
    if facts.blocked_by:
        status_line += "\n" + text("card.blocked", blocker=text(f"blocker.{facts.blocked_by}"))
    result: list[dict] = [
        {
            "type": "header",
            "text": plain(text("card.header", kind=kind, reference=facts.reference)),
        },
        {"type": "section", "text": mrkdwn(status_line)},
        {"type": "section", "text": labelled(text("card.title"), facts.title)},
    ]
    fields = [
        labelled(text(f"card.field.{name}"), answer_value(facts.kind, name, value))
        if value is not None
        else plain(f"{text(f'card.field.{name}')}\n{text('card.confidential_value')}")
        for name, value in facts.fields.items()
    ]
    if fields:
        result.append({"type": "section", "fields": fields})
    if facts.procurement_path:
        path = text("card.path", path=text(f"procurement.path.{facts.procurement_path}"))
        result.append({"type": "section", "text": mrkdwn(path)})
        # The reason can repeat what the vendor wrote (a contract's name): plain text.
        result.append({"type": "context", "elements": [plain(facts.procurement_reason or " ")]})
    flags = [text(f"flag.{flag}") for flag in facts.flags]
    result.append(
        {
            "type": "section",
            "text": mrkdwn(
                text("card.flags", flags=" · ".join(flags) if flags else text("card.no_flags"))
            ),
        }
    )
    result.append({"type": "section", "text": mrkdwn(_scores(facts))})
    if facts.open_question:
        result.append(
            {
                "type": "section",
                "text": labelled(text("card.waiting_for_answer"), facts.open_question),
            }
        )
    context = []
    if facts.last_answer_at:
        context.append(
            mrkdwn(text("card.answer_received", date=f"{facts.last_answer_at:%d %b %Y}"))
        )
    if facts.confidential_count:
        context.append(mrkdwn(text("card.confidential_count", count=facts.confidential_count)))
    if context:
        result.append({"type": "context", "elements": context})
    value = button_value(facts)
    buttons = [_button("card.button.details", DETAILS, value)]
    if facts.may_move:
        assign = _button("card.button.assign", ASSIGN, value, "primary")
        if facts.assignee:  # taking it from someone is one click more
            assign["confirm"] = {
                "title": plain(text("card.take_over.title"), 100),
                "text": mrkdwn(text("card.take_over.text", reference=facts.reference,
                                    assignee=who(facts.assignee))),
                "confirm": plain(text("card.take_over.confirm"), 30),
                "deny": plain(text("card.take_over.deny"), 30),
            }  # fmt: skip
        buttons = [
            assign,
            _button("card.button.request_info", REQUEST_INFO, value),
            _button("card.button.advance", ADVANCE, value),
            _button("card.button.decline", DECLINE, value, "danger"),
            _button("card.button.score", SCORE, value),
            *buttons,
        ]
    if facts.may_move:
        buttons.append(blocked_menu(facts))
    result.append({"type": "actions", "block_id": "triage", "elements": buttons})
    result.extend(pilot_card.blocks(facts, value, who))
    return result


def blocker_value(facts: CardFacts, blocker: str) -> str:
    """A menu option carries the submission, the choice and the card's version."""
    return f"{facts.reference}|{blocker}|{facts.version}"


def blocked_menu(facts: CardFacts) -> dict:
    """What the submission waits on, chosen from the card (for the reports)."""
    options = [
        {"text": plain(text(f"blocker.{b}"), 75), "value": blocker_value(facts, b)}
        for b in (*BLOCKERS, NOT_BLOCKED)
    ]
    return {
        "type": "static_select",
        "action_id": BLOCKED,
        "placeholder": plain(text("card.blocked_placeholder"), 150),
        "options": options,
    }
