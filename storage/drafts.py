"""Form answers kept while someone is still filling the form in: one draft per chat
identity and kind of submission, replaced on every answer and discarded once submitted.
Deleting drafts nobody came back to is retention's job (storage/retention.py)."""

from collections.abc import Iterable

from sqlalchemy import bindparam, delete
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from storage.models import Draft, Kind, utcnow


def get_draft(session: Session, sender_id: str, kind: Kind) -> Draft | None:
    return session.exec(
        select(Draft).where(Draft.sender_id == sender_id, Draft.kind == kind)
    ).first()


def non_empty_drafts(session: Session, sender_id: str, kinds: Iterable[Kind]) -> list[Draft]:
    """The sender's drafts of these kinds that hold answers, oldest first: one query
    (a greeting looks for all three kinds)."""
    drafts = session.exec(
        select(Draft)
        .where(Draft.sender_id == sender_id, col(Draft.kind).in_(list(kinds)))
        .order_by(col(Draft.updated_at), col(Draft.id))
    ).all()
    return [draft for draft in drafts if draft.answers]


# A form answer's draft is read and written on every answer, so these two are written
# out once, not built per call: building and compiling the ORM statements cost a third
# of the action server's database time per answer (docs/performance/2026-11-28-2214.md). The
# same SQL runs on SQLite and PostgreSQL.
_DRAFTS = Draft.__table__  # type: ignore[attr-defined]
_DRAFT_ANSWERS = (
    sql(f"SELECT answers FROM {_DRAFTS.name} WHERE sender_id = :sender_id AND kind = :kind")
    .bindparams(bindparam("kind", type_=_DRAFTS.c.kind.type))
    .columns(answers=_DRAFTS.c.answers.type)
)
_SAVE_DRAFT = sql(
    f"INSERT INTO {_DRAFTS.name} (sender_id, kind, answers, created_at, updated_at) "
    "VALUES (:sender_id, :kind, :answers, :now, :now) "
    "ON CONFLICT (sender_id, kind) "
    "DO UPDATE SET answers = excluded.answers, updated_at = excluded.updated_at"
).bindparams(
    bindparam("kind", type_=_DRAFTS.c.kind.type),
    bindparam("answers", type_=_DRAFTS.c.answers.type),
    bindparam("now", type_=_DRAFTS.c.updated_at.type),
)


def draft_answers(session: Session | Connection, sender_id: str, kind: Kind) -> dict | None:
    """The draft's answers alone (None: no draft), without loading the row as an object."""
    return session.execute(_DRAFT_ANSWERS, {"sender_id": sender_id, "kind": kind}).scalar()


def save_draft(
    session: Session | Connection, sender_id: str, kind: Kind, answers: dict[str, object]
) -> None:
    """Replaces the draft's answers, or starts the draft; safe to call on every answer and
    to repeat. One upsert: a read before it would be a round trip more."""
    session.execute(
        _SAVE_DRAFT,
        {"sender_id": sender_id, "kind": kind, "answers": dict(answers), "now": utcnow()},
    )


def discard_draft(session: Session, sender_id: str, kind: Kind) -> None:
    session.exec(delete(Draft).where(Draft.sender_id == sender_id, Draft.kind == kind))
