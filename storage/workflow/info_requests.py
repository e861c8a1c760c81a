"""Questions staff asked a submitter (InfoRequest) and are still waiting for an answer
to: the one open on a submission, and those open for a chat identity, which the chat
checks before every message. Asking and answering are status changes
(storage/workflow/transitions.py: request_info, answer_info)."""

from sqlalchemy import Connection, bindparam
from sqlalchemy import text as sql
from sqlmodel import Session, col, select

from storage.models import Contact, InfoRequest, Status, Submission


def open_info_request(session: Session, submission_id: int) -> InfoRequest | None:
    return session.exec(
        select(InfoRequest)
        .where(InfoRequest.submission_id == submission_id, col(InfoRequest.answered_at).is_(None))
        .order_by(col(InfoRequest.id).desc())
    ).first()


def open_questions_for(session: Session, sender_id: str) -> list[tuple[str, str]]:
    """(reference, question) of every question staff are waiting for this chat identity
    to answer, newest first."""
    rows = session.exec(
        select(Submission.reference, InfoRequest.question)
        .join(InfoRequest, col(InfoRequest.submission_id) == col(Submission.id))
        .join(Contact, col(Contact.id) == col(Submission.contact_id))
        .where(
            Contact.sender_id == sender_id,
            Submission.status == Status.needs_info,
            col(InfoRequest.answered_at).is_(None),
        )
        .order_by(col(InfoRequest.id).desc())
    ).all()
    seen: dict[str, str] = {}
    for reference, question in rows:
        seen.setdefault(reference, question)
    return list(seen.items())


# Asked before every message (bot/conversation.py), so written out once rather than
# built per call (as storage/drafts.py does for drafts): building and compiling the ORM
# statement was half of the look-up's time (docs/performance/2026-12-07-parts.md). Starts at
# the contact's sender id (indexed), which for most people finds no contact at all.
_CONTACTS = Contact.__table__  # type: ignore[attr-defined]
_SUBMISSIONS = Submission.__table__  # type: ignore[attr-defined]
_QUESTIONS = InfoRequest.__table__  # type: ignore[attr-defined]
_OPEN_QUESTION = sql(
    f"SELECT 1 FROM {_CONTACTS.name} AS c "
    f"JOIN {_SUBMISSIONS.name} AS s ON s.contact_id = c.id "
    f"JOIN {_QUESTIONS.name} AS q ON q.submission_id = s.id "
    "WHERE c.sender_id = :sender_id AND s.status = :status AND q.answered_at IS NULL "
    "LIMIT 1"
).bindparams(bindparam("status", type_=_SUBMISSIONS.c.status.type))


def has_open_question(connection: Connection, sender_id: str) -> bool:
    """Whether staff wait for this chat identity to answer a question (any of
    open_questions_for)."""
    found = connection.execute(
        _OPEN_QUESTION, {"sender_id": sender_id, "status": Status.needs_info}
    )
    return found.first() is not None
