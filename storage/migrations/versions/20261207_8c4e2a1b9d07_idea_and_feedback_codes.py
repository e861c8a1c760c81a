"""idea and feedback choices as codes: the resident idea's and the procurement
feedback's choices were stored as their English labels ("Citywide", "Insurance and
bonding", "Extra cost, Could not bid"), and the titles Entryway composed for them as
English sentences; they become codes ("citywide", "insurance_bonding",
"extra_cost, could_not_bid") and the catalogue keys that word the titles
(`idea.title.not_published`, `feedback.title.<step>`), read in the reader's language
(storage/rendering.py). Submissions and unfinished drafts are converted; what people
wrote is left as written.

Revision ID: 8c4e2a1b9d07
Revises: 7b3d2f1a8c05
Create Date: 2026-12-07 17:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "8c4e2a1b9d07"
down_revision = "7b3d2f1a8c05"
branch_labels = None
depends_on = None

# The labels the forms stored until now, by answer field -> label -> code. A copy, not an
# import: a migration must keep meaning what it meant when it was written.
STEPS = {
    "Vendor registration": "vendor_registration",
    "Finding opportunities": "finding_opportunities",
    "Solicitation scope or requirements": "solicitation_requirements",
    "Insurance and bonding": "insurance_bonding",
    "IP and data terms": "ip_data_terms",
    "Legal review": "legal_review",
    "Timeline": "timeline",
    "Payment terms": "payment_terms",
    "Other": "other",
}
CODES: dict[str, dict[str, str]] = {
    "idea_location": {"Citywide": "citywide"},
    "idea_publish": {"Yes": "yes", "No": "no"},
    "barrier_step": STEPS,
    "barrier_impact": {
        "Delay": "delay",
        "Extra cost": "extra_cost",
        "Could not bid": "could_not_bid",
        "Project abandoned": "project_abandoned",
    },
}
JOINED = {"barrier_impact"}  # several choices, stored joined by ", "
SEPARATOR = ", "
UNPUBLISHED_IDEA = ("Resident idea (not published)", "idea.title.not_published")
BARRIER_TITLE = ("Procurement barrier: ", "feedback.title.")

submission = sa.table("submission", sa.column("id"), sa.column("kind"), sa.column("title"))
answer = sa.table(
    "submissionanswer", sa.column("submission_id"), sa.column("field"), sa.column("value")
)
draft = sa.table("draft", sa.column("id"), sa.column("kind"), sa.column("answers", sa.JSON))


def _convert(field: str, value: object, table: dict[str, str]) -> object:
    if isinstance(value, list):
        return [table.get(item, item) for item in value]
    if not isinstance(value, str):
        return value
    if field in JOINED:
        return SEPARATOR.join(table.get(item, item) for item in value.split(SEPARATOR))
    return table.get(value, value)


def _title(kind: str, title: str, direction: str) -> str:
    if kind == "idea":
        old, new = UNPUBLISHED_IDEA if direction == "up" else UNPUBLISHED_IDEA[::-1]
        return new if title == old else title
    steps = STEPS if direction == "up" else {code: label for label, code in STEPS.items()}
    old, new = BARRIER_TITLE if direction == "up" else BARRIER_TITLE[::-1]
    if kind == "feedback" and title.startswith(old) and title[len(old) :] in steps:
        return new + steps[title[len(old) :]]
    return title


def _migrate(direction: str) -> None:
    tables = {
        field: table if direction == "up" else {code: label for label, code in table.items()}
        for field, table in CODES.items()
    }
    connection = op.get_bind()
    ids = []
    for row in connection.execute(
        sa.select(submission.c.id, submission.c.kind, submission.c.title).where(
            submission.c.kind.in_(["idea", "feedback"])
        )
    ).all():
        ids.append(row.id)
        title = _title(row.kind, row.title, direction)
        if title != row.title:
            connection.execute(
                submission.update().where(submission.c.id == row.id).values(title=title)
            )
    if ids:
        stored = sa.select(answer.c.submission_id, answer.c.field, answer.c.value).where(
            answer.c.submission_id.in_(ids), answer.c.field.in_(list(tables))
        )
        for row in connection.execute(stored).all():
            value = _convert(row.field, row.value, tables[row.field])
            if value != row.value:
                connection.execute(
                    answer.update()
                    .where(answer.c.submission_id == row.submission_id, answer.c.field == row.field)
                    .values(value=value)
                )
    for row in connection.execute(
        sa.select(draft.c.id, draft.c.answers).where(draft.c.kind.in_(["idea", "feedback"]))
    ).all():
        answers = dict(row.answers)
        converted = {
            field: _convert(field, value, tables[field]) if field in tables else value
            for field, value in answers.items()
        }
        if converted != answers:
            connection.execute(draft.update().where(draft.c.id == row.id).values(answers=converted))


def upgrade() -> None:
    _migrate("up")


def downgrade() -> None:
    _migrate("down")
