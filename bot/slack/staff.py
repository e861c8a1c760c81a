"""What the staff listeners share: reading a pressed button or a submitted modal, who
pressed it (a roster member of the app's own workspace, checked before any staff
listener runs), running a workflow step in one database transaction off the event
loop, and telling that person (only them) what happened."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from slack_bolt.async_app import AsyncAck, AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session

from bot.slack.blocks import chat, modals
from storage.catalogue import text
from storage.db import session_scope
from storage.models import Status, Submission
from storage.reference import parse_reference
from storage.settings import Settings
from storage.workflow import roles, rules, versions
from storage.workflow.rules import Staff

T = TypeVar("T")


@dataclass(frozen=True)
class CardState:
    """The submission a button or modal is about, as shown: its status, owner and the
    version it was drawn at (a decision on an older version is refused)."""

    reference: str
    status: Status
    version: int
    assignee: str | None = None
    snoozes: int | None = None  # on reminders: the snooze round they belong to


def _number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _state(raw: str | None) -> CardState | None:
    try:
        data = json.loads(raw or "")
        reference = parse_reference(data["r"]) if isinstance(data.get("r"), str) else None
        version = _number(data.get("v"))
        if reference is None or version is None:
            return None  # not ours, or drawn before versions: unreadable, nothing done
        assignee = data.get("a")
        return CardState(
            reference,
            Status(data["s"]),
            version,
            assignee if isinstance(assignee, str) and assignee else None,
            _number(data.get("n")),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def pressed(body: dict) -> CardState | None:
    """The card state a button carried; None when the payload is not one of ours."""
    actions = body.get("actions") or [{}]
    return _state(actions[0].get("value"))


def drawn_before_versions(body: dict) -> str | None:
    """The reference of a card drawn before cards carried versions (its buttons name a
    reference but no version), or None."""
    actions = body.get("actions") or [{}]
    try:
        data = json.loads(actions[0].get("value") or "")
    except (ValueError, TypeError, AttributeError):
        return None
    if not isinstance(data, dict) or "v" in data or not isinstance(data.get("r"), str):
        return None
    return parse_reference(data["r"])


def redraw(session: Session, reference: str) -> bool:
    """Asks for the card to be drawn again as the submission is now."""
    submission = versions.find(session, reference)
    versions.card_changed(session, submission.id)
    return True


def submitted(body: dict) -> CardState | None:
    """The card state a modal carried in its private metadata."""
    return _state((body.get("view") or {}).get("private_metadata"))


STAFF = "staff"  # where the roster check leaves who is acting, in bolt's context


def staff_of(context: AsyncBoltContext) -> Staff:
    """Who is acting: set only by the roster check (bot/slack/listeners), so a staff
    listener run without it fails instead of acting for someone unchecked."""
    return context[STAFF]


# Interactions that are staff work. Everything else (events, the assistant's own buttons
# in a person's DM) is open to anyone who talks to the app.
STAFF_INTERACTIONS = frozenset(
    {"block_actions", "block_suggestion", "view_submission", "view_closed", "shortcut",
     "message_action"}
)  # fmt: skip


def _is_staff_work(body: dict) -> bool:
    if body.get("type") not in STAFF_INTERACTIONS:
        return False
    if body.get("type") == "block_actions" and _well_formed(body):
        pressed = [str(action.get("action_id") or "") for action in body["actions"]]
        return not all(action_id.startswith(chat.CHOICE) for action_id in pressed)
    return True


def _well_formed(body: dict) -> bool:
    """Whether an interaction has the shape Slack sends (a signed body can still be
    anything): a user with an id, a list of actions or a view."""
    user = body.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return False
    if body.get("type") == "block_actions":
        actions = body.get("actions")
        return (
            bool(actions)
            and isinstance(actions, list)
            and all(isinstance(a, dict) for a in actions)
        )
    if body.get("type") in ("view_submission", "view_closed"):
        return isinstance(body.get("view"), dict)
    return True


def _acting_member(body: dict, own_team: str | None, database_url: str) -> Staff | None:
    """The roster member of the app's own workspace who sent this, or None: anyone else,
    a user of another workspace (Slack Connect, a forged team), or no team at all."""
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    team = body.get("team") if isinstance(body.get("team"), dict) else {}
    teams = {t for t in (user.get("team_id"), team.get("id")) if t}
    user_id = user.get("id")
    if not own_team or not teams or teams != {own_team} or not isinstance(user_id, str):
        return None
    with session_scope(database_url) as session:
        member = roles.roster_member(session, user_id)
        return Staff(f"slack:{member.slack_user}") if member else None


async def staff_only(
    body: dict, context: AsyncBoltContext, client: AsyncWebClient, next
) -> BoltResponse | None:
    """Bolt middleware in front of every staff listener: only roster members of the
    app's own workspace (the team auth.test names, which bolt asks once and keeps) get
    through. Anyone else is told why, politely and only them; nothing changes and
    nothing is shown."""
    if not _is_staff_work(body):
        await next()
        return None
    if not _well_formed(body):
        return BoltResponse(status=200, body="")  # nobody to tell, nothing to do
    own_team = context.authorize_result.team_id if context.authorize_result else None
    staff = await asyncio.to_thread(
        _acting_member, body, own_team, context["settings"].database_url
    )
    if staff is not None:
        context[STAFF] = staff
        await next()
        return None
    if body.get("type") == "view_submission":
        refusal = modals.message("modal.staff_only.title", text("slack.not_on_roster"))
        return BoltResponse(
            status=200,
            body=json.dumps({"response_action": "update", "view": refusal}),
            headers={"content-type": "application/json"},
        )
    if body.get("type") == "block_actions":
        await tell(client, body, text("slack.not_on_roster"))
    return BoltResponse(status=200, body="")


def as_shown(session: Session, card: CardState) -> Submission:
    """The submission a button is about, unchanged since its card was drawn; Refused,
    saying what changed since, when it changed (so no form opens on an old view)."""
    submission = versions.find(session, card.reference)
    stale = versions.stale_view(session, submission, card.version)
    if stale is not None:
        raise rules.Refused(stale.message)
    return submission


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
            old = drawn_before_versions(body)
            try:
                if old is not None:
                    await in_transaction(context["settings"], lambda s: redraw(s, old))
                    await tell(client, body, text("slack.card_redrawn", reference=old))
                    return
            except rules.Refused:
                pass
            await tell(client, body, text("slack.unreadable_button"))
            return
        try:
            said = await handler(card, body, context, client)
        except rules.Refused as refused:
            said = str(refused)
        if said:
            await tell(client, body, said)

    # Not functools.wraps: bolt passes arguments by the listener's own parameter names.
    listener.__name__ = handler.__name__
    return listener
