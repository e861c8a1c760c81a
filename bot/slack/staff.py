"""What the staff listeners share: reading a pressed button or a submitted modal, who
pressed it, running a workflow step in one database transaction off the event loop,
and telling that person (only them) what happened."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session

from storage import workflow
from storage.catalogue import text
from storage.db import session_scope
from storage.models import Status
from storage.reference import parse_reference
from storage.settings import Settings
from storage.workflow import Staff

T = TypeVar("T")


@dataclass(frozen=True)
class CardState:
    """The submission a button or modal is about, and its status (and owner) as shown."""

    reference: str
    status: Status
    assignee: str | None = None
    snoozes: int | None = None  # on reminders: the snooze round they belong to


def _state(raw: str | None) -> CardState | None:
    try:
        data = json.loads(raw or "")
        reference = parse_reference(data["r"]) if isinstance(data.get("r"), str) else None
        if reference is None:
            return None
        snoozes = data.get("n")
        return CardState(
            reference,
            Status(data["s"]),
            data.get("a") or None,
            snoozes if isinstance(snoozes, int) else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def pressed(body: dict) -> CardState | None:
    """The card state a button carried; None when the payload is not one of ours."""
    actions = body.get("actions") or [{}]
    return _state(actions[0].get("value"))


def submitted(body: dict) -> CardState | None:
    """The card state a modal carried in its private metadata."""
    return _state((body.get("view") or {}).get("private_metadata"))


def staff_of(body: dict) -> Staff:
    return Staff(f"slack:{body['user']['id']}")


async def in_transaction(settings: Settings, work: Callable[[Session], T]) -> T:
    def run() -> T:
        with session_scope(settings.database_url) as session:
            return work(session)

    return await asyncio.to_thread(run)


async def tell(client: AsyncWebClient, body: dict, message: str) -> None:
    """Says something only the person who pressed the button sees."""
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    if channel:
        await client.chat_postEphemeral(channel=channel, user=user, text=message)
    else:
        await client.chat_postMessage(channel=user, text=message)


def field(view: dict, block_id: str) -> str | None:
    """The value a person typed or chose in one input of a submitted modal."""
    value = ((view.get("state") or {}).get("values") or {}).get(block_id, {}).get("value") or {}
    if not isinstance(value, dict):
        return None
    if value.get("type") in ("static_select", "radio_buttons"):
        return (value.get("selected_option") or {}).get("value")
    typed = value.get("value")
    return typed if isinstance(typed, str) else None


CardHandler = Callable[["CardState", dict, AsyncBoltContext, AsyncWebClient], Awaitable[str | None]]


def on_card(handler: CardHandler):
    """A listener for a button of a triage card or a reminder: it acknowledges at once,
    reads the card state the button carried, runs `handler`, and tells the person who
    pressed what the handler returned, or why it was refused."""

    async def listener(
        ack: AsyncAck, body: dict, context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        card = pressed(body)
        if card is None:
            await tell(client, body, text("slack.unreadable_button"))
            return
        try:
            said = await handler(card, body, context, client)
        except workflow.Refused as refused:
            said = str(refused)
        if said:
            await tell(client, body, said)

    # Not functools.wraps: bolt passes arguments by the listener's own parameter names.
    listener.__name__ = handler.__name__
    return listener
