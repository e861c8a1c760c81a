"""Keeps the staff roster in step with Slack user groups, when the deployment names them
(ENTRYWAY_STAFF_USERGROUP_LEADS, ENTRYWAY_STAFF_USERGROUP_EVALUATORS): the scheduler
runs `sync_once` every few minutes (the app needs the usergroups:read scope). A look-up
that fails changes nothing, so a Slack outage or a mistyped group id never empties
the roster."""

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from storage import roster
from storage.db import session_scope
from storage.settings import Settings

logger = logging.getLogger(__name__)


def configured(settings: Settings) -> bool:
    return bool(
        settings.slack_bot_token
        and (settings.staff_usergroup_leads or settings.staff_usergroup_evaluators)
    )


def _members(client: WebClient, usergroup: str | None) -> set[str]:
    if not usergroup:
        return set()
    users = client.usergroups_users_list(usergroup=usergroup).get("users")
    return {user for user in users or [] if isinstance(user, str)}


def sync_once(settings: Settings) -> int | None:
    """Brings the roster in step; how many changes that took, or None when a group could
    not be read (and nothing was changed)."""
    client = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=int(settings.send_timeout_seconds),
    )
    try:
        leads = _members(client, settings.staff_usergroup_leads)
        evaluators = _members(client, settings.staff_usergroup_evaluators)
    except (SlackApiError, OSError) as problem:
        logger.warning("staff roster not synced with the Slack user groups: %s", problem)
        return None
    with session_scope(settings.database_url) as session:
        changes = roster.sync(session, leads, evaluators)
    if changes:
        logger.info("staff roster: %d change(s) from the Slack user groups", changes)
    return changes
