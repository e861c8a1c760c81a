"""Waiting on…: staff record what a submission waits on, from its card (for the reports
on where submissions get stuck)."""

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks.triage_card import NOT_BLOCKED
from bot.slack.staff import in_transaction, staff_of, tell
from storage.catalogue import text
from storage.reference import parse_reference
from storage.workflow import holds, rules


async def blocked(
    ack: AsyncAck, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> None:
    await ack()
    action = (body.get("actions") or [{}])[0]
    chosen = str((action.get("selected_option") or {}).get("value") or "")
    raw_reference, blocker, version = [*chosen.split("|"), "", ""][:3]
    reference = parse_reference(raw_reference)
    if reference is None or not blocker or not (version.isascii() and version.isdigit()):
        await tell(client, body, text("slack.unreadable_button"))
        return
    try:
        outcome = await in_transaction(
            context["settings"],
            lambda session: holds.set_blocked(
                session,
                reference,
                staff_of(context),
                None if blocker == NOT_BLOCKED else blocker,
                expected_version=int(version),
            ),
        )
    except rules.Refused as refused:
        await tell(client, body, str(refused))
        return
    await tell(client, body, outcome.message)
