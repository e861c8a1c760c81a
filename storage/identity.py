"""Chat identities (Rasa sender ids) and the channel they come from.

The web chat's identities are its own (`web-...`); a Slack user's is built here from
their workspace and user id, so the same person is the same conversation in every DM.
The REST webhook refuses sender ids with the Slack prefix: nobody can speak as a Slack
user from the web."""

import re

SLACK_PREFIX = "slack-"
_SLACK = re.compile(r"^slack-([A-Z0-9]+)-([A-Z0-9]+)$")


def slack_sender(team_id: str, user_id: str) -> str:
    return f"{SLACK_PREFIX}{team_id}-{user_id}"


def slack_user_of(sender_id: str) -> str | None:
    """The Slack user id of a Slack chat identity, else None."""
    match = _SLACK.match(sender_id)
    return match.group(2) if match else None


def channel_of(sender_id: str) -> str:
    """Where a chat identity talks to us: `slack` or `web`."""
    return "slack" if _SLACK.match(sender_id) else "web"
