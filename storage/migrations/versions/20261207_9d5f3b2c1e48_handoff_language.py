"""handoff language: the language a person asked for staff in, so the post tells staff
which language to answer in. Every earlier request was made in English.

Revision ID: 9d5f3b2c1e48
Revises: 8c4e2a1b9d07
Create Date: 2026-12-07 17:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "9d5f3b2c1e48"
down_revision = "8c4e2a1b9d07"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffrequest") as batch:
        batch.add_column(
            sa.Column(
                "language",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                nullable=False,
                server_default="en",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("handoffrequest") as batch:
        batch.drop_column("language")
