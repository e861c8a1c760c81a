"""pilot check-ins: one per milestone, metric cadence period and pilot end of an
approved iteration, with the stage of asking and escalating that falls due next
(storage/pilots/checkins.py).

Revision ID: b4d8f1a26c3e
Revises: a7c2e4f60b13
Create Date: 2026-12-07 19:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "b4d8f1a26c3e"
down_revision = "a7c2e4f60b13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pilotcheckin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("iteration_id", sa.Integer(), nullable=False),
        sa.Column("slot", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("received", sa.JSON(), nullable=False),
        sa.Column("progress", sa.Text(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "open", "answered", "cancelled", name="checkinstate", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("answered_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("next_stage_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["iteration_id"], ["pilotiteration.id"]),
        sa.ForeignKeyConstraint(["milestone_id"], ["pilotmilestone.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("iteration_id", "slot"),
    )
    with op.batch_alter_table("pilotcheckin", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pilotcheckin_iteration_id"), ["iteration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pilotcheckin_next_stage_at"), ["next_stage_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pilotcheckin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pilotcheckin_next_stage_at"))
        batch_op.drop_index(batch_op.f("ix_pilotcheckin_iteration_id"))
    op.drop_table("pilotcheckin")
