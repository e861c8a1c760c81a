"""Sending outbox messages to Slack: triage cards (posted, then updated in place),
handoff posts, and messages to submitters who came through Slack."""

from collections.abc import Callable
from datetime import timedelta

from slack_sdk import WebClient

from bot.notifier.results import Postpone, Sent
from bot.slack.blocks import chat, digest, handoff, reminder, triage_card
from storage import outbox, reminders, reports, repository, service_levels, workflow
from storage.db import session_scope
from storage.identity import slack_user_of
from storage.models import HandoffRequest, Submission, SubmitterMessage, utcnow
from storage.reminders import stay_of
from storage.settings import Settings
from storage.triage import card_facts, record_card

OUTBOX_EVENT = "entryway_outbox"
RECENT_MESSAGES = 100  # how far back a repeated attempt looks for its own post
# A card update waits this long for its card when the card is still being posted.
CARD_NOT_POSTED_YET = timedelta(seconds=3)
STALE_DIGEST = timedelta(days=7)


class SlackSender:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.channel = settings.slack_triage_channel
        self.client = WebClient(
            token=settings.slack_bot_token,
            base_url=settings.slack_api_url,
            timeout=int(settings.send_timeout_seconds),
        )

    def senders(self) -> dict[str, Callable]:
        kinds: dict[str, Callable] = {"submitter_slack": self.submitter_message}
        if self.channel:
            kinds.update(
                triage_card=self.triage_card,
                card_update=self.card_update,
                handoff=self.handoff,
                reminder=self.reminder,
                digest=self.digest,
            )
        return kinds

    def _post(self, claim: outbox.Claim, channel: str, **message) -> dict:
        """Posts once. Each post carries its outbox id as message metadata: a sender killed
        after Slack took the post, but before it was marked sent, left no mark of it in the
        database, so a later attempt first looks for it in the channel."""
        if claim.attempt > 1:
            posted = self._posted_before(claim.id, channel)
            if posted is not None:
                return posted
        metadata = {"event_type": OUTBOX_EVENT, "event_payload": {"outbox_id": claim.id}}
        return self.client.chat_postMessage(
            channel=channel, unfurl_links=False, unfurl_media=False, metadata=metadata, **message
        ).data  # type: ignore[return-value]

    def _posted_before(self, outbox_id: int, channel: str) -> dict | None:
        if channel.startswith(("U", "W")):  # a person: their DM with the app
            channel = self.client.conversations_open(users=channel)["channel"]["id"]
        history = self.client.conversations_history(
            channel=channel, limit=RECENT_MESSAGES, include_all_metadata=True
        )
        for message in history.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == OUTBOX_EVENT
                and (metadata.get("event_payload") or {}).get("outbox_id") == outbox_id
            ):
                return {"channel": channel, "ts": message["ts"]}
        return None

    def triage_card(self, claim: outbox.Claim) -> Sent:
        with session_scope(self.settings.database_url) as session:
            submission = session.get(Submission, claim.submission_id)
            if submission is None or submission.card_ts:
                return Sent()  # deleted since, or already posted by an earlier attempt
            facts = card_facts(session, submission)
        posted = self._post(
            claim, self.channel, text=triage_card.fallback(facts), blocks=triage_card.blocks(facts)
        )
        submission_id, channel, ts = submission.id, posted["channel"], posted["ts"]
        return Sent(lambda session: record_card(session, submission_id, channel, ts))

    def card_update(self, claim: outbox.Claim) -> Sent:
        with session_scope(self.settings.database_url) as session:
            submission = session.get(Submission, claim.submission_id)
            if submission is None:
                return Sent()
            if not submission.card_ts:
                if outbox.pending_for(session, "triage_card", submission.id):
                    raise Postpone(CARD_NOT_POSTED_YET)
                return Sent()  # no card to update: it will be drawn as it is when posted
            facts = card_facts(session, submission)
        self.client.chat_update(
            channel=facts.card_channel,
            ts=facts.card_ts,
            text=triage_card.fallback(facts),
            blocks=triage_card.blocks(facts),
        )
        return Sent()

    def handoff(self, claim: outbox.Claim) -> Sent:
        with session_scope(self.settings.database_url) as session:
            request = session.get(HandoffRequest, claim.payload.get("handoff_id"))
        if request is None:
            return Sent()
        self._post(
            claim, self.channel, text=handoff.fallback(request), blocks=handoff.blocks(request)
        )
        return Sent()

    def submitter_message(self, claim: outbox.Claim) -> Sent:
        with session_scope(self.settings.database_url) as session:
            message = session.get(SubmitterMessage, claim.payload.get("message_id"))
        user = slack_user_of(message.sender_id) if message else None
        if message is None or user is None:
            return Sent()
        self._post(claim, user, **chat.message({"text": message.text, "buttons": message.buttons}))
        return Sent(lambda session: repository.mark_shown(session, message.id))

    def reminder(self, claim: outbox.Claim) -> Sent:
        stage = claim.payload.get("stage")
        with session_scope(self.settings.database_url) as session:
            submission = session.get(Submission, claim.submission_id)
            if submission is None or stay_of(submission) != claim.payload.get("stay"):
                return Sent()  # it moved on (or was deleted) since: nothing to remind of
            if stage in service_levels.OWNER_STAGES and submission.snoozes != claim.payload.get(
                "snoozes"
            ):
                return Sent()  # snoozed since it was written: it comes back after the snooze
            request = workflow.open_info_request(session, submission.id)
            # Roster members only are named or written to; otherwise the channel.
            owner = reminders.owner_on_roster(session, submission)
            to = reminders.recipient(session, submission, stage, self.settings.escalation_lead)
        asked = f"{request.asked_at:%d %b}" if request else None
        calendar = service_levels.calendar(self.settings.timezone)
        message = reminder.message(stage, submission, calendar, asked, owner=owner)
        self._post(claim, to or self.channel, **message)
        return Sent()

    def digest(self, claim: outbox.Claim) -> Sent:
        found = reports.Digest.from_payload(claim.payload)
        if utcnow() - found.until > STALE_DIGEST:
            return Sent()  # a digest for a week long gone (Slack was off then) helps nobody
        calendar = service_levels.calendar(self.settings.timezone)
        self._post(claim, self.channel, **digest.message(found, calendar))
        return Sent()
