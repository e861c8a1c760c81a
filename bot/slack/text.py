"""Text going into and out of Slack.

Into Slack: anything a submitter or staff member wrote is shown as quoted plain text
(`quoted`), which Slack never reads as markup, so `<!channel>` pings nobody and a line
such as `*Reach them at:*` cannot pass for a field of the card. Our own labels are
mrkdwn, with the three characters Slack reads as markup escaped (`escape`).

Out of Slack: what people type arrives with Slack's markup (`<mailto:a@b.example|a@b.example>`
for an e-mail address Slack auto-linked); `from_slack` turns it back into what they typed.
"""

import html
import re

PLAIN_TEXT_LIMIT = 3000
QUOTE_LIMIT = 2000

_SLACK_MARKUP = re.compile(r"<([^<>]*)>")


def escape(text: str) -> str:
    """Text safe inside mrkdwn: Slack reads &, < and > as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str, limit: int = PLAIN_TEXT_LIMIT) -> dict:
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return {"type": "plain_text", "text": text or " ", "emoji": False}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text[:PLAIN_TEXT_LIMIT] or " "}


def quoted(text: str, limit: int = QUOTE_LIMIT) -> str:
    """Someone's own words as a quote, every line marked, for a plain_text object."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "\n".join(f"> {line}" for line in (text.splitlines() or [""]))


def labelled(label: str, value: str) -> dict:
    """A label of ours above someone's words, all of it plain text."""
    return plain(f"{label}\n{quoted(value)}")


def _unlink(inner: str) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("mailto:"):
        return label or target.removeprefix("mailto:")
    if target.startswith(("@", "#")):
        return label if label else target
    if target.startswith("!"):
        # <!channel>, <!here>, <!subteam^S1|@team>, <!date^...|fallback>
        return label or "@" + target[1:].split("^")[0]
    return label or target


def from_slack(text: str) -> str:
    """What the person typed, from Slack's message markup."""
    return html.unescape(_SLACK_MARKUP.sub(lambda m: _unlink(m.group(1)), text or ""))
