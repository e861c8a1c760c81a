"""Who made a submission: the contact details a submitter left (or only their chat
identity), and the look-ups that tie a chat identity to its submissions."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from storage.models import Contact, Submission


@dataclass(frozen=True)
class ContactDetails:
    sender_id: str
    channel: str = "web"
    organisation: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None


def get_contact(session: Session, contact_id: int) -> Contact | None:
    return session.get(Contact, contact_id)


def submitted_by(session: Session, submission: Submission, sender_id: str) -> bool:
    """Whether this chat identity is the one that made the submission."""
    contact = session.get(Contact, submission.contact_id) if submission.contact_id else None
    return contact is not None and contact.sender_id == sender_id


def latest_submission_of_sender(session: Session, sender_id: str) -> Submission | None:
    return session.exec(
        select(Submission)
        .join(Contact, col(Contact.id) == col(Submission.contact_id))
        .where(Contact.sender_id == sender_id)
        .order_by(col(Submission.id).desc())
    ).first()
