"""The submitter's inbox: what they were told about their submission (SubmitterMessage),
read by the web chat, the status answer and the Slack DM. Writing to it is the
workflow's (storage/workflow/submitter_news.py), which also sends the DM and e-mail."""

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import SubmitterMessage, utcnow


def latest_message(session: Session, submission_id: int) -> SubmitterMessage | None:
    """The newest thing the submitter was told about a status change."""
    return session.exec(
        select(SubmitterMessage)
        .where(SubmitterMessage.submission_id == submission_id)
        .order_by(col(SubmitterMessage.id).desc())
    ).first()


def mark_shown(session: Session, message_id: int) -> None:
    """The person has it (in their Slack DM): it is not news any more."""
    session.execute(
        update(SubmitterMessage)
        .where(SubmitterMessage.id == message_id, col(SubmitterMessage.shown_at).is_(None))
        .values(shown_at=utcnow())
    )


def unseen_messages(session: Session, sender_id: str) -> list[SubmitterMessage]:
    """The sender's messages not shown yet, oldest first, now marked shown."""
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
    return messages
