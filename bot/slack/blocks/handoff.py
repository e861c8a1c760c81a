"""A request to talk to a person, as posted to the triage channel; and the summary post
of a window with more requests than posts (storage/handoff_pace.py)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.slack.text import escape, labelled, mrkdwn, plain
from storage.catalogue import text
from storage.handoff_pace import Window
from storage.languages import ENGLISH_NAMES
from storage.models import HandoffRequest


def fallback(request: HandoffRequest) -> str:
    return text("handoff_post.fallback", id=request.id)


def blocks(request: HandoffRequest) -> list[dict]:
    result = [
        {"type": "header", "text": plain(text("handoff_post.header"))},
        {
            "type": "section",
            "text": mrkdwn(
                text(
                    "handoff_post.summary",
                    id=request.id,
                    channel=escape(request.channel),
                    answer_time=text("handoff.answer_time"),
                )
            ),
        },
        {"type": "section", "text": labelled(text("handoff_post.about"), request.topic)},
        {
            "type": "section",
            "text": labelled(
                text("handoff_post.reach"), request.contact or text("handoff_post.no_contact")
            ),
        },
    ]
    named = text("handoff_post.language", submitter_language=ENGLISH_NAMES[request.language])
    result.append({"type": "context", "elements": [mrkdwn(named)]})
    if request.reference:
        key = "handoff_post.verified" if request.reference_verified else "handoff_post.unverified"
        result.append(
            {"type": "context", "elements": [mrkdwn(text(key, reference=request.reference))]}
        )
    return result


def summary(count: int, window: Window, zone: ZoneInfo, closed: bool) -> dict:
    """The window's summary post (text and blocks): how many requests had no post of
    their own, and where staff find them."""
    times = {"opened": _clock(window.opened_at, zone), "closes": _clock(window.closes_at, zone)}
    key = "handoff_post.summary_closed" if closed else "handoff_post.summary_open"
    return {
        "text": text("handoff_post.summary_fallback", count=count),
        "blocks": [
            {"type": "header", "text": plain(text("handoff_post.summary_header"))},
            {"type": "section", "text": mrkdwn(text(key, count=count, **times))},
        ],
    }


def _clock(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%H:%M}"
