"""Term sheet, on the card's pilot section: the PDF of the plan the card shows
(bot.pilots.term_sheet), uploaded to Slack (files.getUploadURLExternal, the bytes, then
files.completeUploadExternal: what files_upload_v2 does; scope files:write).

The same rule as `pilot terms`: it carries what the vendor marked confidential and the
budget lines they asked to keep private, so it is given to whoever may open confidential
answers (leads, the assigned evaluator, no one with a conflict), and that they did is
recorded. A plan with nothing confidential goes to the card's thread, for everyone on the
card; one with confidential terms only to the person who asked, in their direct messages
with the app (the channel never shows a confidential value). When Slack refuses, the
person is told why (a missing scope names the fix) and nothing is recorded."""

import asyncio

from slack_bolt.async_app import AsyncBoltContext
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.pilots.term_sheet import term_sheet_pdf
from bot.slack.staff import CardState, in_transaction, on_card, staff_of
from storage.catalogue import text
from storage.pilots.views import has_confidential_terms
from storage.triage import pilot_facts
from storage.workflow import evaluation, rules, versions


def _refusal(problem: SlackApiError, reference: str) -> str:
    error = problem.response.get("error") if problem.response is not None else None
    if error == "missing_scope":
        return text("pilot_card.terms.no_scope", reference=reference)
    if error == "ratelimited":
        seconds = problem.response.headers.get("Retry-After") or "30"
        return text("pilot_card.terms.busy", seconds=seconds)
    return text("pilot_card.terms.failed", error=error or "unknown", reference=reference)


@on_card
async def pilot_terms(
    card: CardState, body: dict, context: AsyncBoltContext, client: AsyncWebClient
) -> str:
    staff = staff_of(context)

    def read(session) -> tuple[dict, str | None, str | None]:
        submission = versions.find(session, card.reference)
        if evaluation.conflicted(session, submission, staff):
            raise rules.Refused(text("term_sheet.cli.conflicted", reference=card.reference))
        if not evaluation.may_see_confidential(session, submission, staff):
            raise rules.Refused(text("term_sheet.cli.not_yours", reference=card.reference))
        pilot = pilot_facts(session, submission)
        if pilot is None:
            raise rules.Refused(text("term_sheet.cli.no_plan", reference=card.reference))
        return pilot.plan, submission.card_channel, submission.card_ts

    plan, card_channel, card_ts = await in_transaction(context["settings"], read)
    pdf = await asyncio.to_thread(term_sheet_pdf, plan)
    private = has_confidential_terms(plan) or not card_channel
    words = {"reference": card.reference, "iteration": plan["iteration"]}
    try:
        if private:
            opened = await client.conversations_open(users=staff.slack_user)
            where = {"channel": opened["channel"]["id"]}
        else:
            where = {"channel": card_channel, "thread_ts": card_ts}
        await client.files_upload_v2(
            content=pdf,
            filename=f"term-sheet-{card.reference}-iteration-{plan['iteration']}.pdf",
            title=text("term_sheet.document_title", **words),
            initial_comment=text(
                "pilot_card.terms.comment_private" if private else "pilot_card.terms.comment",
                **words,
            ),
            **where,
        )
    except SlackApiError as problem:
        return _refusal(problem, card.reference)
    except SlackRequestError as problem:  # the bytes were refused by the upload URL
        return text("pilot_card.terms.failed", error=type(problem).__name__,
                    reference=card.reference)  # fmt: skip

    def recorded(session) -> None:
        evaluation.record_confidential_view(session, versions.find(session, card.reference), staff)

    await in_transaction(context["settings"], recorded)
    key = "pilot_card.terms.in_dm" if private else "pilot_card.terms.in_thread"
    return text(key, reference=card.reference)
