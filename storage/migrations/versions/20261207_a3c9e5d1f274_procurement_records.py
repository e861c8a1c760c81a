"""procurement records: the approach the City took after a move to procurement, its
legal basis and the dates up to a signed contract (one per move to procurement).

Revision ID: a3c9e5d1f274
Revises: a1e7c3d5f920
Create Date: 2026-12-07 18:45:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "a3c9e5d1f274"
down_revision = "a1e7c3d5f920"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "procurementrecord",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("status_change_id", sa.Integer(), nullable=False),
        sa.Column("moved_to_procurement", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("approach", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("legal_basis", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("justification", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("solicitation_issued", sa.Date(), nullable=True),
        sa.Column("awarded", sa.Date(), nullable=True),
        sa.Column("contract_signed", sa.Date(), nullable=True),
        sa.Column("contract_value", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["status_change_id"], ["statuschange.id"]),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("status_change_id"),
    )
    op.create_index(
        op.f("ix_procurementrecord_submission_id"),
        "procurementrecord",
        ["submission_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_procurementrecord_submission_id"), table_name="procurementrecord")
    op.drop_table("procurementrecord")
