"""Every Slack listener, grouped by payload type like Slack's bolt starter template:
events/ (messages and mentions), actions/ (buttons and menus), views/ (modals)."""

import asyncio
import traceback

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.response import BoltResponse

from bot.rasa_client import RasaWorkers
from bot.slack.listeners import actions, events, views
from bot.slack.staff import staff_only, tell
from storage import slack_deliveries
from storage.catalogue import text
from storage.db import session_scope
from storage.settings import Settings


def register(app: AsyncApp, settings: Settings, rasa: RasaWorkers) -> None:
    async def shared(context: AsyncBoltContext, next) -> None:
        """What listeners need besides Slack: the settings and the way to Rasa."""
        context["settings"] = settings
        context["rasa"] = rasa
        await next()

    def first_sight(key: str) -> bool:
        with session_scope(settings.database_url) as session:
            return slack_deliveries.first_sight(session, key)

    async def once_per_event(body: dict, next) -> BoltResponse | None:
        """Slack delivers an event again when it thinks we missed it (a slow ack, a
        restart); the event id, kept in the database, makes sure it is handled once."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not await asyncio.to_thread(first_sight, f"event:{event_id}"):
            return BoltResponse(status=200, body="")
        await next()
        return None

    app.use(shared)
    app.use(once_per_event)
    # Before any listener: staff work is for roster members of our own workspace only.
    app.use(staff_only)
    events.register(app)
    actions.register(app)
    views.register(app)

    @app.error
    async def report(error: Exception, body: dict, client, logger) -> None:
        """A listener failed after Slack was answered: the person who pressed is told
        (their change rolled back with its transaction), and the error is logged."""
        # The error's type and where it happened, not its text: that may quote what a
        # person typed.
        where = "".join(traceback.format_tb(error.__traceback__))
        logger.error("Slack listener failed: %s\n%s", type(error).__name__, where)
        if body.get("type") == "block_actions" and body.get("user"):
            await tell(client, body, text("slack.failed"))
