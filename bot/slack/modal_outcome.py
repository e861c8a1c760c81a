"""Answering a submitted modal: the outcome replaces the modal, or the field that needs
fixing is marked, and a modal that is not one of ours changes nothing."""

import logging
from collections.abc import Callable

from slack_bolt.async_app import AsyncAck, AsyncBoltContext

from bot.slack.blocks import modals
from bot.slack.staff import CardState, in_transaction, submitted
from storage.catalogue import text
from storage.workflow import rules

logger = logging.getLogger(__name__)


async def answer(
    ack: AsyncAck,
    body: dict,
    context: AsyncBoltContext,
    title_key: str,
    work: Callable[[CardState], Callable],
    problem_block: str | None = None,
) -> None:
    """Runs `work(card)(session)` in one transaction and shows what happened.

    A Refused raised for a field the person filled in is shown on `problem_block`;
    otherwise (and for any other refusal) the modal says why nothing changed."""
    card = submitted(body)
    if card is None:
        await ack(
            response_action="update", view=modals.message(title_key, text("slack.unreadable_modal"))
        )
        return
    try:
        outcome = await in_transaction(context["settings"], work(card))
    except rules.Refused as refused:
        if problem_block:
            await ack(response_action="errors", errors={problem_block: str(refused)})
        else:
            await ack(response_action="update", view=modals.message(title_key, str(refused)))
        return
    except Exception:  # the transaction rolled back: say so in the modal, never a 500
        logger.exception("modal %s failed", title_key)
        await ack(response_action="update", view=modals.message(title_key, text("slack.failed")))
        return
    await ack(response_action="update", view=modals.message(title_key, outcome.message))
