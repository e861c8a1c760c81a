"""The submitter's inbox: what they were told about their submission (SubmitterMessage),
read by the web chat, the status answer and the Slack DM. Writing to it is the
workflow's (storage/workflow/submitter_news.py), which also sends the DM and e-mail.

Messages are read worded (`Worded`: text and buttons) in the submitter's language, their
contact's, unless the reader names another (the language of the chat they read it in)."""

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.contacts import language_of
from storage.languages import supported
from storage.models import Submission, SubmitterMessage, utcnow
from storage.workflow.submitter_news import Worded, worded


def _language(session: Session, submission_id: int, language: str | None) -> str:
    chosen = supported(language)
    if chosen:
        return chosen
    submission = session.get(Submission, submission_id)
    return language_of(session, submission.contact_id if submission else None)


def latest_message(
    session: Session, submission_id: int, language: str | None = None
) -> Worded | None:
    """The newest thing the submitter was told about their submission, worded in
    `language` (None: their contact's)."""
    message = session.exec(
        select(SubmitterMessage)
        .where(SubmitterMessage.submission_id == submission_id)
        .order_by(col(SubmitterMessage.id).desc())
    ).first()
    if message is None:
        return None
    return worded(message, _language(session, submission_id, language))


def message_for(session: Session, message_id: int | None) -> Worded | None:
    """One message, worded in its submitter's language (for its Slack DM and e-mail)."""
    message = session.get(SubmitterMessage, message_id) if message_id is not None else None
    if message is None:
        return None
    return worded(message, _language(session, message.submission_id, None))


def mark_shown(session: Session, message_id: int) -> None:
    """The person has it (in their Slack DM): it is not news any more."""
    session.execute(
        update(SubmitterMessage)
        .where(SubmitterMessage.id == message_id, col(SubmitterMessage.shown_at).is_(None))
        .values(shown_at=utcnow())
    )


def unseen_messages(session: Session, sender_id: str, language: str | None = None) -> list[Worded]:
    """The sender's messages not shown yet, oldest first, worded in `language` (None:
    their contact's), now marked shown."""
    messages = list(
        session.exec(
            select(SubmitterMessage)
            .where(
                SubmitterMessage.sender_id == sender_id,
                col(SubmitterMessage.shown_at).is_(None),
            )
            .order_by(col(SubmitterMessage.id))
        )
    )
    if messages:
        session.execute(
            update(SubmitterMessage)
            .where(col(SubmitterMessage.id).in_([m.id for m in messages]))
            .values(shown_at=utcnow())
        )
    return [worded(m, _language(session, m.submission_id, language)) for m in messages]
