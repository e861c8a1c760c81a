"""language-neutral stored texts: what Entryway wrote into the database in English
becomes codes and facts, worded in each reader's language when read.

- submission.next_step: the English sentence becomes its code, the status it was set for;
- statuschange: the reasons Entryway gave itself ("Submitted through Entryway chat.")
  become `reason_code`; reasons staff wrote stay as written;
- submittermessage: `text` and `buttons` become `news` and `facts` (codes, dates, staff's
  words). A text that does not read as one of Entryway's messages is kept as written.

Revision ID: 7b3d2f1a8c05
Revises: 6a2c1e9f0b17
Create Date: 2026-12-07 16:10:00
"""

import re
from datetime import datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "7b3d2f1a8c05"
down_revision = "6a2c1e9f0b17"
branch_labels = None
depends_on = None

# The English reasons Entryway wrote until now, frozen here as they were written (the
# catalogue may change; these rows will not): text -> (code, the status it led to, or
# None for any).
OWN_REASONS = {
    "Submitted through Entryway chat.": ("submitted", "received"),
    "City staff are continuing the review with the information they have.": ("resumed", None),
    "The information the City asked for has arrived, and review continues.": (
        "info_received",
        None,
    ),
    "A City reviewer has started screening your submission.": (
        "advanced_to.screening",
        "screening",
    ),
    "Your submission passed screening and is now being evaluated by the relevant "
    "departments.": ("advanced_to.evaluation", "evaluation"),
    "The City would like to pilot this solution.": ("advanced_to.pilot", "pilot"),
    "The City is now working out how it could buy or partner, under its procurement "
    "rules.": ("advanced_to.procurement", "procurement"),
    "The City has finished its work on this submission.": ("advanced_to.closed", "closed"),
}
# The English messages as notify.status_changed and notify.answer_reminder wrote them.
STATUS_CHANGED = re.compile(r'^Update on (?P<reference>\S+) \("(?P<title>.*)"\): it is now ', re.S)
NEXT_DECISION = re.compile(r"Next decision expected by (?P<date>\d{1,2} [A-Za-z]+ \d{4})\.")
ANSWER_REMINDER = re.compile(
    r"^Reminder about (?P<reference>\S+): City staff are still waiting for your answer to\s+"
    r'"(?P<question>.*)"\. Please answer by (?P<date>\d{1,2} [A-Za-z]+ \d{4}); ',
    re.S,
)

submission = sa.table(
    "submission",
    sa.column("id", sa.Integer),
    sa.column("reference", sa.String),
    sa.column("status", sa.String),
    sa.column("next_step", sa.String),
)
statuschange = sa.table(
    "statuschange",
    sa.column("id", sa.Integer),
    sa.column("to_status", sa.String),
    sa.column("public_reason", sa.String),
    sa.column("reason_code", sa.String),
)
message = sa.table(
    "submittermessage",
    sa.column("id", sa.Integer),
    sa.column("submission_id", sa.Integer),
    sa.column("status_change_id", sa.Integer),
    sa.column("text", sa.String),
    sa.column("buttons", sa.JSON),
    sa.column("news", sa.String),
    sa.column("facts", sa.JSON),
)


def _append_only(enabled: bool) -> None:
    """The status history's append-only triggers (first migration), lifted only while
    this migration writes codes for the reasons Entryway gave: the reasons' meaning, and
    their English wording, stay the same."""
    if op.get_bind().dialect.name == "postgresql":
        state = "ENABLE" if enabled else "DISABLE"
        op.execute(f"ALTER TABLE statuschange {state} TRIGGER statuschange_append_only")
        return
    for name in ("update", "delete"):
        if enabled:
            op.execute(
                f"CREATE TRIGGER statuschange_no_{name} BEFORE {name.upper()} ON statuschange "
                "BEGIN SELECT RAISE(ABORT, 'statuschange is append-only'); END"
            )
        else:
            op.execute(f"DROP TRIGGER statuschange_no_{name}")


def _iso(english_date: str | None) -> str | None:
    return datetime.strptime(english_date, "%d %B %Y").date().isoformat() if english_date else None


def _facts(row, change, reference: str | None) -> tuple[str, dict]:
    """What an English inbox text said, as news and facts."""
    said = row.text or ""
    answer = any("/provide_info" in (b.get("payload") or "") for b in row.buttons or [])
    found = STATUS_CHANGED.match(said)
    if change is not None and found:
        decided = NEXT_DECISION.search(said)
        return "status_changed", {
            "reference": found["reference"],
            "title": found["title"],
            "status": change.to_status,
            "reason_code": change.reason_code,
            "reason": change.public_reason,
            "next_step": change.to_status,
            "next_decision": _iso(decided["date"] if decided else None),
            "answer": answer,
        }
    found = ANSWER_REMINDER.match(said)
    if found:
        return "answer_reminder", {
            "reference": found["reference"],
            "question": found["question"],
            "date": _iso(found["date"]),
            "answer": True,
        }
    return "as_written", {"text": said, "reference": reference, "answer": answer}


def upgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.update(submission).values(next_step=submission.c.status))

    # The history carries append-only triggers: the column is added in place, never rebuilt.
    with op.batch_alter_table("statuschange", recreate="never") as batch:
        batch.add_column(
            sa.Column("reason_code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True)
        )
    _append_only(False)
    for said, (code, to_status) in OWN_REASONS.items():
        which = statuschange.c.public_reason == said
        if to_status is not None:
            which &= statuschange.c.to_status == to_status
        bind.execute(
            sa.update(statuschange).where(which).values(reason_code=code, public_reason=None)
        )
    _append_only(True)

    with op.batch_alter_table("submittermessage") as batch:
        batch.add_column(
            sa.Column(
                "news",
                sqlmodel.sql.sqltypes.AutoString(length=40),
                nullable=False,
                server_default="as_written",
            )
        )
        batch.add_column(
            sa.Column("facts", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
    changes = {row.id: row for row in bind.execute(sa.select(statuschange))}
    references = dict(bind.execute(sa.select(submission.c.id, submission.c.reference)).all())
    for row in bind.execute(sa.select(message)).all():
        news, facts = _facts(row, changes.get(row.status_change_id), references.get(row.submission_id))
        bind.execute(
            sa.update(message).where(message.c.id == row.id).values(news=news, facts=facts)
        )
    with op.batch_alter_table("submittermessage") as batch:
        batch.drop_column("text")
        batch.drop_column("buttons")
        batch.alter_column("news", server_default=None)
        batch.alter_column("facts", server_default=None)


def downgrade() -> None:
    # Worded in English by today's catalogue, as every reader read them before.
    from storage.catalogue import text
    from storage.workflow.submitter_news import answer_button, wording

    bind = op.get_bind()
    with op.batch_alter_table("submittermessage") as batch:
        batch.add_column(
            sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("buttons", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    for row in bind.execute(sa.select(message)).all():
        facts = row.facts or {}
        buttons = (
            [answer_button(facts["reference"])]
            if facts.get("answer") and facts.get("reference")
            else []
        )
        bind.execute(
            sa.update(message)
            .where(message.c.id == row.id)
            .values(text=wording(row.news, facts, "en"), buttons=buttons)
        )
    with op.batch_alter_table("submittermessage") as batch:
        batch.drop_column("news")
        batch.drop_column("facts")
        batch.alter_column("text", server_default=None)
        batch.alter_column("buttons", server_default=None)

    _append_only(False)
    for said, (code, _) in OWN_REASONS.items():
        bind.execute(
            sa.update(statuschange)
            .where(statuschange.c.reason_code == code)
            .values(public_reason=said)
        )
    _append_only(True)
    with op.batch_alter_table("statuschange", recreate="never") as batch:
        batch.drop_column("reason_code")

    for row in bind.execute(sa.select(submission.c.id, submission.c.next_step)).all():
        bind.execute(
            sa.update(submission)
            .where(submission.c.id == row.id)
            .values(next_step=text(f"status.next_step.{row.next_step}", "en"))
        )
