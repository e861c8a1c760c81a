"""Reminders and escalations about a submission, with the obvious next actions."""

import json

from bot.slack.answers import language_name
from bot.slack.blocks.triage_card import ADVANCE, ASSIGN, SNOOZE, who
from bot.slack.text import labelled, mrkdwn, plain
from storage.catalogue import text
from storage.models import Submission, utcnow
from storage.rendering import title_text
from storage.service_levels import BusinessCalendar
from storage.workflow.rules import SNOOZE_BUSINESS_DAYS, status_label


def _value(submission: Submission) -> str:
    return json.dumps(
        {
            "r": submission.reference,
            "s": submission.status.value,
            "a": submission.assignee or "",
            "n": submission.snoozes,
            "v": submission.version,
        }
    )


def message(
    stage: str,
    submission: Submission,
    calendar: BusinessCalendar,
    asked: str | None = None,
    *,
    owner: str | None,
    language: str | None = None,
) -> dict:
    """chat.postMessage arguments for one reminder stage (owner, channel, lead, unanswered).
    `owner` is the owner to name (storage.reminders.owner_on_roster): roster members only.
    `language` is the submitter's (storage.contacts.language_of), named to staff."""
    today = calendar.local_date(utcnow())
    due = submission.next_decision_by
    late = due is not None and due < today
    days = calendar.between(due, today) if late else calendar.between(today, due)
    key = {"owner": "reminder.owner_late" if late else "reminder.owner_soon"}.get(
        stage, f"reminder.{stage}"
    )
    intro = text(
        key,
        reference=submission.reference,
        status=status_label(submission.status),
        date=f"{due:%a %d %b}",
        days=days,
        asked=asked or "",
    )
    context = text(
        "reminder.context",
        status=status_label(submission.status),
        since=f"{calendar.local_date(submission.status_since):%d %b}",
        assignee=who(owner),
    )
    if language:
        context += " · " + text("card.language", submitter_language=language_name(language))
    value = _value(submission)
    labels = (
        (text("card.button.assign"), ASSIGN),
        (text("card.button.advance"), ADVANCE),
        (text("reminder.snooze", days=SNOOZE_BUSINESS_DAYS), SNOOZE),
    )
    buttons = [
        {"type": "button", "text": plain(label), "action_id": action, "value": value}
        for label, action in labels
    ]
    return {
        "text": text("reminder.fallback", reference=submission.reference),
        "blocks": [
            {"type": "section", "text": mrkdwn(intro)},
            {"type": "section", "text": labelled(text("card.title"), title_text(submission.title))},
            {"type": "context", "elements": [mrkdwn(context)]},
            {"type": "actions", "block_id": "reminder", "elements": buttons},
        ],
    }
