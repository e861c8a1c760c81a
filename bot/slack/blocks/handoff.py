"""A request to talk to a person, as posted to the triage channel."""

from bot.slack.text import escape, labelled, mrkdwn, plain
from storage.catalogue import text
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
    if request.reference:
        key = "handoff_post.verified" if request.reference_verified else "handoff_post.unverified"
        result.append(
            {"type": "context", "elements": [mrkdwn(text(key, reference=request.reference))]}
        )
    return result
