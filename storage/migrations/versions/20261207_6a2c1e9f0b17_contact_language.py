"""contact language: the language of the conversation a contact came from, so what is
sent to them later is written in it. Every existing contact spoke English.

Revision ID: 6a2c1e9f0b17
Revises: 5d1e0c7a9b42
Create Date: 2026-12-07 15:45:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = "6a2c1e9f0b17"
down_revision = "5d1e0c7a9b42"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.add_column(
            sa.Column(
                "language",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                nullable=False,
                server_default="en",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.drop_column("language")
