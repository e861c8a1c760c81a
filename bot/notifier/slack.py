"""Sending outbox messages to Slack: triage cards (posted, then updated in place),
handoff posts, messages to submitters who came through Slack, and notes to an
evaluation's owner when its submitter withdraws it or changes an answer in chat.

A post is sent once: what Slack answered (its channel and ts) is stored the moment it
arrives, so a later attempt returns it instead of posting again. Only a post that went
out and was never answered (the sender died, or gave up at its deadline) leaves a doubt;
the next attempt then looks for it in the channel by the outbox id it carries as message
metadata. That look-up may be refused (a channel outside the manifest's scopes, Slack's
limit of one `conversations.history` a minute for apps outside the Marketplace): it then
posts anyway, since a post seen twice is better than a post never seen."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.notifier import failures
from bot.notifier.lease import Lease
from bot.notifier.results import Postpone, Sent
from bot.slack.answers import field_label
from bot.slack.blocks import chat, digest, handoff, pilot_checkin, reminder, triage_card
from bot.slack.text import labelled, mrkdwn
from storage import contacts, handoff_pace, inbox, outbox, reminders, reports, service_levels
from storage.catalogue import text
from storage.db import session_scope
from storage.identity import slack_user_of
from storage.models import HandoffRequest, Submission, SubmissionAnswer, utcnow
from storage.pilots import checkins
from storage.reminders import stay_of
from storage.settings import Settings
from storage.triage import card_facts, record_card
from storage.workflow import info_requests, roles, vendor_requests

logger = logging.getLogger("entryway.notifier")
OUTBOX_EVENT = "entryway_outbox"
# How far back a post in doubt is looked for: the most Slack returns to apps outside
# the Marketplace.
RECENT_MESSAGES = 15
# The look-up may take this share of the send deadline; the post needs the rest.
LOOK_UP_SHARE = 0.3
# A card update waits this long for its card when the card is still being posted.
CARD_NOT_POSTED_YET = timedelta(seconds=3)
STALE_DIGEST = timedelta(days=7)


def _section(text_object: dict) -> dict:
    return {"type": "section", "text": text_object}


class SlackSender:
    def __init__(self, settings: Settings, lease: Lease) -> None:
        self.settings = settings
        self.lease = lease
        self.channel = settings.slack_triage_channel
        self.look_up_limit = lease.send_deadline.total_seconds() * LOOK_UP_SHARE
        # No retries inside a call: a post retried after a lost connection could be a
        # second post, and Slack's Retry-After is honoured by the outbox's next attempt.
        self.client = AsyncWebClient(
            token=settings.slack_bot_token,
            base_url=settings.slack_api_url,
            timeout=int(settings.send_timeout_seconds),
            retry_handlers=[],
        )

    def senders(self) -> dict[str, Callable[[outbox.Claim], Awaitable[Sent]]]:
        kinds: dict[str, Callable[[outbox.Claim], Awaitable[Sent]]] = {
            "submitter_slack": self.submitter_message
        }
        if self.channel:
            kinds.update(
                triage_card=self.triage_card,
                card_update=self.card_update,
                handoff=self.handoff,
                **{
                    handoff_pace.SUMMARY: self.handoff_summary,
                    handoff_pace.SUMMARY_UPDATE: self.handoff_summary_update,
                },
                reminder=self.reminder,
                digest=self.digest,
                **{vendor_requests.OWNER_NOTE: self.owner_note},
                **{checkins.OUTBOX_KIND: self.pilot_checkin},
            )
        return kinds

    async def _post(self, claim: outbox.Claim, channel: str, **message) -> dict:
        """Posts once and returns where the post is (channel and ts)."""
        if claim.answer is not None:
            return claim.answer  # taken by an earlier attempt
        if claim.in_doubt:
            found = await self._posted_before(claim.id, channel)
            if found is not None:
                self.lease.taken(claim, found)
                return found
        self.lease.begin(claim, doubt=True)
        metadata = {"event_type": OUTBOX_EVENT, "event_payload": {"outbox_id": claim.id}}
        try:
            posted = await self.client.chat_postMessage(
                channel=channel,
                unfurl_links=False,
                unfurl_media=False,
                metadata=metadata,
                **message,
            )
        except SlackApiError as problem:
            if problem.response.status_code < 500:  # an answer: not taken (a 5xx may hide one)
                self.lease.refused(claim)
            raise
        answer = {"channel": posted["channel"], "ts": posted["ts"]}
        self.lease.taken(claim, answer)
        return answer

    async def _posted_before(self, outbox_id: int, channel: str) -> dict | None:
        """The earlier post of this message, if Slack shows it; None when it does not, or
        will not say (see the module's docstring)."""
        try:
            async with asyncio.timeout(self.look_up_limit):
                if channel.startswith(("U", "W")):  # a person: their DM with the app
                    opened = await self.client.conversations_open(users=channel)
                    channel = opened["channel"]["id"]
                history = await self.client.conversations_history(
                    channel=channel, limit=RECENT_MESSAGES, include_all_metadata=True
                )
        except (SlackApiError, aiohttp.ClientError, OSError) as problem:  # OSError: timeouts
            logger.warning(
                "outbox #%s: could not look for an earlier post, posting: %s",
                outbox_id,
                failures.describe(problem, timedelta(seconds=self.look_up_limit)),
            )
            return None
        for message in history.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == OUTBOX_EVENT
                and (metadata.get("event_payload") or {}).get("outbox_id") == outbox_id
            ):
                return {"channel": channel, "ts": message["ts"]}
        return None

    async def triage_card(self, claim: outbox.Claim) -> Sent:
        with session_scope(self.settings.database_url) as session:
            submission = session.get(Submission, claim.submission_id)
            if submission is None or submission.card_ts:
                return Sent()  # deleted since, or already posted by an earlier attempt
            facts = card_facts(session, submission)
        posted = await self._post(
            claim, self.channel, text=triage_card.fallback(facts), blocks=triage_card.blocks(facts)
        )
        submission_id, channel, ts = submission.id, posted["channel"], posted["ts"]
        return Sent(lambda session: record_card(session, submission_id, channel, ts))

    async def card_update(self, claim: outbox.Claim) -> Sent:
        with session_scope(self.settings.database_url) as session:
            submission = session.get(Submission, claim.submission_id)
            if submission is None:
                return Sent()
            if not submission.card_ts:
                if outbox.pending_for(session, "triage_card", submission.id):
                    raise Postpone(CARD_NOT_POSTED_YET)
                return Sent()  # no card to update: it will be drawn as it is when posted
            facts = card_facts(session, submission)
        await self.client.chat_update(
            channel=facts.card_channel,
            ts=facts.card_ts,
            text=triage_card.fallback(facts),
            blocks=triage_card.blocks(facts),
        )
        return Sent()

    async def handoff(self, claim: outbox.Claim) -> Sent:
        with session_scope(self.settings.database_url) as session:
            request = session.get(HandoffRequest, claim.payload.get("handoff_id"))
        if request is None:
            return Sent()
        await self._post(
            claim, self.channel, text=handoff.fallback(request), blocks=handoff.blocks(request)
        )
        return Sent()

    async def handoff_summary(self, claim: outbox.Claim) -> Sent:
        """The summary post of a busy window; when it goes out before the window
        closes, its update at the close is queued with where it was posted."""
        window = handoff_pace.Window.from_payload(claim.payload)
        with session_scope(self.settings.database_url) as session:
            count = handoff_pace.recorded_only(session, window)
        closed = utcnow() >= window.closes_at
        posted = await self._post(
            claim, self.channel, **handoff.summary(count, window, self.settings.zone, closed)
        )
        if closed:
            return Sent()
        channel, ts = posted["channel"], posted["ts"]
        return Sent(lambda session: handoff_pace.queue_update(session, window, channel, ts))

    async def handoff_summary_update(self, claim: outbox.Claim) -> Sent:
        window = handoff_pace.Window.from_payload(claim.payload)
        with session_scope(self.settings.database_url) as session:
            count = handoff_pace.recorded_only(session, window)
        await self.client.chat_update(
            channel=claim.payload["channel"],
            ts=claim.payload["ts"],
            **handoff.summary(count, window, self.settings.zone, closed=True),
        )
        return Sent()

    async def submitter_message(self, claim: outbox.Claim) -> Sent:
        with session_scope(self.settings.database_url) as session:
            # Worded in the submitter's language (their contact's) as it is sent.
            message = inbox.message_for(session, claim.payload.get("message_id"))
            submission = session.get(Submission, message.submission_id) if message else None
            language = contacts.language_of(session, submission.contact_id if submission else None)
        user = slack_user_of(message.sender_id) if message else None
        if message is None or user is None:
            return Sent()
        await self._post(
            claim,
            user,
            **chat.message({"text": message.text, "buttons": message.buttons}, language),
        )
        return Sent(lambda session: inbox.mark_shown(session, message.id))

    async def reminder(self, claim: outbox.Claim) -> Sent:
        stage = claim.payload.get("stage")
        with session_scope(self.settings.database_url) as session:
            submission = session.get(Submission, claim.submission_id)
            if submission is None or stay_of(submission) != claim.payload.get("stay"):
                return Sent()  # it moved on (or was deleted) since: nothing to remind of
            if stage in service_levels.OWNER_STAGES and submission.snoozes != claim.payload.get(
                "snoozes"
            ):
                return Sent()  # snoozed since it was written: it comes back after the snooze
            request = info_requests.open_info_request(session, submission.id)
            # Roster members only are named or written to; otherwise the channel.
            owner = reminders.owner_on_roster(session, submission)
            to = reminders.recipient(session, submission, stage, self.settings.escalation_lead)
            language = (
                contacts.language_of(session, submission.contact_id)
                if submission.contact_id
                else None
            )
        asked = f"{request.asked_at:%d %b}" if request else None
        calendar = service_levels.calendar(self.settings.timezone)
        message = reminder.message(
            stage, submission, calendar, asked, owner=owner, language=language
        )
        await self._post(claim, to or self.channel, **message)
        return Sent()

    async def owner_note(self, claim: outbox.Claim) -> Sent:
        """Tells the owner of an evaluation what its submitter did in chat (withdrew it,
        changed an answer); the submitter's own words quoted as plain text."""
        payload = claim.payload
        with session_scope(self.settings.database_url) as session:
            submission = session.get(Submission, claim.submission_id)
            owner = roles.roster_member(session, payload.get("owner"))
            field = payload.get("field") or ""
            answer = session.get(SubmissionAnswer, (claim.submission_id, field)) if field else None
        if submission is None or owner is None:
            return Sent()  # deleted, or they left the roster since
        reference = submission.reference
        if payload.get("news") == "withdrawn":
            said = text("owner_note.withdrawn", reference=reference)
            reason = payload.get("reason")
            about = (
                labelled(text("owner_note.reason"), reason)
                if reason
                else mrkdwn(text("owner_note.no_reason"))
            )
            blocks = [_section(mrkdwn(said)), _section(about)]
        else:
            key = (
                "owner_note.answer_amended_confidential"
                if answer is not None and answer.confidential
                else "owner_note.answer_amended"
            )
            said = text(key, reference=reference, label=field_label(submission.kind.value, field))
            blocks = [_section(mrkdwn(said))]
        await self._post(claim, owner.slack_user, text=said, blocks=blocks)
        return Sent()

    async def pilot_checkin(self, claim: outbox.Claim) -> Sent:
        """An unanswered check-in, to the owner (stage `owner`) or the lead (`escalated`)."""
        stage = claim.payload.get("stage")
        with session_scope(self.settings.database_url) as session:
            alert = checkins.staff_alert(session, claim.payload.get("checkin_id"))
            if alert is None:
                return Sent()  # answered since, or the pilot no longer runs on it
            owner = reminders.owner_on_roster(session, alert.submission)
            to = reminders.recipient(
                session,
                alert.submission,
                "lead" if stage == "escalated" else "owner",
                self.settings.escalation_lead,
            )
        calendar = service_levels.calendar(self.settings.timezone)
        message = pilot_checkin.message(stage, alert, calendar, owner)
        await self._post(claim, to or self.channel, **message)
        return Sent()

    async def digest(self, claim: outbox.Claim) -> Sent:
        found = reports.Digest.from_payload(claim.payload)
        if utcnow() - found.until > STALE_DIGEST:
            return Sent()  # a digest for a week long gone (Slack was off then) helps nobody
        calendar = service_levels.calendar(self.settings.timezone)
        await self._post(claim, self.channel, **digest.message(found, calendar))
        return Sent()
