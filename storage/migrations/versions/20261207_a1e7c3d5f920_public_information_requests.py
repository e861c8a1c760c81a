"""public information requests: the Texas Public Information Act requests that touch a
submission, with the deadline the vendor is told to object by and its reminder.

Revision ID: a1e7c3d5f920
Revises: 9d5f3b2c1e48
Create Date: 2026-12-07 18:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "a1e7c3d5f920"
down_revision = "9d5f3b2c1e48"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publicinformationrequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("request_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("request_id", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("logged_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("logged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("notified_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("remind_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reminded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_id", "request_key"),
    )
    with op.batch_alter_table("publicinformationrequest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_publicinformationrequest_remind_at"), ["remind_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_publicinformationrequest_submission_id"), ["submission_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("publicinformationrequest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publicinformationrequest_submission_id"))
        batch_op.drop_index(batch_op.f("ix_publicinformationrequest_remind_at"))

    op.drop_table("publicinformationrequest")
