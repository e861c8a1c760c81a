"""proposal choices as codes: the vendor proposal's choices were stored as their English
labels ("Mobility", "Cost share"); they become language-neutral codes ("mobility",
"cost_share"), shown in the reader's language (catalogue proposal.choice.<set>.<code>).
Submissions' category and answers and unfinished proposal drafts are converted; free text
(an "Other: ..." ask, a department's name) is left as written.

Revision ID: 7b3d2f0a1c58
Revises: 6a2c1e9f0b17
Create Date: 2026-12-07 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "7b3d2f0a1c58"
down_revision = "6a2c1e9f0b17"
branch_labels = None
depends_on = None

# The labels the form stored until now, by answer field -> label -> code. A copy, not an
# import: a migration must keep meaning what it meant when it was written.
CODES: dict[str, dict[str, str]] = {
    "category": {
        "Mobility": "mobility",
        "Energy & environment": "energy_environment",
        "Water": "water",
        "Public safety": "public_safety",
        "Digital services & connectivity": "digital_services",
        "Housing & land use": "housing_land_use",
        "Health": "health",
        "Other": "other",
    },
    "maturity": {
        "Idea": "idea",
        "Prototype": "prototype",
        "Piloted elsewhere": "piloted",
        "Deployed elsewhere": "deployed",
    },
    "city_ask": {
        "Pilot site": "pilot_site",
        "Data access": "data_access",
        "Funding": "funding",
        "A contract": "contract",
        "A partnership": "partnership",
    },
    "cost_model": {
        "Vendor-funded pilot": "vendor_funded",
        "Cost share": "cost_share",
        "City-funded": "city_funded",
        "Revenue share / public-private partnership": "revenue_share",
    },
    "open_data": {"Yes": "yes", "Partly": "partly", "No": "no"},
    "departments": {"Not sure": "not_sure"},
    "personal_data": {"No": "no"},
    "data_collected": {"None": "none"},
    "data_owner": {
        "The City": "city",
        "Our organisation": "vendor",
        "Shared": "shared",
        "Not sure": "not_sure",
    },
}
# City asks were stored joined: "Pilot site, Funding" (an "Other: ..." ask stands alone).
SEPARATOR = ", "

submission = sa.table("submission", sa.column("id"), sa.column("kind"), sa.column("category"))
answer = sa.table(
    "submissionanswer", sa.column("submission_id"), sa.column("field"), sa.column("value")
)
draft = sa.table("draft", sa.column("id"), sa.column("kind"), sa.column("answers", sa.JSON))


def _convert(field: str, value: object, table: dict[str, str]) -> object:
    if isinstance(value, list):
        return [table.get(item, item) for item in value]
    if not isinstance(value, str):
        return value
    if field == "city_ask" and not value.startswith("Other"):
        return SEPARATOR.join(table.get(item, item) for item in value.split(SEPARATOR))
    return table.get(value, value)


def _migrate(direction: str) -> None:
    tables = {
        field: table if direction == "up" else {code: label for label, code in table.items()}
        for field, table in CODES.items()
    }
    connection = op.get_bind()
    proposals = sa.select(submission.c.id, submission.c.category).where(
        submission.c.kind == "proposal"
    )
    ids = []
    for row in connection.execute(proposals):
        ids.append(row.id)
        category = tables["category"].get(row.category or "", row.category)
        if category != row.category:
            connection.execute(
                submission.update().where(submission.c.id == row.id).values(category=category)
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
        sa.select(draft.c.id, draft.c.answers).where(draft.c.kind == "proposal")
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
