"""The submitter's inbox: what they were told about their submission (SubmitterMessage),
read by the web chat, the status answer and the Slack DM. Writing to it is the
workflow's (storage/workflow/submitter_news.py), which also sends the DM and e-mail.

Messages are read worded (`Worded`: text and buttons) in the submitter's language, their
contact's, unless the reader names another (the language of the chat they read it in)."""

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.languages import language_or_default, supported
from storage.models import Contact, Submission, SubmitterMessage, utcnow
from storage.workflow.submitter_news import Worded, worded

# Each message with its submitter's language, in the one query that reads it.
_WITH_LANGUAGE = (
    select(SubmitterMessage, Contact.language)
    .join(Submission, col(Submission.id) == col(SubmitterMessage.submission_id))
    .outerjoin(Contact, col(Contact.id) == col(Submission.contact_id))
)


def _worded(rows, language: str | None) -> list[Worded]:
    """The messages worded in `language` when the reader names one Entryway speaks,
    else in each submitter's own."""
    chosen = supported(language)
    return [worded(message, chosen or language_or_default(own)) for message, own in rows]


def latest_message(
    session: Session, submission_id: int, language: str | None = None
) -> Worded | None:
    """The newest thing the submitter was told about their submission, worded in
    `language` (None: their contact's)."""
    row = session.exec(
        _WITH_LANGUAGE.where(SubmitterMessage.submission_id == submission_id).order_by(
            col(SubmitterMessage.id).desc()
        )
    ).first()
    return _worded([row], language)[0] if row else None


def message_for(session: Session, message_id: int | None) -> Worded | None:
    """One message, worded in its submitter's language (for its Slack DM and e-mail)."""
    row = session.exec(_WITH_LANGUAGE.where(SubmitterMessage.id == message_id)).first()
    return _worded([row], None)[0] if row else None


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
    rows = list(
        session.exec(
            _WITH_LANGUAGE.where(
                SubmitterMessage.sender_id == sender_id,
                col(SubmitterMessage.shown_at).is_(None),
            ).order_by(col(SubmitterMessage.id))
        )
    )
    if rows:
        session.execute(
            update(SubmitterMessage)
            .where(col(SubmitterMessage.id).in_([message.id for message, _ in rows]))
            .values(shown_at=utcnow())
        )
    return _worded(rows, language)
