"""The weekly digest for the triage channel."""

from bot.slack.answers import language_name
from bot.slack.blocks.triage_card import who
from bot.slack.text import mrkdwn, plain, quoted
from storage.catalogue import text
from storage.languages import DEFAULT_LANGUAGE
from storage.models import Status
from storage.reports import Digest
from storage.service_levels import BusinessCalendar
from storage.workflow.rules import status_label

MAX_LISTED = 15


def _counts(counts: dict[str, int], label) -> str:
    return " · ".join(f"{label(key)} {count}" for key, count in counts.items() if count)


def message(found: Digest, calendar: BusinessCalendar) -> dict:
    since = f"{calendar.local_date(found.since):%d %b}"
    until = f"{calendar.local_date(found.until):%d %b %Y}"
    sections = [
        text("digest.new", **found.new),
        text(
            "digest.by_status",
            counts=_counts(found.by_status, lambda status: status_label(Status(status))) or "0",
        ),
        text(
            "digest.first_response",
            median=f"{found.first_response_median:g}",
            count=found.first_responses,
        )
        if found.first_response_median is not None
        else text("digest.no_first_response"),
        text(
            "digest.awaiting",
            count=found.awaiting_first_response,
            oldest=found.oldest_awaiting or 0,
        )
        if found.awaiting_first_response
        else text("digest.none_awaiting"),
        text("digest.barriers", counts=_counts(found.barriers, lambda step: step.replace("_", " ")))
        if found.barriers
        else text("digest.no_barriers"),
    ]
    blocks = [
        {"type": "header", "text": plain(text("digest.header", since=since, until=until))},
        *({"type": "section", "text": mrkdwn(section)} for section in sections),
    ]
    if found.overdue:
        blocks.append(
            {
                "type": "section",
                "text": mrkdwn(text("digest.overdue_header", count=len(found.overdue))),
            }
        )
        for item in found.overdue[:MAX_LISTED]:
            line = text(
                "digest.overdue_line",
                reference=item.reference,
                status=status_label(item.status),
                days=item.days,
                assignee=who(item.assignee),
            )
            # English is the staff's own language: only another one is worth a word.
            if item.language not in (None, DEFAULT_LANGUAGE):
                line += " · " + text(
                    "card.language", submitter_language=language_name(item.language)
                )
            blocks.append({"type": "section", "text": mrkdwn(line)})
            blocks.append({"type": "context", "elements": [plain(quoted(item.title, 200))]})
        if len(found.overdue) > MAX_LISTED:
            more = text("digest.overdue_more", count=len(found.overdue) - MAX_LISTED)
            blocks.append({"type": "context", "elements": [mrkdwn(more)]})
    else:
        blocks.append({"type": "section", "text": mrkdwn(text("digest.none_overdue"))})
    return {"text": text("digest.fallback", since=since, until=until), "blocks": blocks}
