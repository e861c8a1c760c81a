"""A pilot check-in the vendor has not answered, to its owner or the escalation lead."""

from bot.slack.blocks.triage_card import who
from bot.slack.text import escape, labelled, mrkdwn
from storage.catalogue import text
from storage.models import utcnow
from storage.pilots.checkins import StaffAlert
from storage.rendering import title_text
from storage.service_levels import BusinessCalendar


def message(stage: str, alert: StaffAlert, calendar: BusinessCalendar, owner: str | None) -> dict:
    """chat.postMessage arguments for the `owner` or `escalated` stage; `owner` is the
    owner to name (storage.reminders.owner_on_roster): roster members only."""
    reference, due = alert.submission.reference, alert.checkin.due
    intro = text(
        f"pilot_checkin_alert.{stage}",
        reference=reference,
        date=f"{due:%a %d %b}",
        days=calendar.between(due, calendar.local_date(utcnow())),
    )
    asked = []
    if alert.milestone:
        asked.append(text("pilot_checkin_alert.milestone", milestone=escape(alert.milestone)))
    asked.append(
        text("pilot_checkin_alert.missing", metrics=escape(", ".join(alert.missing)))
        if alert.missing
        else text("pilot_checkin_alert.nothing_missing")
    )
    context = text("pilot_checkin_alert.context", assignee=who(owner))
    return {
        "text": text("pilot_checkin_alert.fallback", reference=reference),
        "blocks": [
            {"type": "section", "text": mrkdwn(intro)},
            {"type": "section", "text": mrkdwn("\n".join(asked))},
            {
                "type": "section",
                "text": labelled(text("card.title"), title_text(alert.submission.title)),
            },
            {"type": "context", "elements": [mrkdwn(context)]},
        ],
    }
