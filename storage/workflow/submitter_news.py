"""Telling the submitter: what they read about their submission (a status change, a
question from staff, a reminder of it) goes to their inbox (storage/inbox.py) once,
and through the outbox to their Slack DM and e-mail when they can be reached there."""

from sqlmodel import Session

from storage import outbox
from storage.catalogue import text
from storage.contacts import get_contact
from storage.db import insert_once
from storage.models import StatusChange, Submission, SubmitterMessage, utcnow
from storage.settings import get_settings
from storage.workflow.rules import status_label


def tell_submitter(
    session: Session,
    submission: Submission,
    key: str,
    message: str,
    buttons: list[dict] | None = None,
    status_change_id: int | None = None,
    shown: bool = False,
) -> bool:
    """Tells the submitter something about their submission, once per `key`: in their
    inbox (shown by the web chat and the status answer), by Slack DM if they came through
    Slack and by e-mail if they gave an address, the last two through the outbox. `shown`:
    they are being told right now in the chat they are using, so no DM repeats it.
    Returns False when there is nobody to tell, or they were already told."""
    contact = get_contact(session, submission.contact_id) if submission.contact_id else None
    if contact is None:
        return False
    values = {
        "submission_id": submission.id,
        "key": key,
        "status_change_id": status_change_id,
        "sender_id": contact.sender_id,
        "text": message,
        "buttons": buttons or [],
        "created_at": utcnow(),
        "shown_at": utcnow() if shown else None,
    }
    message_id = insert_once(
        session, SubmitterMessage, values, SubmitterMessage.key, SubmitterMessage.id
    )
    if message_id is None:
        return False
    payload = {"message_id": message_id}
    if contact.channel == "slack" and not shown:
        outbox.enqueue(
            session,
            "submitter_slack",
            payload,
            submission_id=submission.id,
            dedupe_key=f"submitter_slack:{message_id}",
        )
    # E-mail is part of the deployment's configuration (SMTP_URL), which every process
    # of it shares, the staff CLI included.
    if contact.email and get_settings().smtp_url:
        outbox.enqueue(
            session,
            "submitter_email",
            payload,
            submission_id=submission.id,
            dedupe_key=f"submitter_email:{message_id}",
        )
    return True


def status_news(submission: Submission, change: StatusChange) -> str:
    """The message that tells the submitter of a status change: the new status, the
    reason staff gave, what comes next and by when."""
    decided_by = (
        text("notify.next_decision", date=f"{submission.next_decision_by:%d %B %Y}")
        if submission.next_decision_by
        else ""
    )
    return text(
        "notify.status_changed",
        reference=submission.reference,
        title=submission.title,
        status=status_label(change.to_status),
        reason=change.public_reason or "",
        next_step=submission.next_step,
        next_decision=decided_by,
    ).strip()


def answer_button(reference: str, title: str | None = None) -> dict:
    """The button that starts the submitter's answer to staff's question, in any chat
    (the payload is the chat's own: the intent, with the reference as its entity)."""
    return {
        "title": title or text("notify.answer_button"),
        "payload": f'/provide_info{{"reference":"{reference}"}}',
    }
