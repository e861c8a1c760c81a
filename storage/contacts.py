"""Who made a submission: the contact details a submitter left (or only their chat
identity), and the look-ups that tie a chat identity to its submissions."""

from dataclasses import dataclass

from sqlmodel import Session, col, or_, select

from storage.languages import DEFAULT_LANGUAGE, language_or_default, supported
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
    language: str = DEFAULT_LANGUAGE


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


def language_of(session: Session, contact_id: int | None) -> str:
    """The language to write to a submission's contact in (English when none is known)."""
    contact = session.get(Contact, contact_id) if contact_id else None
    return language_or_default(contact.language if contact else None)


def keep_language(
    session: Session, sender_id: str, language: str | None, proven: Submission | None = None
) -> int:
    """The language a person talks in now, kept on every contact of their chat identity
    and on the contact of `proven`, a submission they have just shown is theirs (by its
    private status code, perhaps from another chat identity), so that what the City sends
    them later is written in it. A language the conversation has not shown (None, or one
    Entryway does not speak) replaces nothing known. Returns how many contacts changed."""
    language = supported(language)
    if language is None:
        return 0
    theirs = col(Contact.sender_id) == sender_id
    if proven is not None and proven.contact_id is not None:
        theirs = or_(theirs, col(Contact.id) == proven.contact_id)
    contacts = session.exec(select(Contact).where(theirs, col(Contact.language) != language)).all()
    for contact in contacts:
        contact.language = language
        session.add(contact)
    return len(contacts)
