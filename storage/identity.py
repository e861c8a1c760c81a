"""Chat identities (Rasa sender ids) and the channel they come from.

Two kinds are issued here and reserved: a Slack user's, built from their workspace and
user id, so the same person is the same conversation in every DM; and the web chat
page's, a random one the app gives the browser in a cookie, so nobody can pick (or
guess) another person's. The REST webhook refuses sender ids with either prefix: nobody
speaks as a Slack user or as someone else's browser from outside. Other REST clients
choose their own sender ids, as Rasa's REST channel lets them."""

import re
import secrets

SLACK_PREFIX = "slack-"
BROWSER_PREFIX = "browser-"
RESERVED_PREFIXES = (SLACK_PREFIX, BROWSER_PREFIX)
_SLACK = re.compile(r"^slack-([A-Z0-9]+)-([A-Z0-9]+)$")
# 24 random bytes (192 bits), URL-safe base64: 32 characters.
_BROWSER = re.compile(r"^browser-[A-Za-z0-9_-]{32}$")


def new_browser_sender() -> str:
    """A fresh web chat identity: unguessable, so holding it is what proves it is yours."""
    return BROWSER_PREFIX + secrets.token_urlsafe(24)


def is_browser_sender(sender_id: str) -> bool:
    """Whether `sender_id` has the exact shape of an identity from new_browser_sender."""
    return bool(_BROWSER.match(sender_id))


def reserved_prefix(sender_id: str) -> str | None:
    """The reserved prefix `sender_id` starts with, else None."""
    return next((p for p in RESERVED_PREFIXES if sender_id.startswith(p)), None)


def is_named_by_client(sender_id: str) -> bool:
    """Whether a REST client chose `sender_id` (anyone may name it): it proves nothing,
    so nothing private to a person is shown to it."""
    return reserved_prefix(sender_id) is None


def slack_sender(team_id: str, user_id: str) -> str:
    return f"{SLACK_PREFIX}{team_id}-{user_id}"


def slack_user_of(sender_id: str) -> str | None:
    """The Slack user id of a Slack chat identity, else None."""
    match = _SLACK.match(sender_id)
    return match.group(2) if match else None


def channel_of(sender_id: str) -> str:
    """Where a chat identity talks to us: `slack` or `web`."""
    return "slack" if _SLACK.match(sender_id) else "web"
